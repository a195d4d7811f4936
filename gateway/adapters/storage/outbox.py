"""What waits in the outbox (for readiness and metrics)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.tables import OutboxEntry


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest: datetime | None

    def oldest_seconds(self, now: datetime) -> float:
        return (now - self.oldest).total_seconds() if self.oldest else 0.0


async def outbox_backlog(sessions: async_sessionmaker[AsyncSession]) -> Backlog:
    async with sessions() as session:
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(OutboxEntry.created_at)).where(
                    OutboxEntry.published_at.is_(None)
                )
            )
        ).one()
    if isinstance(oldest, str):  # SQLite returns aggregates of timestamps as text
        oldest = datetime.fromisoformat(oldest)
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(pending), oldest)
