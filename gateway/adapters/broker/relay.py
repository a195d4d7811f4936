"""The outbox relay: publishes stored documents to RabbitMQ with publisher confirms and marks them
routed.

- **Wakes at once.** The submission service rings the doorbell after each commit (and other
  processes ring it through PostgreSQL NOTIFY, :mod:`gateway.adapters.storage.outbox_signal`); the
  relay also looks every ``relay.poll_seconds``.
- **Pipelined.** Due rows are claimed in a short transaction of their own
  (:class:`~gateway.adapters.storage.outbox.OutboxStore`) and published at once, each waiting for its
  own confirm: up to ``relay.max_in_flight`` messages are on their way together.
- **Marked as confirms arrive.** A marker writes what has been confirmed since its last write in
  one small transaction, again and again.  A database that drops keeps the confirmed marks in
  memory until it is back, so what is published twice after a drop or a crash is at most the
  rows in flight (delivery is at least once; consumers deduplicate on ``message_id``).
- **One row cannot jam the others.** A row the broker refuses (unroutable, nacked, no such
  exchange) is tried again after a backoff, and dead-lettered past ``relay.max_attempts``; the
  broker being away counts against no row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import BrokerUnavailable, Publisher, PublishRefused
from gateway.adapters.logs import Dependency, Repeats, broker_dependency, database_dependency
from gateway.adapters.storage.errors import database_away
from gateway.adapters.storage.outbox import Failure, Marked, OutboxRow, OutboxStore, RetryPolicy
from gateway.config import RelaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of publishing one claimed row: ``error`` is None once the broker confirmed it."""

    row: OutboxRow
    error: BaseException | None = None


