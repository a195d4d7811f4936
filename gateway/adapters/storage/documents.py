"""Storing documents: the verdict, the received bytes and the outbox entry in one transaction.

A 2xx is only ever given after ``store`` has committed.  Duplicates are decided by the unique
``dedup_key`` (sender + system + message identifier) inside that transaction, so two concurrent
resends cannot both become new documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.access import readable_condition
from gateway.adapters.storage.errors import commit, translate_database_errors
from gateway.adapters.storage.tables import Application as ApplicationRow
from gateway.adapters.storage.tables import Document, OutboxEntry, Payload, Response
from gateway.adapters.storage.transaction import Transaction
from gateway.core.domain import (
    Envelope,
    Identification,
    Receipt,
    Route,
    Sender,
    Signer,
    Status,
    Submission,
    Verdict,
)
from gateway.core.errors import ErrorDetail, Unavailable
from gateway.core.registry.access import Readers
from gateway.core.registry.applications import application_as_dict
from gateway.core.signature.model import RevocationEvidence
from gateway.core.timefmt import rfc3339
from gateway.core.verdicts import Resend, in_conflict, resend_of


class StoreOutcome(Enum):
    NEW = "new"  # accepted and queued for routing: 202
    DUPLICATE = "duplicate"  # the same document again: 200 with the original receipt
    CONFLICT = "conflict"  # same message identifier, other content: stored rejected, 409
    REJECTED = "rejected"  # stored rejected: the refusal's status


@dataclass(frozen=True, slots=True)
class Stored:
    outcome: StoreOutcome
    receipt: Receipt


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


def dedup_key(sender: Sender, envelope: Envelope) -> str:
    return f"{sender.account_id}|{envelope.system}|{envelope.message_id}"


def outbox_headers(reference: str, verdict: Verdict) -> dict[str, str]:
    """The AMQP headers of SPEC.md section 3 (absent values are left out, not sent empty)."""
    envelope = verdict.envelope
    assert envelope is not None
    signer = verdict.signer
    headers = {
        "x-reference": reference,
        "x-system": envelope.system,
        "x-message-type": envelope.message_type,
        "x-message-id": envelope.message_id,
        "x-lrn": envelope.lrn,
        "x-arc": envelope.arc,
        "x-acting-for": envelope.acting_for,
        "x-signer-kind": signer.kind if signer else None,
        "x-signer": signer.person if signer else None,
        "x-digest": verdict.digest,
    }
    return {k: v for k, v in headers.items() if v is not None}


class DocumentStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def store(self, submission: Submission, verdict: Verdict) -> Stored:
        async with translate_database_errors():
            if not verdict.accepted:
                return Stored(StoreOutcome.REJECTED, await self._insert(submission, verdict, None))
            assert verdict.envelope is not None
            key = dedup_key(submission.sender, verdict.envelope)
            for _ in range(3):
                try:
                    return Stored(StoreOutcome.NEW, await self._insert(submission, verdict, key))
                except IntegrityError:
                    existing = await self._by_dedup_key(key)
                    if existing is None:
                        continue  # the other insert rolled back; this one may now go in
                    if resend_of(verdict, existing) is Resend.DUPLICATE:
                        return Stored(StoreOutcome.DUPLICATE, existing)
                    conflict = in_conflict(verdict, existing.reference)
                    return Stored(StoreOutcome.CONFLICT, await self._insert(submission, conflict, None))
            raise Unavailable("could not store the document; try again")

    async def find_duplicate(self, sender: Sender, verdict: Verdict) -> Receipt | None:
        """For dry runs: the stored document this one would duplicate or conflict with."""
        if verdict.envelope is None:
            return None
        async with translate_database_errors():
            return await self._by_dedup_key(dedup_key(sender, verdict.envelope))

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

    async def _insert(self, submission: Submission, verdict: Verdict, key: str | None) -> Receipt:
        reference = str(uuid.uuid4())
        status = status_on_receipt(verdict)
        envelope, ident = verdict.envelope, verdict.identification
        rights = verdict.rights
        document = Document(
            reference=reference,
            sender_account_id=submission.sender.account_id,
            received_at=submission.received_at,
            status=str(status),
            system=ident.system,
            message_type=ident.message_type,
            schema_version=ident.schema_version,
            message_id=envelope.message_id if envelope else None,
            lrn=envelope.lrn if envelope else None,
            arc=envelope.arc if envelope else None,
            acting_for=envelope.acting_for if envelope else None,
            acting_role=envelope.acting_role if envelope else None,
            digest=verdict.digest,
            size=len(submission.body),
            signer=verdict.signer.as_dict() if verdict.signer else None,
            revocation=verdict.revocation.as_dict() if verdict.revocation else None,
            representation=str(rights.representation.id) if rights and rights.representation else None,
            rights=rights.as_dict() if rights else None,
            podmiot_id=rights.podmiot_id if rights and rights.shared_with_podmiot else None,
            warnings=list(verdict.warnings),
            errors=[e.as_dict() for e in verdict.errors],
            route_exchange=verdict.route.exchange if verdict.route else None,
            route_key=verdict.route.routing_key if verdict.route else None,
            dedup_key=key,
        )
        async with self._sessions() as session:
            session.add(document)
            session.add(Payload(reference=reference, body=submission.body))
            if status is Status.PENDING:
                assert verdict.application is not None
                await session.flush()
                session.add(
                    ApplicationRow(
                        reference=reference,
                        kind=str(verdict.application.kind),
                        status="pending",
                        content=application_as_dict(verdict.application),
                        submitted_at=submission.received_at,
                    )
                )
            if verdict.accepted and verdict.route is not None:
                await session.flush()  # the document row first: the outbox refers to it
                session.add(
                    OutboxEntry(
                        reference=reference,
                        exchange=verdict.route.exchange,
                        routing_key=verdict.route.routing_key,
                        headers=outbox_headers(reference, verdict),
                        created_at=submission.received_at,
                        attempts=0,
                    )
                )
            await commit(session)  # OUTCOME_UNKNOWN when the COMMIT's answer was lost
        return Receipt(reference, status, submission.received_at, verdict, rights=document.rights)

    async def _by_dedup_key(self, key: str) -> Receipt | None:
        async with self._sessions() as session:
            document = await session.scalar(select(Document).where(Document.dedup_key == key))
            return receipt_of(document) if document is not None else None


def status_on_receipt(verdict: Verdict) -> Status:
    if not verdict.accepted:
        return Status.REJECTED
    return Status.PENDING if verdict.application is not None else Status.ACCEPTED


def receipt_of(document: Document) -> Receipt:
    envelope = None
    if document.message_id is not None and document.system and document.message_type:
        envelope = Envelope(
            system=document.system,
            message_type=document.message_type,
            schema_version=document.schema_version or "",
            message_id=document.message_id,
            lrn=document.lrn,
            arc=document.arc,
            acting_for=document.acting_for,
            acting_role=document.acting_role,
        )
    errors: Sequence[dict[str, Any]] = document.errors or []
    verdict = Verdict(
        digest=document.digest,
        identification=Identification(document.system, document.message_type, document.schema_version),
        envelope=envelope,
        signer=Signer(**document.signer) if document.signer else None,
        revocation=RevocationEvidence.from_dict(document.revocation) if document.revocation else None,
        route=Route(document.route_exchange, document.route_key)
        if document.route_exchange and document.route_key
        else None,
        warnings=tuple(document.warnings or ()),
        errors=tuple(ErrorDetail(**e) for e in errors),
        refusal=errors[0]["code"] if errors and document.status == Status.REJECTED else None,
    )
    return Receipt(
        reference=document.reference,
        status=Status(document.status),
        received_at=document.received_at,
        verdict=verdict,
        rights=document.rights,
    )


def response_summary(response: Response) -> dict[str, object]:
    return {
        "message_id": response.message_id,
        "system": response.system,
        "message_type": response.message_type,
        "received_at": rfc3339(response.received_at),
        "size": len(response.body),
    }
