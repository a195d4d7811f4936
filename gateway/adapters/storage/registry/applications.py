"""Registration applications (SZPROT) held for an officer's decision.  The documents they came in
are the document store's (:mod:`gateway.adapters.storage.documents`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.storage.registry.audit import Change
from gateway.adapters.storage.tables import Application
from gateway.adapters.storage.transaction import Transaction
from gateway.core.errors import RegistryError, RegistryNotFound
from gateway.core.registry.views import ApplicationView


class ApplicationStore:
    async def all(self, tx: Transaction, status: str | None) -> list[ApplicationView]:
        """``status`` None: in any state; oldest first."""
        statement = select(Application).order_by(Application.submitted_at)
        if status:
            statement = statement.where(Application.status == status)
        return [_view(a) for a in (await tx.session.scalars(statement)).all()]

    async def get(self, tx: Transaction, reference: str) -> ApplicationView:
        return _view(await _row(tx.session, reference))

    async def pending(self, change: Change, reference: str) -> ApplicationView:
        """The application, if it still waits for a decision."""
        row = await _row(change.session, reference)
        if row.status != "pending":
            raise RegistryError(f"application {reference} was {row.status} already")
        return _view(row)

    async def decide(
        self, change: Change, reference: str, status: str, reason: str | None = None
    ) -> ApplicationView:
        """Approved or rejected, now, by the change's actor."""
        row = await _row(change.session, reference)
        row.status, row.decided_at, row.decided_by = status, change.at, change.actor
        if reason is not None:
            row.reason = reason
        return _view(row)


async def _row(session: AsyncSession, reference: str) -> Application:
    row = await session.get(Application, reference)
    if row is None:
        raise RegistryNotFound(f"no application {reference}")
    return row


def _view(row: Application) -> ApplicationView:
    return ApplicationView(
        reference=row.reference,
        kind=row.kind,
        status=row.status,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reason=row.reason,
        content=row.content,
    )
