"""The outbox table: what the relay claims, publishes and marks; what waits, and the dead letters.

A relay *claims* due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite) by
writing its id and a lease (``claimed_until``) into them, in a transaction of its own that ends at
once; it publishes them outside any transaction and marks each as its confirm arrives.  A relay
that dies leaves its claims to expire; any relay may then claim the rows again.  A row refused by
the broker is tried again after a backoff; past ``relay.max_attempts`` it is dead-lettered (its
document ``undeliverable``) until an operator re-queues it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.tables import Document, OutboxEntry, Payload
from gateway.config import RelaySettings
from gateway.core.domain import Status
from gateway.core.timefmt import as_utc, parse_rfc3339

#: the PostgreSQL notification channel that wakes the relays of every gateway process
OUTBOX_CHANNEL = "gateway_outbox"

_ROUTABLE = (str(Status.ACCEPTED), str(Status.UNDELIVERABLE))


@dataclass(frozen=True, slots=True)
class Backlog:
    #: rows waiting to be published (dead letters not included)
    pending: int
    oldest: datetime | None
    #: dead letters: past the retry cap, waiting for an operator
    dead: int = 0

    def oldest_seconds(self, now: datetime) -> float:
        return (now - self.oldest).total_seconds() if self.oldest else 0.0


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A claimed row, with the body to publish."""

    id: int
    reference: str
    exchange: str
    routing_key: str
    headers: dict[str, str]
    created_at: datetime
    #: failed publications before this claim
    attempts: int
    body: bytes


