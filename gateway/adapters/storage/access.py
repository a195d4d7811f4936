"""The read rules (gateway/core/registry/access.py) against the database: whose extended rights an
account's person holds, and the rules as a SQL condition for lists."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import Account, Document, Representation
from gateway.core.registry.access import HeldRepresentation, Readers, extended_grants
from gateway.core.registry.model import Scope


def readable_condition(readers: Readers) -> ColumnElement[bool]:
    """:meth:`Readers.may_read` as a SQL condition on ``documents``."""
    shared = [
        and_(
            Document.podmiot_id == g.podmiot_id,
            Document.system.in_(sorted(g.systems)) if g.systems else true(),
        )
        for g in readers.grants
    ]
    return or_(Document.sender_account_id == readers.account_id, *shared)


def held(rows: Iterable[Representation]) -> list[HeldRepresentation]:
    return [
        HeldRepresentation(r.podmiot_id, r.scope, r.status, tuple(r.systems or ()), r.valid_from, r.valid_to)
        for r in rows
    ]


class ReadRules:
    """What an account may read, asked of the registry's tables."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def readers(self, account_id: int, at: datetime) -> Readers:
        statement = (
            select(Representation)
            .join(Account, Account.person_id == Representation.person_id)
            .where(Account.id == account_id, Representation.scope == Scope.EXTENDED)
        )
        async with translate_database_errors(), self._sessions() as session:
            rows = (await session.scalars(statement)).all()
        return Readers(account_id, extended_grants(held(rows), at))
