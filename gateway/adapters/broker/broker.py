"""The RabbitMQ adapter: one connection, a confirming channel for publishing, topology declared.

aio-pika and aiormq exceptions stop here: callers see :class:`BrokerUnavailable` or
:class:`PublishRefused`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

import aio_pika
import aiormq
from aio_pika.abc import AbstractChannel, AbstractRobustConnection

from gateway.adapters.broker.topology import declare_topology
from gateway.config import AmqpSettings

log = logging.getLogger(__name__)

BROKER_ERRORS = (
    aiormq.exceptions.AMQPError,
    aio_pika.exceptions.AMQPException,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


class BrokerUnavailable(Exception):
    """The broker cannot be reached now; try again later."""


class PublishRefused(Exception):
    """The broker took the message back (unroutable or nacked); it stays in the outbox."""


class Publisher(Protocol):
    """What the relay needs of a broker; :class:`Broker` is the real one, tests have a memory one."""

    async def ensure_connected(self) -> None: ...

    async def publish(
        self,
        *,
        exchange: str,
        routing_key: str,
        body: bytes,
        message_id: str,
        headers: Mapping[str, str],
        timestamp: datetime,
    ) -> None: ...


class Broker:
    def __init__(self, settings: AmqpSettings) -> None:
        self._settings = settings
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._channel is not None and not self._channel.is_closed

    async def ensure_connected(self) -> None:
        await self.channel()

    async def channel(self) -> AbstractChannel:
        async with self._lock:
            if self.connected:
                assert self._channel is not None
                return self._channel
            await self._close()
            try:
                # Not a robust connection: reconnecting is the relay's job, so that a broken
                # connection shows up as a failed publish rather than a silent wait.
                connection = await aio_pika.connect(
                    self._settings.url, timeout=self._settings.confirm_timeout_seconds
                )
            except BROKER_ERRORS as exc:
                raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
            try:
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                await declare_topology(channel)
            except BaseException as exc:
                with contextlib.suppress(*BROKER_ERRORS):
                    await connection.close()
                if isinstance(exc, BROKER_ERRORS):
                    raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
                raise
            self._connection, self._channel = connection, channel  # type: ignore[assignment]
            log.info("connected to the broker; topology declared")
            return channel

    async def publish(
        self,
        *,
        exchange: str,
        routing_key: str,
        body: bytes,
        message_id: str,
        headers: Mapping[str, str],
        timestamp: datetime,
    ) -> None:
        channel = await self.channel()
        message = aio_pika.Message(
            body,
            message_id=message_id,
            content_type="application/xml",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            timestamp=timestamp,
            headers=dict(headers),
        )
        try:
            target = await channel.get_exchange(exchange, ensure=False)
            await target.publish(
                message, routing_key, mandatory=True, timeout=self._settings.confirm_timeout_seconds
            )
        except aio_pika.exceptions.DeliveryError as exc:
            raise PublishRefused(f"broker refused {message_id}: {exc}") from exc
        except BROKER_ERRORS as exc:
            await self._drop()
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def _drop(self) -> None:
        async with self._lock:
            await self._close()

    async def _close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(*BROKER_ERRORS):
                await connection.close()

    async def close(self) -> None:
        await self._drop()
