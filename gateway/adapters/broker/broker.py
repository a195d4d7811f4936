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
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractRobustConnection

from gateway.adapters.broker.topology import EXCHANGES, declare_topology
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
        #: exchanges known to exist on this connection (the declared topology, and those checked)
        self._exchanges: set[str] = set()

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
            # A channel the broker closed (one bad message) is replaced with its connection: a new
            # channel on the old connection can race the broker's own closing of the old one.
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
                channel = await self._confirming_channel(connection)
                await declare_topology(channel)
            except BaseException as exc:
                with contextlib.suppress(*BROKER_ERRORS):
                    await connection.close()
                if isinstance(exc, BROKER_ERRORS):
                    raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
                raise
            self._connection, self._channel = connection, channel  # type: ignore[assignment]
            self._exchanges = set(EXCHANGES)
            log.info("connected to the broker; topology declared")
            return channel

    async def _confirming_channel(self, connection: AbstractConnection) -> AbstractChannel:
        return await connection.channel(publisher_confirms=True, on_return_raises=True)

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
        """Publishes and waits for the broker's confirm; many calls may wait at once (pipelined).

        :class:`PublishRefused` when the message itself cannot be routed (returned as unroutable,
        nacked, or its exchange does not exist); :class:`BrokerUnavailable` otherwise."""
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
            await self._check_exchange(exchange)
            target = await channel.get_exchange(exchange, ensure=False)
            await target.publish(
                message, routing_key, mandatory=True, timeout=self._settings.confirm_timeout_seconds
            )
        except aio_pika.exceptions.DeliveryError as exc:
            raise PublishRefused(f"broker refused {message_id}: {exc}") from exc
        except aiormq.exceptions.ChannelNotFoundEntity as exc:
            # The broker closed the channel, and failed every message in flight on it with this.
            # Only the messages bound for the exchange it names are at fault; the others go again
            # on a new channel.
            if f"'{exchange}'" in str(exc):
                self._exchanges.discard(exchange)
                raise PublishRefused(f"no exchange {exchange!r} for {message_id}: {exc}") from exc
            raise BrokerUnavailable(f"channel closed by another message: {exc}") from exc
        except (*BROKER_ERRORS, RuntimeError) as exc:  # aio-pika: RuntimeError for a closed connection
            await self._drop_if(channel)
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def _check_exchange(self, name: str) -> None:
        """A message for an exchange that does not exist makes the broker close the channel it was
        published on, failing every other message in flight there: an exchange not yet known to
        exist is looked for first, on a channel of its own."""
        if name in self._exchanges:
            return
        connection = self._connection
        if connection is None:
            raise BrokerUnavailable("not connected")
        probe = await connection.channel(publisher_confirms=False)
        try:
            await probe.declare_exchange(name, passive=True)
        except aiormq.exceptions.ChannelNotFoundEntity as exc:
            raise PublishRefused(f"no exchange {name!r}: {exc}") from exc
        finally:
            if not probe.is_closed:
                with contextlib.suppress(*BROKER_ERRORS):
                    await probe.close()
        self._exchanges.add(name)

    async def _drop_if(self, channel: AbstractChannel) -> None:
        """Close the connection after a failure on ``channel``, unless it was replaced meanwhile."""
        async with self._lock:
            if self._channel is channel:
                await self._close()

    async def _drop(self) -> None:
        async with self._lock:
            await self._close()

    async def _close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            # a broker that has stopped answering would never acknowledge the close
            with contextlib.suppress(*BROKER_ERRORS):
                await asyncio.wait_for(connection.close(), self._settings.confirm_timeout_seconds)

    async def close(self) -> None:
        await self._drop()