@dataclass(frozen=True, slots=True)
class Claimed:
    rows: list[OutboxRow]
    #: the size of the first due row left out for lack of room in ``max_bytes`` (None: none was)
    left: int | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    row: OutboxRow
    error: str
    #: the row's own fault (refused, unroutable, no such exchange): counted, backed off, and
    #: dead-lettered past the cap.  Otherwise the broker's (away, timed out): the row is released.
    counts: bool


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reference: str
    exchange: str
    routing_key: str
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "exchange": self.exchange,
            "routing_key": self.routing_key,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "created_at": self.created_at.isoformat(),
            "dead_at": self.dead_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 10
    initial_seconds: float = 1.0
    max_seconds: float = 300.0

    @classmethod
    def of(cls, settings: RelaySettings) -> RetryPolicy:
        return cls(settings.max_attempts, settings.retry_initial_seconds, settings.retry_max_seconds)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: doubled each time, capped."""
        seconds = self.initial_seconds * 2 ** min(max(attempts - 1, 0), 30)
        return timedelta(seconds=min(seconds, self.max_seconds))

    def dead(self, attempts: int) -> bool:
        return attempts >= self.max_attempts


@dataclass(frozen=True, slots=True)
class Marked:
    published: int
    retried: int
    dead: tuple[str, ...]


def _pending() -> Any:
    return and_(OutboxEntry.published_at.is_(None), OutboxEntry.dead_at.is_(None))


class OutboxStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(
        self,
        owner: str,
        limit: int,
        now: datetime,
        lease: timedelta,
        max_bytes: int | None = None,
        at_least_one: bool = True,
    ) -> Claimed:
        """Up to ``limit`` due rows, oldest first, claimed for ``owner`` until ``now + lease``; with
        ``max_bytes``, only as many as keep their bodies together within it (the first one whatever
        its size when ``at_least_one``), so that what a relay holds in memory does not grow with
        the size of the messages."""
        due = and_(
            _pending(),
            or_(OutboxEntry.next_attempt_at.is_(None), OutboxEntry.next_attempt_at <= now),
            or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now),
        )
        async with self._sessions() as session, session.begin():
            # the sizes first (PostgreSQL reads a stored value's length without fetching it)
            found = (
                await session.execute(
                    select(OutboxEntry, func.length(Payload.body))
                    .join(Payload, Payload.reference == OutboxEntry.reference)
                    .where(due)
                    .order_by(OutboxEntry.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=OutboxEntry)
                )
            ).all()
            chosen: list[OutboxEntry] = []
            total = 0
            left: int | None = None
            for entry, size in found:
                size = int(size or 0)
                alone = at_least_one and not chosen
                if max_bytes is not None and total + size > max_bytes and not alone:
                    left = size
                    break
                chosen.append(entry)
                total += size
            if not chosen:
                return Claimed([], left)
            references = [entry.reference for entry in chosen]
            selected = await session.execute(
                select(Payload.reference, Payload.body).where(Payload.reference.in_(references))
            )
            bodies = {reference: body for reference, body in selected}
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_([entry.id for entry in chosen]))
                .values(claimed_by=owner, claimed_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            rows = [
                OutboxRow(
                    entry.id,
                    entry.reference,
                    entry.exchange,
                    entry.routing_key,
                    dict(entry.headers),
                    entry.created_at,
                    entry.attempts,
                    bodies[entry.reference],
                )
                for entry in chosen
            ]
            return Claimed(rows, left)

    async def mark(
        self,
        owner: str,
        published: Sequence[OutboxRow],
        failures: Sequence[Failure],
        now: datetime,
        policy: RetryPolicy,
    ) -> Marked:
        """In one short transaction: the published rows (their documents ``routed``), and the
        failed ones backed off, dead-lettered or released."""
        dead: list[str] = []
        retried = 0
        async with self._sessions() as session, session.begin():
            if published:
                references = [row.reference for row in published]
                await session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_([row.id for row in published]))
                    .where(OutboxEntry.published_at.is_(None))
                    .values(published_at=now, claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
                await session.execute(
                    update(Document)
                    .where(Document.reference.in_(references), Document.status.in_(_ROUTABLE))
                    .values(status=str(Status.ROUTED), routed_at=now)
                    .execution_options(synchronize_session=False)
                )
            released = [f.row.id for f in failures if not f.counts]
            if released:
                await session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_(released), OutboxEntry.claimed_by == owner)
                    .values(claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
            for failure in (f for f in failures if f.counts):
                attempts = failure.row.attempts + 1
                values: dict[str, Any] = {
                    "attempts": attempts,
                    "last_error": failure.error[:1000],
                    "claimed_by": None,
                    "claimed_until": None,
                }
                if policy.dead(attempts):
                    values["dead_at"] = now
                    dead.append(failure.row.reference)
                else:
                    values["next_attempt_at"] = now + policy.backoff(attempts)
                    retried += 1
                await session.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id == failure.row.id, OutboxEntry.claimed_by == owner)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            if dead:
                await session.execute(
                    update(Document)
                    .where(Document.reference.in_(dead), Document.status == str(Status.ACCEPTED))
                    .values(status=str(Status.UNDELIVERABLE))
                    .execution_options(synchronize_session=False)
                )
        return Marked(len(published), retried, tuple(dead))

    async def release(self, owner: str) -> None:
        """Every claim of ``owner`` on a row it has not published: for another relay to take now."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.claimed_by == owner, OutboxEntry.published_at.is_(None))
                .values(claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    async def dead_letters(self, limit: int = 100) -> list[DeadLetter]:
        async with self._sessions() as session:
            entries = (
                await session.scalars(
                    select(OutboxEntry)
                    .where(OutboxEntry.dead_at.is_not(None), OutboxEntry.published_at.is_(None))
                    .order_by(OutboxEntry.dead_at, OutboxEntry.id)
                    .limit(limit)
                )
            ).all()
        return [
            DeadLetter(
                e.reference, e.exchange, e.routing_key, e.attempts, e.last_error, e.created_at, e.dead_at
            )
            for e in entries
            if e.dead_at is not None
        ]

    async def requeue(self, references: Sequence[str] | None) -> list[str]:
        """Dead letters back in the queue with a fresh count of attempts (``None``: all of them);
        their documents ``accepted`` again.  Returns the references re-queued."""
        dead = and_(OutboxEntry.dead_at.is_not(None), OutboxEntry.published_at.is_(None))
        if references is not None:
            dead = and_(dead, OutboxEntry.reference.in_(list(references)))
        async with self._sessions() as session, session.begin():
            found = list((await session.scalars(select(OutboxEntry.reference).where(dead))).all())
            if not found:
                return []
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.reference.in_(found))
                .values(dead_at=None, attempts=0, next_attempt_at=None, claimed_by=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            await session.execute(
                update(Document)
                .where(Document.reference.in_(found), Document.status == str(Status.UNDELIVERABLE))
                .values(status=str(Status.ACCEPTED))
                .execution_options(synchronize_session=False)
            )
            if session.get_bind().dialect.name == "postgresql":
                await session.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))  # wakes every process's relay
        return found


async def outbox_backlog(sessions: async_sessionmaker[AsyncSession]) -> Backlog:
    # each count over its own partial index (ix_outbox_pending, ix_outbox_dead), never the table
    waiting = select(func.count(), func.min(OutboxEntry.created_at)).where(_pending())
    dead = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.dead_at.is_not(None))
    async with sessions() as session:
        pending, oldest = (await session.execute(waiting)).one()
        dead_count = await session.scalar(dead)
    if isinstance(oldest, str):  # SQLite returns aggregates of timestamps as text
        oldest = parse_rfc3339(oldest)
    if isinstance(oldest, datetime):
        oldest = as_utc(oldest)
    return Backlog(int(pending), oldest, int(dead_count or 0))
