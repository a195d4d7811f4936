"""Storing documents: the verdict, the received bytes and the outbox entry in one transaction.

A 2xx is only ever given after ``store`` has committed.  Duplicates are decided by the unique
``dedup_key`` (sender + system + message identifier) inside that transaction, so two concurrent
resends cannot both become new documents.  With a :class:`GroupCommit`, concurrent documents share
one transaction (:mod:`gateway.adapters.storage.document_writes` writes them); without, each has
its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.access import readable_condition
from gateway.adapters.storage.document_writes import (
    DocumentWriter,
    Stored,
    StoreOutcome,
    ToStore,
    by_dedup_key,
    dedup_key,
    outbox_headers,
    receipt_of,
    status_on_receipt,
)
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.group_commit import GroupCommit
from gateway.adapters.storage.tables import Document, Response
from gateway.adapters.storage.transaction import Transaction
from gateway.core.domain import Receipt, Sender, Status, Submission, Verdict
from gateway.core.errors import ErrorDetail
from gateway.core.registry.access import Readers
from gateway.core.timefmt import rfc3339

__all__ = [
    "DocumentQuery",
    "DocumentStore",
    "StoreOutcome",
    "Stored",
    "StoredDocument",
    "dedup_key",
    "outbox_headers",
    "receipt_of",
    "response_summary",
    "status_on_receipt",
]

#: what writes submitted documents: their batches, one transaction each
DocumentBatches = GroupCommit[ToStore, Stored]


@dataclass(frozen=True, slots=True)
class StoredDocument:
    receipt: Receipt
    sender_account_id: int
    #: the Podmiot whose extended representatives may read it (None: the sender only)
    podmiot_id: int | None


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    #: which documents the asking account may read
    readers: Readers
    acting_for: str | None = None
    system: str | None = None
    status: str | None = None
    since: datetime | None = None
    #: keyset cursor: (received_at, reference) of the last item of the previous page
    after: tuple[datetime, str] | None = None
    limit: int = 50


class DocumentStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], batches: DocumentBatches | None = None
    ) -> None:
        """``batches``: the group commit that writes submitted documents (a :class:`DocumentWriter`'s
        ``write``, started); without it each document is written in a transaction of its own."""
        self._sessions = sessions
        self._batches = batches
        self._writer = DocumentWriter(sessions)

    async def store(self, submission: Submission, verdict: Verdict) -> Stored:
        item = ToStore(submission, verdict)
        if self._batches is not None:
            return await self._batches.submit(item)
        [answer] = await self._writer.write([item])
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def find_duplicate(self, sender: Sender, verdict: Verdict) -> Receipt | None:
        """For dry runs: the stored document this one would duplicate or conflict with."""
        if verdict.envelope is None:
            return None
        async with translate_database_errors(), self._sessions() as session:
            return await by_dedup_key(session, dedup_key(sender, verdict.envelope))

    async def get(self, reference: str, *, with_responses: bool = True) -> StoredDocument | None:
        """The stored document; ``with_responses``: with the summaries of the responses it has had."""
        async with translate_database_errors(), self._sessions() as session:
            document = await session.get(Document, reference)
            if document is None:
                return None
            receipt = receipt_of(document)
            if with_responses:
                responses = (
                    await session.scalars(
                        select(Response).where(Response.reference == reference).order_by(Response.id)
                    )
                ).all()
                receipt = replace(receipt, responses=tuple(map(response_summary, responses)))
            return StoredDocument(receipt, document.sender_account_id, document.podmiot_id)

    async def held(self, tx: Transaction, reference: str) -> StoredDocument:
        """A document held for an officer's decision (a registration application), read in the
        deciding service's transaction."""
        document = await tx.session.get(Document, reference)
        assert document is not None, reference  # an application row refers to its document
        return StoredDocument(receipt_of(document), document.sender_account_id, document.podmiot_id)

    async def set_status(
        self,
        tx: Transaction,
        reference: str,
        status: Status,
        errors: Sequence[ErrorDetail] | None = None,
    ) -> None:
        """An officer's decision on a held document, in the deciding service's transaction: its
        new status and, when given, the errors its receipt shows."""
        document = await tx.session.get(Document, reference)
        assert document is not None, reference
        document.status = status
        if errors is not None:
            document.errors = [e.as_dict() for e in errors]

    async def list(self, query: DocumentQuery) -> list[Receipt]:
        conditions: list[Any] = [readable_condition(query.readers)]
        if query.acting_for:
            conditions.append(Document.acting_for == query.acting_for)
        if query.system:
            conditions.append(Document.system == query.system)
        if query.status:
            conditions.append(Document.status == query.status)
        if query.since:
            conditions.append(Document.received_at >= query.since)
        if query.after:
            at, reference = query.after
            conditions.append(
                or_(
                    Document.received_at > at,
                    and_(Document.received_at == at, Document.reference > reference),
                )
            )
        statement = (
            select(Document)
            .where(*conditions)
            .order_by(Document.received_at, Document.reference)
            .limit(query.limit)
        )
        async with translate_database_errors(), self._sessions() as session:
            return [receipt_of(d) for d in (await session.scalars(statement)).all()]


def response_summary(response: Response) -> dict[str, object]:
    return {
        "message_id": response.message_id,
        "system": response.system,
        "message_type": response.message_type,
        "received_at": rfc3339(response.received_at),
        "size": len(response.body),
    }
