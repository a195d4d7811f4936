"""The registry's audit trail: one ``registry_events`` row per change, in the change's transaction.

Its highest id is also the registry's generation, which tells the rights cache of every process
when to forget (gateway/adapters/storage/registry_lookup.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.storage.tables import RegistryEvent


def record(session: AsyncSession, actor: str, action: str, subject: str, **details: Any) -> None:
    session.add(
        RegistryEvent(at=datetime.now(UTC), actor=actor, action=action, subject=subject, details=details)
    )
