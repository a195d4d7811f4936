"""Who may read a document: its sender, and accounts whose person holds *extended* rights for the
Podmiot it acts for (for the document's system).  Documents sent without a representation where
none was needed (NCTS2) are not shared with the Podmiot: their sender alone reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.documents import translate_database_errors
from gateway.adapters.storage.tables import Account, Document, Representation
from gateway.core.errors import Forbidden
from gateway.core.registry.model import RepresentationStatus, Scope, in_force


@dataclass(frozen=True, slots=True)
class ReadGrant:
    podmiot_id: int
    #: the systems covered; empty means all
    systems: frozenset[str]

    def covers(self, system: str | None) -> bool:
        return not self.systems or (system is not None and system in self.systems)


@dataclass(frozen=True, slots=True)
class Readers:
    """What one account may read besides its own documents."""

    account_id: int
    grants: tuple[ReadGrant, ...] = ()

    def may_read(self, sender_account_id: int, podmiot_id: int | None, system: str | None) -> bool:
        if sender_account_id == self.account_id:
            return True
        return podmiot_id is not None and any(
            g.podmiot_id == podmiot_id and g.covers(system) for g in self.grants
        )

    def condition(self) -> ColumnElement[bool]:
        """The same rule as a SQL condition on ``documents``, for lists."""
        shared = [
            and_(
                Document.podmiot_id == g.podmiot_id,
                Document.system.in_(sorted(g.systems)) if g.systems else true(),
            )
            for g in self.grants
        ]
        return or_(Document.sender_account_id == self.account_id, *shared)


def not_readable(reference: str) -> Forbidden:
    """The refusal of a read the rules above do not allow."""
    return Forbidden(
        f"document {reference} was sent by another account, and this account's person holds no "
        "extended rights for the Podmiot it acts for"
    )


def extended_grants(rows: Iterable[Representation], at: datetime) -> tuple[ReadGrant, ...]:
    return tuple(
        ReadGrant(r.podmiot_id, frozenset(r.systems or ()))
        for r in rows
        if r.status == RepresentationStatus.ACTIVE
        and r.scope == Scope.EXTENDED
        and in_force(r.valid_from, r.valid_to, at)
    )


async def readers_of(sessions: async_sessionmaker[AsyncSession], account_id: int, at: datetime) -> Readers:
    statement = (
        select(Representation)
        .join(Account, Account.person_id == Representation.person_id)
        .where(Account.id == account_id, Representation.scope == Scope.EXTENDED)
    )
    async with translate_database_errors(), sessions() as session:
        rows = (await session.scalars(statement)).all()
    return Readers(account_id, extended_grants(rows, at))