def split(deliveries: Sequence[Delivery]) -> tuple[list[OutboxRow], list[Failure]]:
    published = [d.row for d in deliveries if d.error is None]
    failures = [
        Failure(d.row, f"{type(d.error).__name__}: {d.error}", counts=isinstance(d.error, PublishRefused))
        for d in deliveries
        if d.error is not None
    ]
    return published, failures


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: Publisher,
        settings: RelaySettings,
        reconnect_seconds: float,
        doorbell: asyncio.Event | None = None,
        on_published: Callable[[int], None] = lambda count: None,
        on_dead_lettered: Callable[[int], None] = lambda count: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        broker_state: Dependency | None = None,
        database_state: Dependency | None = None,
        marking_state: Dependency | None = None,
    ) -> None:
        self._store = OutboxStore(sessions)
        #: the broker and the database going and coming back, told once each (not every retry)
        self._broker_state = broker_state or broker_dependency("outbox relay", "amqp")
        self._database_state = database_state or database_dependency("outbox relay", "database")
        self._unexpected = Repeats(log, "outbox relay pass")
        #: confirmed rows that cannot be marked published wait in memory until the database is back
        self._marking_state = marking_state or database_dependency("outbox marker", "database")
        self._broker = broker
        self._settings = settings
        self._policy = RetryPolicy.of(settings)
        self._lease = timedelta(seconds=settings.claim_seconds)
        self._reconnect_seconds = reconnect_seconds
        self._on_published = on_published
        self._on_dead_lettered = on_dead_lettered
        self._clock = clock
        #: this relay's name in the rows it claims
        self.owner = str(uuid.uuid4())
        #: set when a document was committed: publish now rather than at the next poll
        self._wake = doorbell or asyncio.Event()
        # the pipeline (run): rows claimed and not yet marked, their publications, their outcomes
        self._in_flight = 0
        self._in_flight_bytes = 0
        self._room = asyncio.Event()
        self._publishing: set[asyncio.Task[None]] = set()
        self._outcomes: asyncio.Queue[Delivery] = asyncio.Queue()
        self._marking: list[Delivery] = []
        #: cleared while the marker cannot write (the database is away): no new claims meanwhile
        self._marks_written = asyncio.Event()
        self._marks_written.set()
        #: the broker failed messages in flight: wait before claiming them again
        self._broker_trouble = asyncio.Event()

    @property
    def in_flight(self) -> int:
        """Rows claimed by the running relay and not yet marked."""
        return self._in_flight

    # --- one pass at a time (tests, tools) ----------------------------------------------------------

    async def drain_once(self) -> int:
        """Claim one batch, publish it (pipelined), mark it; returns how many were published.
        ``BrokerUnavailable`` when the broker failed every one of them."""
        await self._broker.ensure_connected()  # fail before claiming rows when the broker is away
        claimed = await self._store.claim(
            self.owner,
            self._settings.batch_size,
            self._clock(),
            self._lease,
            max_bytes=self._settings.max_bytes_in_flight,
        )
        rows = claimed.rows
        if not rows:
            return 0
        deliveries = await asyncio.gather(*(self._deliver(row) for row in rows))
        marked = await self._mark(deliveries)
        errors = [d.error for d in deliveries if d.error is not None]
        if errors and not marked.published and not any(isinstance(e, PublishRefused) for e in errors):
            raise BrokerUnavailable(str(errors[0])) from errors[0]
        return marked.published

    # --- the running relay ----------------------------------------------------------------------

    async def run(self) -> None:
        marker = asyncio.create_task(self._mark_continuously(), name="outbox marker")
        try:
            while True:
                try:
                    await self._publish_due()
                except BrokerUnavailable as exc:
                    # messages wait in the outbox meanwhile
                    self._broker_state.failed(exc, self._reconnect_seconds)
                    await asyncio.sleep(self._reconnect_seconds)
                    continue
                except Exception as exc:
                    # The database may be away; the relay must outlive that and go on afterwards.
                    if database_away(exc):
                        self._database_state.failed(exc, self._reconnect_seconds)
                    else:
                        self._unexpected.failed(exc)
                    await asyncio.sleep(self._reconnect_seconds)
                    continue
                self._broker_state.succeeded()
                self._database_state.succeeded()
                self._unexpected.succeeded()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.poll_seconds)
                self._wake.clear()
        finally:
            await self._stop(marker)

    async def _publish_due(self) -> None:
        """Claim and start publishing due rows until none is due; returns with rows still in flight."""
        limit = max(1, self._settings.max_in_flight)
        byte_limit = max(1, self._settings.max_bytes_in_flight)
        needed = 1  # bytes of room the next due row needs, when known
        while True:
            if self._broker_trouble.is_set():
                self._broker_trouble.clear()
                raise BrokerUnavailable("messages in flight failed")
            while self._in_flight >= limit or (
                self._in_flight and self._in_flight_bytes + needed > byte_limit
            ):
                self._room.clear()
                await self._room.wait()
            await self._marks_written.wait()
            await self._broker.ensure_connected()
            wanted = min(self._settings.batch_size, limit - self._in_flight)
            self._wake.clear()  # what is committed from now on rings again
            claimed = await self._store.claim(
                self.owner,
                wanted,
                self._clock(),
                self._lease,
                max_bytes=byte_limit - self._in_flight_bytes,
                at_least_one=not self._in_flight,  # one larger than the budget goes alone
            )
            rows = claimed.rows
            for row in rows:
                self._in_flight += 1
                self._in_flight_bytes += len(row.body)
                task = asyncio.create_task(self._publish(row))
                self._publishing.add(task)
                task.add_done_callback(self._publishing.discard)
            if claimed.left is not None:
                needed = claimed.left  # more are due: wait for room for the next one
                continue
            needed = 1
            if len(rows) < wanted:
                return

    async def _publish(self, row: OutboxRow) -> None:
        self._outcomes.put_nowait(await self._deliver(row))

    async def _deliver(self, row: OutboxRow) -> Delivery:
        try:
            await self._broker.publish(
                exchange=row.exchange,
                routing_key=row.routing_key,
                body=row.body,
                message_id=row.reference,
                headers=row.headers,
                timestamp=row.created_at,
            )
        except (BrokerUnavailable, PublishRefused) as exc:
            return Delivery(row, exc)
        except Exception as exc:  # a bug in a publisher must not lose the claim's bookkeeping
            log.exception("publishing %s failed unexpectedly", row.reference)
            return Delivery(row, BrokerUnavailable(f"{type(exc).__name__}: {exc}"))
        return Delivery(row)

    async def _mark_continuously(self) -> None:
        while True:
            batch = self._marking = [await self._outcomes.get()]
            while not self._outcomes.empty():
                batch.append(self._outcomes.get_nowait())
            await self._mark_until_written(batch)
            self._marking = []
            self._in_flight -= len(batch)
            self._in_flight_bytes -= sum(len(d.row.body) for d in batch)
            self._room.set()
            if any(d.error is not None and not isinstance(d.error, PublishRefused) for d in batch):
                self._broker_trouble.set()
                self._wake.set()

    async def _mark_until_written(self, batch: Sequence[Delivery]) -> None:
        """A confirm is never forgotten while this process lives: the marks wait for the database."""
        while True:
            try:
                await self._mark(batch)
            except Exception as exc:
                self._marks_written.clear()
                if database_away(exc):
                    self._marking_state.failed(exc, self._reconnect_seconds)
                else:
                    log.warning(
                        "cannot mark %d outbox rows (%s: %s); trying again",
                        len(batch),
                        type(exc).__name__,
                        exc,
                    )
                await asyncio.sleep(self._reconnect_seconds)
                continue
            self._marking_state.succeeded()
            self._marks_written.set()
            return

    async def _mark(self, deliveries: Sequence[Delivery]) -> Marked:
        published, failures = split(deliveries)
        marked = await self._store.mark(self.owner, published, failures, self._clock(), self._policy)
        if marked.published:
            self._on_published(marked.published)
        if marked.dead:
            self._on_dead_lettered(len(marked.dead))
            log.error(
                "dead-lettered after %d attempts (documents undeliverable): %s",
                self._policy.max_attempts,
                ", ".join(marked.dead),
            )
        for failure in failures:
            if failure.counts:
                log.warning("outbox row %s refused: %s", failure.row.reference, failure.error)
        return marked

    async def _stop(self, marker: asyncio.Task[None]) -> None:
        """On shutdown: what was confirmed is marked, what was not is released for the next relay."""
        for task in list(self._publishing):
            task.cancel()
        marker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await marker
        left = list(self._marking)
        while not self._outcomes.empty():
            left.append(self._outcomes.get_nowait())
        try:
            async with asyncio.timeout(2 * self._reconnect_seconds + 1):
                if left:
                    await self._mark(left)
                await self._store.release(self.owner)
        except Exception as exc:
            log.warning("outbox claims left to expire (%s: %s)", type(exc).__name__, exc)
