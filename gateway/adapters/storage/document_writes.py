"""Writing received documents: each one's rows (the document, its bytes, its outbox entry or its
pending application), several documents to one COMMIT.

:meth:`DocumentWriter.write` stores a batch in one transaction and gives one answer per document.
It first writes the whole batch at once; when the database refuses a row (a resend or a conflict
on the unique ``dedup_key``, a value it cannot hold), it writes the batch again row by row, each
row in a savepoint of its own, so that one row's refusal is that row's answer alone and a duplicate
inside the batch is found as it would be across batches.  A connection lost before the COMMIT is
every row's ``UNAVAILABLE`` (nothing was stored); a COMMIT whose answer was lost is every row's
``OUTCOME_UNKNOWN`` (:func:`gateway.adapters.storage.errors.commit`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import (
    UNREACHABLE,
    commit,
    connection_lost,
    translate_database_errors,
)
from gateway.adapters.storage.group_commit import BeforeCommit
from gateway.adapters.storage.tables import Application as ApplicationRow
from gateway.adapters.storage.tables import Document, OutboxEntry, Payload
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
from gateway.core.registry.applications import application_as_dict
from gateway.core.signature.model import RevocationEvidence
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
class ToStore:
    submission: Submission
    verdict: Verdict


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


def status_on_receipt(verdict: Verdict) -> Status:
    if not verdict.accepted:
        return Status.REJECTED
    return Status.PENDING if verdict.application is not None else Status.ACCEPTED


class _RowByRow(Exception):
    """The database refused a row of a batch written at once: write it row by row."""


class DocumentWriter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        before_commit: BeforeCommit | None = None,
    ) -> None:
        self._sessions = sessions
        #: for tests only (group_commit.hold_for_tests_from): None in production
        self._before_commit = before_commit

    async def write(self, batch: Sequence[ToStore]) -> list[Stored | BaseException]:
        """One answer per document of ``batch``, in its order, once they are committed; raises
        what every one of them gets (``UNAVAILABLE``, ``OUTCOME_UNKNOWN``)."""
        async with translate_database_errors():
            if len(batch) > 1:
                try:
                    return list(await self._at_once(batch))
                except _RowByRow:
                    pass
            return await self._row_by_row(batch)

    async def _at_once(self, batch: Sequence[ToStore]) -> list[Stored]:
        answers: list[Stored] = []
        async with self._sessions() as session:
            try:
                staged = [_add(session, item.submission, item.verdict, _key(item)) for item in batch]
                await session.flush()
                for receipt, followers in staged:
                    session.add_all(followers)
                    outcome = StoreOutcome.NEW if receipt.verdict.accepted else StoreOutcome.REJECTED
                    answers.append(Stored(outcome, receipt))
                await session.flush()
            except Exception as exc:
                if connection_lost(exc):
                    raise Unavailable(UNREACHABLE) from exc
                raise _RowByRow from exc
            await self._commit(session)
        return answers

    async def _row_by_row(self, batch: Sequence[ToStore]) -> list[Stored | BaseException]:
        answers: list[Stored | BaseException] = []
        async with self._sessions() as session:
            for item in batch:
                try:
                    async with translate_database_errors():
                        answers.append(await self._one(session, item))
                except Exception as exc:
                    if connection_lost(exc.__cause__ or exc):
                        raise  # the transaction is gone, and with it every row of the batch
                    answers.append(exc)  # this row's refusal; its savepoint was rolled back
            if any(isinstance(answer, Stored) for answer in answers):
                await self._commit(session)
        return answers

    async def _one(self, session: AsyncSession, item: ToStore) -> Stored:
        submission, verdict = item.submission, item.verdict
        key = _key(item)
        if key is None:
            return Stored(StoreOutcome.REJECTED, await _insert(session, submission, verdict, None))
        refusal: IntegrityError | None = None
        for _ in range(3):
            try:
                return Stored(StoreOutcome.NEW, await _insert(session, submission, verdict, key))
            except IntegrityError as exc:
                refusal = exc
                existing = await by_dedup_key(session, key)
                if existing is None:
                    continue  # the other insert rolled back; this one may now go in
                if resend_of(verdict, existing) is Resend.DUPLICATE:
                    return Stored(StoreOutcome.DUPLICATE, existing)
                conflict = in_conflict(verdict, existing.reference)
                return Stored(StoreOutcome.CONFLICT, await _insert(session, submission, conflict, None))
        # the database refused this row for another reason than its key: this row's failure alone
        raise Unavailable("could not store the document; try again") from refusal

    async def _commit(self, session: AsyncSession) -> None:
        if self._before_commit is not None:
            await session.flush()
            await self._before_commit()
        await commit(session)  # OUTCOME_UNKNOWN when the COMMIT's answer was lost


def _key(item: ToStore) -> str | None:
    """The accepted document's dedup key; None for a refusal, which is stored as it is."""
    if not item.verdict.accepted:
        return None
    assert item.verdict.envelope is not None
    return dedup_key(item.submission.sender, item.verdict.envelope)


async def _insert(
    session: AsyncSession, submission: Submission, verdict: Verdict, key: str | None
) -> Receipt:
    """One document's rows, in a savepoint of the batch's transaction."""
    async with session.begin_nested():
        receipt, followers = _add(session, submission, verdict, key)
        await session.flush()  # the document row first: the others refer to it
        session.add_all(followers)
        await session.flush()
    return receipt


def _add(
    session: AsyncSession, submission: Submission, verdict: Verdict, key: str | None
) -> tuple[Receipt, list[Any]]:
    """Adds the document and its bytes to ``session``; returns its receipt and the rows to add once
    the document is flushed (its outbox entry or its pending application)."""
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
    session.add(document)
    session.add(Payload(reference=reference, body=submission.body))
    followers: list[Any] = []
    if status is Status.PENDING:
        assert verdict.application is not None
        followers.append(
            ApplicationRow(
                reference=reference,
                kind=str(verdict.application.kind),
                status="pending",
                content=application_as_dict(verdict.application),
                submitted_at=submission.received_at,
            )
        )
    if verdict.accepted and verdict.route is not None:
        followers.append(
            OutboxEntry(
                reference=reference,
                exchange=verdict.route.exchange,
                routing_key=verdict.route.routing_key,
                headers=outbox_headers(reference, verdict),
                created_at=submission.received_at,
                attempts=0,
            )
        )
    return Receipt(reference, status, submission.received_at, verdict, rights=document.rights), followers


async def by_dedup_key(session: AsyncSession, key: str) -> Receipt | None:
    document = await session.scalar(select(Document).where(Document.dedup_key == key))
    return receipt_of(document) if document is not None else None


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
