"""Group commit on both databases: concurrent documents in one transaction, each with the answer it
would have had alone (new, a resend of a document of the same batch or of an earlier one, a
conflict), and one row's failure that row's alone."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.document_writes import DocumentWriter, Stored, StoreOutcome, ToStore
from gateway.adapters.storage.documents import DocumentBatches, DocumentStore
from gateway.adapters.storage.group_commit import GroupCommit
from gateway.adapters.storage.tables import Document, OutboxEntry
from gateway.bootstrap import registry_administration
from gateway.config import DatabaseSettings
from gateway.core.domain import Envelope, Identification, Route, Sender, Status, Submission, Verdict


@dataclass
class Setup:
    sessions: async_sessionmaker[AsyncSession]
    writer: DocumentWriter
    sender: Sender


@pytest.fixture
async def setup(database_url: str) -> AsyncIterator[Setup]:
    engine = create_engine(DatabaseSettings(url=database_url))
    sessions = session_factory(engine)
    login = f"batch-{uuid.uuid4().hex[:8]}@example.test"
    account = await registry_administration(sessions).accounts.add(login)
    yield Setup(sessions, DocumentWriter(sessions), Sender(account.id, login))
    await engine.dispose()


def accepted(message_id: str, digest: str | None = None) -> Verdict:
    envelope = Envelope("EMCSPL2", "IE815", "1.0", message_id, "LRN1", None, "PL00000000001", "consignor")
    return Verdict(
        digest=digest or f"sha256:{uuid.uuid4().hex}",
        identification=Identification("EMCSPL2", "IE815", "1.0"),
        envelope=envelope,
        route=Route.inbound("EMCSPL2", "IE815"),
    )


def item(sender: Sender, verdict: Verdict) -> ToStore:
    return ToStore(Submission(f"<x id='{uuid.uuid4()}'/>".encode(), sender, datetime.now(UTC)), verdict)


def new_id() -> str:
    return f"M{uuid.uuid4().hex[:12]}"


async def rows_with(sessions: async_sessionmaker[AsyncSession], message_id: str) -> list[Document]:
    async with sessions() as session:
        return list((await session.scalars(select(Document).where(Document.message_id == message_id))).all())


async def outbox_rows(sessions: async_sessionmaker[AsyncSession], references: list[str]) -> int:
    async with sessions() as session:
        statement = select(func.count()).select_from(OutboxEntry).where(OutboxEntry.reference.in_(references))
        return int(await session.scalar(statement) or 0)


def stored(answer: Stored | BaseException) -> Stored:
    assert isinstance(answer, Stored), answer
    return answer


async def test_a_batch_of_new_documents_is_stored_with_its_outbox_rows(setup: Setup) -> None:
    ids = [new_id() for _ in range(5)]
    answers = [stored(a) for a in await setup.writer.write([item(setup.sender, accepted(i)) for i in ids])]
    assert [a.outcome for a in answers] == [StoreOutcome.NEW] * 5
    references = [a.receipt.reference for a in answers]
    for message_id, reference in zip(ids, references, strict=True):
        assert [d.reference for d in await rows_with(setup.sessions, message_id)] == [reference]
    assert await outbox_rows(setup.sessions, references) == 5


async def test_two_identical_documents_in_one_batch_are_stored_once_and_the_second_is_a_resend(
    setup: Setup,
) -> None:
    message_id, digest = new_id(), f"sha256:{uuid.uuid4().hex}"
    first, second, other = (
        stored(a)
        for a in await setup.writer.write(
            [
                item(setup.sender, accepted(message_id, digest)),
                item(setup.sender, accepted(message_id, digest)),
                item(setup.sender, accepted(new_id())),
            ]
        )
    )
    assert (first.outcome, second.outcome, other.outcome) == (
        StoreOutcome.NEW,
        StoreOutcome.DUPLICATE,
        StoreOutcome.NEW,
    )
    assert second.receipt.reference == first.receipt.reference
    assert [d.reference for d in await rows_with(setup.sessions, message_id)] == [first.receipt.reference]
    assert await outbox_rows(setup.sessions, [first.receipt.reference, other.receipt.reference]) == 2


async def test_a_conflict_in_one_batch_is_stored_rejected_naming_the_original(setup: Setup) -> None:
    message_id = new_id()
    first, second = (
        stored(a)
        for a in await setup.writer.write(
            [item(setup.sender, accepted(message_id)), item(setup.sender, accepted(message_id))]
        )
    )
    assert (first.outcome, second.outcome) == (StoreOutcome.NEW, StoreOutcome.CONFLICT)
    assert second.receipt.status is Status.REJECTED
    assert second.receipt.verdict.refusal == "DUPLICATE_CONFLICT"
    assert first.receipt.reference in second.receipt.verdict.errors[0].message
    rows = {d.reference: d.status for d in await rows_with(setup.sessions, message_id)}
    assert rows == {first.receipt.reference: "accepted", second.receipt.reference: "rejected"}
    assert await outbox_rows(setup.sessions, [second.receipt.reference]) == 0


async def test_a_resend_of_an_earlier_batch_is_answered_with_the_original(setup: Setup) -> None:
    message_id, digest = new_id(), f"sha256:{uuid.uuid4().hex}"
    [original] = await setup.writer.write([item(setup.sender, accepted(message_id, digest))])
    resend, fresh = (
        stored(a)
        for a in await setup.writer.write(
            [item(setup.sender, accepted(message_id, digest)), item(setup.sender, accepted(new_id()))]
        )
    )
    assert (resend.outcome, fresh.outcome) == (StoreOutcome.DUPLICATE, StoreOutcome.NEW)
    assert resend.receipt.reference == stored(original).receipt.reference


async def test_one_row_the_database_refuses_fails_alone(setup: Setup) -> None:
    nobody = Sender(account_id=2_000_000_000, login="nobody@example.test")  # no such account
    good_ids = [new_id(), new_id()]
    refused = replace(accepted(new_id()), errors=(), refusal="XSD_INVALID")  # stored without a key
    answers = await setup.writer.write(
        [
            item(setup.sender, accepted(good_ids[0])),
            item(nobody, refused),
            item(nobody, accepted(new_id())),
            item(setup.sender, accepted(good_ids[1])),
        ]
    )
    assert isinstance(answers[1], Exception) and isinstance(answers[2], Exception), answers
    first, last = stored(answers[0]), stored(answers[3])
    assert (first.outcome, last.outcome) == (StoreOutcome.NEW, StoreOutcome.NEW)
    for message_id in good_ids:
        assert len(await rows_with(setup.sessions, message_id)) == 1


async def test_concurrent_submissions_share_transactions_and_each_waits_for_its_commit(
    setup: Setup,
) -> None:
    batches: DocumentBatches = GroupCommit(setup.writer.write, max_rows=8, max_wait_seconds=0.05)
    batches.start()
    store = DocumentStore(setup.sessions, batches)
    message_id, digest = new_id(), f"sha256:{uuid.uuid4().hex}"
    try:
        answers = await asyncio.gather(
            *(
                store.store(Submission(b"<x/>", setup.sender, datetime.now(UTC)), accepted(new_id()))
                for _ in range(20)
            ),
            *(
                store.store(
                    Submission(b"<y/>", setup.sender, datetime.now(UTC)), accepted(message_id, digest)
                )
                for _ in range(2)
            ),
        )
    finally:
        await batches.stop()
    assert [a.outcome for a in answers[:20]] == [StoreOutcome.NEW] * 20
    assert sorted(a.outcome.value for a in answers[20:]) == ["duplicate", "new"]
    assert answers[20].receipt.reference == answers[21].receipt.reference
    assert 3 <= batches.batches < 22  # gathered, at most eight to a transaction
    for answer in answers[:20]:
        async with setup.sessions() as session:
            assert await session.get(Document, answer.receipt.reference) is not None
