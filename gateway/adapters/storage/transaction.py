"""One open transaction that several stores take part in.

A service opens it (for the registry: :meth:`gateway.adapters.storage.registry.audit.AuditTrail.change`)
and hands it to each store it calls, so that what they write commits, or rolls back, as one.  The
services only pass it on; the stores alone look inside.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class Transaction:
    session: AsyncSession
