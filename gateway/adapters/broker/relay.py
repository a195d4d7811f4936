"""The outbox relay: publishes stored documents to RabbitMQ, with confirms, and marks them routed.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` inside the transaction that marks them published,
so several gateway processes on one PostgreSQL never publish the same row at the same time.  A
crash between the broker's confirm and the commit publishes that row again after restart: delivery
is at least once, and consumers deduplicate on ``message_id`` (the reference).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import BrokerUnavailable, Publisher, PublishRefused
from gateway.adapters.storage.tables import Document, OutboxEntry, Payload
from gateway.config import RelaySettings
from gateway.core.domain import Status

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: Publisher,
        settings: RelaySettings,
        reconnect_seconds: float,
        doorbell: asyncio.Event | None = None,
        on_published: Callable[[int], None] = lambda count: None,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._settings = settings
        self._reconnect_seconds = reconnect_seconds
        self._on_published = on_published
        #: set when a document was committed: publish now rather than at the next poll
        self._wake = doorbell or asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                while await self.drain_once() == self._settings.batch_size:
                    pass
            except BrokerUnavailable as exc:
                log.warning("broker unavailable, messages wait in the outbox: %s", exc)
                await asyncio.sleep(self._reconnect_seconds)
                continue
            except Exception:
                # The database may be away; the relay must outlive that and go on afterwards.
                log.exception("outbox relay pass failed")
                await asyncio.sleep(self._reconnect_seconds)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)
            self._wake.clear()

    async def drain_once(self) -> int:
        """Publish one batch; returns how many were published."""
        await self._broker.ensure_connected()  # fail before claiming rows when the broker is away
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(OutboxEntry, Payload.body)
                    .join(Payload, Payload.reference == OutboxEntry.reference)
                    .where(OutboxEntry.published_at.is_(None))
                    .order_by(OutboxEntry.id)
                    .limit(self._settings.batch_size)
                    .with_for_update(skip_locked=True, of=OutboxEntry)
                )
            ).all()
            if not rows:
                return 0
            results = await asyncio.gather(
                *(
                    self._broker.publish(
                        exchange=entry.exchange,
                        routing_key=entry.routing_key,
                        body=body,
                        message_id=entry.reference,
                        headers=entry.headers,
                        timestamp=entry.created_at,
                    )
                    for entry, body in rows
                ),
                return_exceptions=True,
            )
            now = datetime.now(UTC)
            published = [
                entry.reference for (entry, _), result in zip(rows, results, strict=True) if result is None
            ]
            for (entry, _), result in zip(rows, results, strict=True):
                if isinstance(result, BaseException):
                    entry.attempts += 1
                    entry.last_error = f"{type(result).__name__}: {result}"[:1000]
            if published:
                await session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.reference.in_(published))
                    .values(published_at=now, attempts=OutboxEntry.attempts + 1)
                )
                await session.execute(
                    update(Document)
                    .where(Document.reference.in_(published))
                    .values(status=str(Status.ROUTED), routed_at=now)
                )
        self._on_published(len(published))
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures and not published:
            first = failures[0]
            if isinstance(first, BrokerUnavailable | PublishRefused):
                raise BrokerUnavailable(str(first)) from first
            raise first
        return len(published)
