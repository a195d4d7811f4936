"""Consumes the customs systems' responses (``gateway.responses``) and stores them.

A response is acknowledged only after it is committed.  One without a ``correlation_id``, or whose
``correlation_id`` names no document here, is dead-lettered to ``sisc.dead`` for an operator.
A response delivered twice (same ``message_id``) is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import BROKER_ERRORS
from gateway.adapters.broker.topology import declare_topology
from gateway.adapters.logs import broker_dependency, database_dependency
from gateway.adapters.storage.errors import database_away
from gateway.adapters.storage.tables import Document, Response
from gateway.config import AmqpSettings
from gateway.core.domain import RESPONSES_QUEUE

log = logging.getLogger(__name__)


class ResponseConsumer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: AmqpSettings,
        on_stored: Callable[[str], None] = lambda outcome: None,
        database_url: str = "database",
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._on_stored = on_stored
        #: the broker and the database going and coming back, told once each (not every retry)
        self._broker_state = broker_dependency("responses consumer", settings.url)
        self._database_state = database_dependency("responses consumer", database_url)

    async def run(self) -> None:
        while True:
            try:
                connection = await aio_pika.connect(
                    self._settings.url, timeout=self._settings.confirm_timeout_seconds
                )
                async with connection:
                    await self._consume_until_closed(connection)
            except BROKER_ERRORS as exc:
                self._broker_state.failed(exc, self._settings.reconnect_seconds)
            await asyncio.sleep(self._settings.reconnect_seconds)

    async def _consume_until_closed(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=self._settings.responses_prefetch)
        await declare_topology(channel)
        queue = await channel.get_queue(RESPONSES_QUEUE, ensure=False)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_close(*_: object) -> None:
            if not closed.done():
                closed.set_result(None)

        connection.close_callbacks.add(on_close)
        await queue.consume(self.handle)
        self._broker_state.succeeded()
        await closed

    async def handle(self, message: AbstractIncomingMessage) -> None:
        reference = message.correlation_id
        if not reference:
            log.warning("response without correlation_id dead-lettered")
            self._on_stored("dead_lettered")
            await message.reject(requeue=False)
            return
        try:
            outcome = await self.store(message, reference)
        except Exception as exc:
            if database_away(exc):
                self._database_state.failed(exc, self._settings.reconnect_seconds)
            else:
                log.exception("could not store a response to %s; it will be redelivered", reference)
            await asyncio.sleep(self._settings.reconnect_seconds)
            await message.nack(requeue=True)
            return
        self._database_state.succeeded()
        self._on_stored(outcome)
        if outcome == "unknown_reference":
            log.warning("response to unknown document %s dead-lettered", reference)
            await message.reject(requeue=False)
        else:
            await message.ack()

    async def store(self, message: AbstractIncomingMessage, reference: str) -> str:
        headers = {str(k): str(v) for k, v in (message.headers or {}).items()}
        message_id = (
            message.message_id or "sha256:" + hashlib.sha256(reference.encode() + message.body).hexdigest()
        )
        try:
            async with self._sessions() as session, session.begin():
                known = select(Document.reference).where(Document.reference == reference)
                if await session.scalar(known) is None:
                    return "unknown_reference"
                session.add(
                    Response(
                        reference=reference,
                        message_id=message_id,
                        system=headers.get("x-system"),
                        message_type=headers.get("x-message-type") or message.type,
                        received_at=datetime.now(UTC),
                        headers=headers,
                        body=message.body,
                    )
                )
        except IntegrityError:
            return "duplicate"
        return "stored"
