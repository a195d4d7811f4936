"""The registry's audit trail: one ``registry_events`` row per change, in the change's transaction.

Its highest id is also the registry's generation, which tells the rights cache of every process
when to forget (gateway/adapters/storage/registry_lookup.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import RegistryEvent


def record(session: AsyncSession, actor: str, action: str, subject: str, **details: Any) -> None:
    session.add(
        RegistryEvent(at=datetime.now(UTC), actor=actor, action=action, subject=subject, details=details)
    )


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
