"""The mailbox: the customs systems' responses, as the traders' software polls them.

A response is read once for everyone who may read the document it answers: the Podmiot's mailbox
is shared by its sender and its extended representatives, as on PUESC, so whoever takes a response
first marks it read for all of them (``state=all`` still shows it).

Taking unread responses selects and marks them in one transaction.  On PostgreSQL the selected
rows are locked with ``SKIP LOCKED``, so two concurrent pollers get disjoint sets instead of
waiting for, or duplicating, each other; SQLite takes its write lock up front (``BEGIN
IMMEDIATE``, gateway/adapters/storage/database.py), so there the pollers simply run one after the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.access import readable_condition
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import Account, Document, Person, PodmiotIdentifier, Response
from gateway.core.errors import NotFound
from gateway.core.mailbox import (
    MAX_RESPONSE_ID,
    MailboxItem,
    MailboxPage,
    MailboxState,
    ResponseFilter,
    SiscParties,
)
from gateway.core.registry.access import Readers, not_readable


@dataclass(frozen=True, slots=True)
class MailboxQuery:
    #: which documents the asking account may read
    readers: Readers
    #: the document the responses answer
    reference: str | None = None
    acting_for: str | None = None
    system: str | None = None
    state: MailboxState = MailboxState.UNREAD
    #: ``state=all`` only: the id of the last response of the previous page
    after: int | None = None
    limit: int = 50
    narrowed: ResponseFilter = field(default_factory=ResponseFilter)


#: the ``acting_role`` of a document that names its Podmiot as the representative
REPRESENTATIVE = "representative"


def response_system() -> ColumnElement[str | None]:
    # A response without an x-system header belongs to the system of the document it answers.
    return func.coalesce(Response.system, Document.system)


def person_sisc() -> ColumnElement[str | None]:
    """The ID SISC of the person of the account that sent the document."""
    return (
        select(Person.id_sisc)
        .join(Account, Account.person_id == Person.id)
        .where(Account.id == Document.sender_account_id)
        .scalar_subquery()
    )


def podmiot_sisc() -> ColumnElement[str | None]:
    """The ID SISC of the Podmiot the document acts for (the smallest, should it have several)."""
    return (
        select(func.min(PodmiotIdentifier.value))
        .where(PodmiotIdentifier.podmiot_id == Document.podmiot_id, PodmiotIdentifier.scheme == "IDSISC")
        .scalar_subquery()
    )


def parties_columns() -> tuple[ColumnElement[Any], ...]:
    """What :func:`parties_of` reads from a row."""
    return (
        person_sisc().label("person_sisc"),
        podmiot_sisc().label("podmiot_sisc"),
        Document.acting_role.label("acting_role"),
    )


def narrowed_conditions(narrowed: ResponseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    is_representative = Document.acting_role == REPRESENTATIVE
    if narrowed.person_sisc is not None:
        conditions.append(person_sisc() == narrowed.person_sisc)
    if narrowed.middle_sisc is not None:
        conditions.append(and_(podmiot_sisc() == narrowed.middle_sisc, is_representative))
    if narrowed.end_sisc is not None:
        not_representative = or_(Document.acting_role.is_(None), Document.acting_role != REPRESENTATIVE)
        conditions.append(and_(podmiot_sisc() == narrowed.end_sisc, not_representative))
    if narrowed.message_id is not None:
        conditions.append(Response.message_id == narrowed.message_id)
    if narrowed.document_message_id is not None:
        conditions.append(Document.message_id == narrowed.document_message_id)
    if narrowed.received_from is not None:
        conditions.append(Response.received_at >= narrowed.received_from)
    if narrowed.received_before is not None:
        conditions.append(Response.received_at < narrowed.received_before)
    if narrowed.read is not None:
        conditions.append(Response.read_at.is_not(None) if narrowed.read else Response.read_at.is_(None))
    return conditions


def responses_with_documents() -> Select[Any]:
    return select(
        Response.id,
        Response.reference,
        Response.message_id,
        response_system().label("system"),
        Response.message_type,
        Response.received_at,
        Response.read_at,
        Response.headers,
        Response.body,
        *parties_columns(),
    ).join(Document, Document.reference == Response.reference)


def page_statement(query: MailboxQuery) -> Select[Any]:
    """One row more than ``limit``, which tells whether there is a next page."""
    conditions = [readable_condition(query.readers), *narrowed_conditions(query.narrowed)]
    if query.reference is not None:
        conditions.append(Response.reference == query.reference)
    if query.acting_for is not None:
        conditions.append(Document.acting_for == query.acting_for)
    if query.system is not None:
        conditions.append(response_system() == query.system)
    statement = responses_with_documents().where(*conditions).limit(query.limit + 1)
    if query.state is MailboxState.UNREAD:
        return (
            statement.where(Response.read_at.is_(None))
            .order_by(Response.received_at, Response.id)
            .with_for_update(of=Response, skip_locked=True)
        )
    if query.after is not None:
        statement = statement.where(Response.id > query.after)
    # Waiting (not skipping) keeps the page complete; a poller holding a row has marked it read
    # by the time the wait ends, so ``first_read`` is still told right.
    return statement.order_by(Response.id).with_for_update(of=Response)


def readable_flag(readable: ColumnElement[bool]) -> ColumnElement[bool]:
    return case((readable, true()), else_=false())


class Mailbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def take(self, query: MailboxQuery, now: datetime) -> MailboxPage:
        """A page of responses; the unread ones in it are marked read at ``now``.

        ``Forbidden`` when ``query.reference`` names a document the account may not read; a
        reference that names no document gives an empty page.
        """
        async with translate_database_errors(), self._sessions() as session, session.begin():
            if query.reference is not None:
                await self._check_readable(session, query.reference, readable_condition(query.readers))
            rows = (await session.execute(page_statement(query))).all()
            shown = rows[: query.limit]
            marked = await self._mark_read(session, [row.id for row in shown if row.read_at is None], now)
        items = tuple(item_of(row, now, row.id in marked) for row in shown)
        has_next = len(rows) > query.limit
        next_cursor = str(items[-1].id) if has_next and query.state is MailboxState.ALL else None
        return MailboxPage(items, has_next, next_cursor)

    async def get(self, response_id: int, readers: Readers, now: datetime) -> MailboxItem:
        """One response, marked read at ``now`` if it was unread.

        ``NotFound`` when there is no such response, ``Forbidden`` when the account may not read
        the document it answers.
        """
        if not 0 < response_id <= MAX_RESPONSE_ID:
            raise NotFound(f"no response {response_id}")
        statement = (
            responses_with_documents()
            .add_columns(readable_flag(readable_condition(readers)).label("readable"))
            .where(Response.id == response_id)
            .with_for_update(of=Response)
        )
        async with translate_database_errors(), self._sessions() as session, session.begin():
            row = (await session.execute(statement)).one_or_none()
            if row is None:
                raise NotFound(f"no response {response_id}")
            if not row.readable:
                raise not_readable(row.reference)
            marked = await self._mark_read(session, [row.id] if row.read_at is None else [], now)
        return item_of(row, now, row.id in marked)

    async def _check_readable(
        self, session: AsyncSession, reference: str, readable: ColumnElement[bool]
    ) -> None:
        statement = select(readable_flag(readable)).where(Document.reference == reference)
        may_read = await session.scalar(statement)
        if may_read is not None and not may_read:
            raise not_readable(reference)

    async def _mark_read(self, session: AsyncSession, ids: Sequence[int], now: datetime) -> frozenset[int]:
        if not ids:
            return frozenset()
        # The rows are locked by the select (PostgreSQL) or the write lock (SQLite): each of them
        # is still unread here, so this call is the one that marks it.
        await session.execute(
            update(Response)
            .where(Response.id.in_(ids), Response.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return frozenset(ids)


def item_of(row: Row[Any], now: datetime, first_read: bool) -> MailboxItem:
    read_at = now if first_read else row.read_at
    assert read_at is not None
    return MailboxItem(
        id=row.id,
        reference=row.reference,
        message_id=row.message_id,
        system=row.system,
        message_type=row.message_type,
        received_at=row.received_at,
        read_at=read_at,
        first_read=first_read,
        headers=dict(row.headers or {}),
        body=bytes(row.body),
        parties=parties_of(row),
    )


def parties_of(row: Any) -> SiscParties:
    """From a row with ``person_sisc``, ``podmiot_sisc`` and ``acting_role``."""
    representative = row.acting_role == REPRESENTATIVE
    return SiscParties(
        person=row.person_sisc,
        middle=row.podmiot_sisc if representative else None,
        end=None if representative else row.podmiot_sisc,
    )
