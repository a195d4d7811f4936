"""The registry's audit trail, and the one way its tables change.

Every change is one transaction that ends with one ``registry_events`` row (who, what, of whom,
with which details).  The highest event id is the registry's generation: each process's rights
cache polls it (:mod:`gateway.adapters.storage.registry_lookup`), and ``on_change`` tells this
process's cache at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import RegistryEvent
from gateway.adapters.storage.transaction import Transaction
from gateway.core.errors import RegistryConflict


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Change(Transaction):
    """A registry change in progress: its transaction, who makes it and when."""

    #: who is recorded in the audit trail (an operator's login, ``cli``, or the account itself)
    actor: str
    at: datetime
    #: the audit event's details; :meth:`note` adds what is known only once the change is made
    details: dict[str, Any] = field(default_factory=dict)

    def note(self, **details: Any) -> None:
        self.details.update(details)


class AuditTrail:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._sessions = sessions
        self._on_change = on_change
        self._clock = clock

    @asynccontextmanager
    async def change(self, actor: str, action: str, subject: str, **details: Any) -> AsyncIterator[Change]:
        """One registry change: a transaction, its audit event, then the rights cache forgets.

        A unique constraint the change runs into is ``REGISTRY_CONFLICT`` (the stores turn the
        ones they expect into a message of their own first)."""
        at = self._clock()
        try:
            async with translate_database_errors(), self._sessions() as session, session.begin():
                change = Change(session, actor, at, dict(details))
                yield change
                session.add(
                    RegistryEvent(at=at, actor=actor, action=action, subject=subject, details=change.details)
                )
        except IntegrityError as exc:
            raise RegistryConflict(
                f"{action} {subject}: conflicts with an existing entry ({exc.orig})"
            ) from None
        self._on_change()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Transaction]:
        """A read of the registry (several stores, one session)."""
        async with translate_database_errors(), self._sessions() as session:
            yield Transaction(session)


def record(session: AsyncSession, actor: str, action: str, subject: str, **details: Any) -> None:
    """An audit event inside a transaction that is not a registry change (the SEAP channel's
    account settings: a PasswordDigest secret, a push endpoint), so no rights cache need forget."""
    session.add(RegistryEvent(at=_now(), actor=actor, action=action, subject=subject, details=details))


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]


async def recent_events(
    sessions: async_sessionmaker[AsyncSession], *, before: int | None = None, limit: int = 50
) -> list[AuditEvent]:
    """The trail newest first, ``limit`` events older than the event ``before`` (keyset paging)."""
    statement = select(RegistryEvent).order_by(RegistryEvent.id.desc()).limit(limit)
    if before is not None:
        statement = statement.where(RegistryEvent.id < before)
    async with translate_database_errors(), sessions() as session:
        rows = (await session.scalars(statement)).all()
    return [
        AuditEvent(
            row.id,
            row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC),
            row.actor,
            row.action,
            row.subject,
            dict(row.details),
        )
        for row in rows
    ]
