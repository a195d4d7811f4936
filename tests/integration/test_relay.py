"""The outbox relay's contract, the same over the in-memory publisher and the real RabbitMQ,
on both databases."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import pytest
from sqlalchemy import select

from gateway.adapters.broker.broker import Broker, BrokerUnavailable, Publisher
from gateway.adapters.broker.memory import MemoryPublisher
from gateway.adapters.broker.relay import OutboxRelay
from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.documents import DocumentStore, StoreOutcome
from gateway.adapters.storage.outbox import OutboxStore, outbox_backlog
from gateway.adapters.storage.tables import Document, OutboxEntry
from gateway.bootstrap import registry_administration
from gateway.config import AmqpSettings, DatabaseSettings, RelaySettings
from gateway.core.domain import Envelope, Identification, Route, Sender, Submission, Verdict
from gateway.core.errors import NotFound
from gateway.services.outbox import OutboxService
from tests.support.amqp import drain_queue

QUEUE = "EMCSPL2.inbound"


@dataclass
class Backend:
    publisher: Publisher
    delivered: Callable[[int], Awaitable[list[tuple[str, bytes]]]]
    broken: Publisher


@pytest.fixture(params=["memory", "rabbitmq"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        memory = MemoryPublisher()

        async def from_memory(expect: int) -> list[tuple[str, bytes]]:
            found = [(p.message_id, p.body) for p in memory.published]
            memory.published.clear()
            return found

        yield Backend(memory, from_memory, MemoryPublisher(reachable=False))
        return
    amqp_url = request.getfixturevalue("amqp_url")
    broker = Broker(AmqpSettings(url=amqp_url))
    await broker.ensure_connected()
    await drain_queue(amqp_url, QUEUE, settle=0.1)

    async def from_rabbitmq(expect: int) -> list[tuple[str, bytes]]:
        messages = await drain_queue(amqp_url, QUEUE, expect=expect, settle=0.3)
        return [(str(m.message_id), m.body) for m in messages]

    unreachable = Broker(AmqpSettings(url="amqp://guest:guest@127.0.0.1:1/", confirm_timeout_seconds=1))
    yield Backend(broker, from_rabbitmq, unreachable)
    await broker.close()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[tuple[DocumentStore, Sender, object]]:
    engine = create_engine(DatabaseSettings(url=database_url))
    sessions = session_factory(engine)
    accounts = registry_administration(sessions).accounts
    login = f"relay-{uuid.uuid4().hex[:8]}@example.test"
    account = await accounts.add(login)
    yield DocumentStore(sessions), Sender(account.id, login), sessions
    await engine.dispose()


def accepted(message_id: str, route: Route | None = None) -> Verdict:
    envelope = Envelope("EMCSPL2", "IE815", "1.0", message_id, "LRN1", None, "PL00000000001", "consignor")
    return Verdict(
        digest=f"sha256:{uuid.uuid4().hex}",
        identification=Identification("EMCSPL2", "IE815", "1.0"),
        envelope=envelope,
        route=route or Route.inbound("EMCSPL2", "IE815"),
    )


async def put(
    store: DocumentStore, sender: Sender, count: int, route: Route | None = None
) -> list[tuple[str, bytes]]:
    stored = []
    for _ in range(count):
        body = f"<x id='{uuid.uuid4()}'/>".encode()
        result = await store.store(
            Submission(body, sender, datetime.now(UTC)), accepted(f"M{uuid.uuid4().hex[:12]}", route)
        )
        assert result.outcome is StoreOutcome.NEW
        stored.append((result.receipt.reference, body))
    return stored


async def drain_all(relay: OutboxRelay) -> int:
    total = 0
    while (count := await relay.drain_once()) > 0:
        total += count
    return total


async def test_relay_publishes_pending_rows_in_order_and_marks_them_routed(backend: Backend, store) -> None:
    documents, sender, sessions = store
    await drain_all(OutboxRelay(sessions, backend.publisher, RelaySettings(batch_size=3), 0.1))
    await backend.delivered(0)
    stored = await put(documents, sender, 7)
    relay = OutboxRelay(sessions, backend.publisher, RelaySettings(batch_size=3), 0.1)
    assert await drain_all(relay) == 7
    assert await backend.delivered(7) == stored  # same order, bodies unchanged
    assert await relay.drain_once() == 0
    async with sessions() as session:
        statuses = (
            await session.scalars(
                select(Document.status).where(Document.reference.in_([r for r, _ in stored]))
            )
        ).all()
    assert set(statuses) == {"routed"}
    assert (await outbox_backlog(sessions)).pending == 0


async def test_relay_leaves_rows_pending_while_the_broker_is_away(backend: Backend, store) -> None:
    documents, sender, sessions = store
    await drain_all(OutboxRelay(sessions, backend.publisher, RelaySettings(), 0.1))
    await backend.delivered(0)
    stored = await put(documents, sender, 2)
    away = OutboxRelay(sessions, backend.broken, RelaySettings(), 0.1)
    with pytest.raises(BrokerUnavailable):
        await away.drain_once()
    assert (await outbox_backlog(sessions)).pending == 2
    back = OutboxRelay(sessions, backend.publisher, RelaySettings(), 0.1)
    assert await drain_all(back) == 2
    assert await backend.delivered(2) == stored


async def test_refused_message_stays_in_the_outbox_with_its_error(store) -> None:
    documents, sender, sessions = store
    publisher = MemoryPublisher()
    await drain_all(OutboxRelay(sessions, publisher, RelaySettings(), 0.1))
    [(refused, _), (fine, _)] = await put(documents, sender, 2)
    publisher.refuse.add(refused)
    relay = OutboxRelay(sessions, publisher, RelaySettings(), 0.1)
    assert await relay.drain_once() == 1
    assert [p.message_id for p in publisher.published] == [fine]
    async with sessions() as session:
        entry = await session.scalar(select(OutboxEntry).where(OutboxEntry.reference == refused))
    assert entry is not None and entry.published_at is None
    assert entry.attempts == 1 and "unroutable" in (entry.last_error or "")


async def test_two_relays_on_one_database_never_publish_a_row_twice(store) -> None:
    documents, sender, sessions = store
    publisher = MemoryPublisher()
    await drain_all(OutboxRelay(sessions, publisher, RelaySettings(), 0.1))
    publisher.published.clear()
    stored = await put(documents, sender, 120)

    async def slow_publish(**kwargs: object) -> None:
        await asyncio.sleep(0.001)  # let the other relay run while rows are claimed
        await MemoryPublisher.publish(publisher, **kwargs)  # type: ignore[arg-type]

    publisher.publish = slow_publish  # type: ignore[method-assign]
    relays = [OutboxRelay(sessions, publisher, RelaySettings(batch_size=10), 0.1) for _ in range(3)]
    await asyncio.gather(*(drain_all(relay) for relay in relays))
    # the database is the session's: a row another test left due meanwhile may be drained too, so
    # the rule is checked on the rows this test stored: each published, none twice
    ours = {reference for reference, _ in stored}
    ids = [p.message_id for p in publisher.published if p.message_id in ours]
    assert sorted(ids) == sorted(ours)


# --- what a relay holds in memory is bounded in bytes -----------------------------------------------


async def put_sized(store: DocumentStore, sender: Sender, sizes: list[int]) -> list[str]:
    references = []
    for size in sizes:
        body = b"<x>" + b"a" * (size - 7) + b"</x>"
        result = await store.store(
            Submission(body, sender, datetime.now(UTC)), accepted(f"M{uuid.uuid4().hex[:12]}")
        )
        references.append(result.receipt.reference)
    return references


async def test_a_claim_takes_as_many_rows_as_fit_in_its_bytes(store) -> None:
    documents, sender, sessions = store
    await drain_all(OutboxRelay(sessions, MemoryPublisher(), RelaySettings(), 0.1))
    references = await put_sized(documents, sender, [1000, 1000, 3000])
    outbox, now, lease = OutboxStore(sessions), datetime.now(UTC), timedelta(seconds=30)

    two = await outbox.claim("a", 10, now, lease, max_bytes=2500)
    assert [row.reference for row in two.rows] == references[:2]
    assert two.left == 3000  # the next due row, left out for lack of room
    assert all(len(row.body) == 1000 for row in two.rows)
    # a row larger than the room: left, unless the claim must take one
    assert (await outbox.claim("b", 10, now, lease, max_bytes=100, at_least_one=False)).rows == []
    alone = await outbox.claim("b", 10, now, lease, max_bytes=100)
    assert [row.reference for row in alone.rows] == references[2:] and alone.left is None
    await outbox.release("a")
    await outbox.release("b")
    assert await drain_all(OutboxRelay(sessions, MemoryPublisher(), RelaySettings(), 0.1)) == 3


@pytest.fixture
async def own_store(empty_database_url: str) -> AsyncIterator[tuple[DocumentStore, Sender, object]]:
    """A database of the test's own: a running relay there meets no other test's rows."""
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    sessions = session_factory(engine)
    account = await registry_administration(sessions).accounts.add("budget@example.test")
    yield DocumentStore(sessions), Sender(account.id, "budget@example.test"), sessions
    await engine.dispose()


async def test_a_running_relay_never_holds_more_bytes_than_its_budget(own_store) -> None:
    documents, sender, sessions = own_store
    publisher = MemoryPublisher()
    references = await put_sized(documents, sender, [4000] * 12 + [9000] + [4000] * 3)
    holding, most = 0, 0

    async def slow_publish(**kwargs: Any) -> None:
        nonlocal holding, most
        holding += len(kwargs["body"])
        most = max(most, holding)
        await asyncio.sleep(0.01)  # confirms take a while: rows pile up in flight
        await MemoryPublisher.publish(publisher, **kwargs)
        holding -= len(kwargs["body"])

    publisher.publish = slow_publish  # type: ignore[method-assign]
    settings = RelaySettings(max_bytes_in_flight=10_000, poll_seconds=0.05)
    relay = OutboxRelay(sessions, publisher, settings, 0.1)
    running = asyncio.create_task(relay.run())
    try:
        await wait_until(lambda: _routed_all(sessions, references), timeout=20)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert sorted(p.message_id for p in publisher.published) == sorted(references)
    # the 9000-byte row goes alone: within the budget whatever the rows' sizes
    assert 8000 <= most <= 10_000


async def _routed_all(sessions: Any, references: list[str]) -> bool:
    """Every one published and marked so (its document routed)."""
    async with sessions() as session:
        statuses = (
            await session.scalars(select(Document.status).where(Document.reference.in_(references)))
        ).all()
    return len(statuses) == len(references) and set(statuses) == {"routed"}


# --- one row cannot jam the others (issue 16.4) ------------------------------------------------------


async def outbox_entry(sessions: Any, reference: str) -> OutboxEntry:
    async with sessions() as session:
        entry = await session.scalar(select(OutboxEntry).where(OutboxEntry.reference == reference))
    assert entry is not None
    return entry


async def document_status(sessions: Any, reference: str) -> str:
    async with sessions() as session:
        status = await session.scalar(select(Document.status).where(Document.reference == reference))
    return str(status)


async def test_a_refused_row_backs_off_instead_of_being_retried_every_pass(store) -> None:
    documents, sender, sessions = store
    publisher = MemoryPublisher()
    await drain_all(OutboxRelay(sessions, publisher, RelaySettings(), 0.1))
    [(refused, _)] = await put(documents, sender, 1)
    publisher.refuse.add(refused)
    relay = OutboxRelay(sessions, publisher, RelaySettings(retry_initial_seconds=30), 0.1)
    for _ in range(5):
        await relay.drain_once()
    entry = await outbox_entry(sessions, refused)
    assert entry.attempts == 1  # tried once, then left alone until its time comes
    assert entry.next_attempt_at is not None
    assert entry.next_attempt_at > datetime.now(UTC) + timedelta(seconds=25)
    assert entry.claimed_by is None
    assert await document_status(sessions, refused) == "accepted"


async def test_past_the_cap_a_row_is_dead_lettered_listed_and_requeued(store) -> None:
    documents, sender, sessions = store
    publisher = MemoryPublisher()
    await drain_all(OutboxRelay(sessions, publisher, RelaySettings(), 0.1))
    [(refused, _)] = await put(documents, sender, 1)
    publisher.refuse.add(refused)
    dead_lettered: list[int] = []
    settings = RelaySettings(max_attempts=3, retry_initial_seconds=0.01, retry_max_seconds=0.02)
    relay = OutboxRelay(sessions, publisher, settings, 0.1, on_dead_lettered=dead_lettered.append)
    for _ in range(3):
        await relay.drain_once()
        await asyncio.sleep(0.05)
    entry = await outbox_entry(sessions, refused)
    assert entry.attempts == 3 and entry.dead_at is not None and entry.published_at is None
    assert await document_status(sessions, refused) == "undeliverable"
    assert dead_lettered == [1]
    assert await relay.drain_once() == 0  # a dead letter is not tried again
    backlog = await outbox_backlog(sessions)
    assert backlog.dead >= 1

    outbox = OutboxService(OutboxStore(sessions))
    assert refused in [letter.reference for letter in await outbox.dead_letters(1000)]
    with pytest.raises(NotFound):
        await outbox.requeue([str(uuid.uuid4())])
    requeued = await outbox.requeue([refused])
    assert requeued.references == (refused,)
    assert await document_status(sessions, refused) == "accepted"
    entry = await outbox_entry(sessions, refused)
    assert (entry.attempts, entry.dead_at, entry.next_attempt_at) == (0, None, None)
    publisher.refuse.clear()  # the cause mended: it goes through
    assert await drain_all(relay) == 1
    assert [p.message_id for p in publisher.published] == [refused]
    assert await document_status(sessions, refused) == "routed"


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
async def rabbitmq(amqp_url: str) -> AsyncIterator[Broker]:
    broker = Broker(AmqpSettings(url=amqp_url, confirm_timeout_seconds=5))
    await broker.ensure_connected()
    yield broker
    await broker.close()


async def test_a_poison_row_at_the_head_of_a_full_backlog_jams_nothing(
    store, rabbitmq: Broker, amqp_url: str
) -> None:
    documents, sender, sessions = store
    await drain_all(OutboxRelay(sessions, rabbitmq, RelaySettings(), 0.1))
    await drain_queue(amqp_url, QUEUE, settle=0.1)
    # first in the queue: a message for an exchange that does not exist, which would make the
    # broker close the publishing channel; behind it a full backlog
    [(poison, _)] = await put(documents, sender, 1, Route("gw.test.no-such-exchange", "EMCSPL2.IE815"))
    good = await put(documents, sender, 150)
    dead_lettered: list[int] = []
    settings = RelaySettings(
        batch_size=40, max_in_flight=80, poll_seconds=0.1, max_attempts=3, retry_initial_seconds=0.1
    )
    relay = OutboxRelay(sessions, rabbitmq, settings, 0.1, on_dead_lettered=dead_lettered.append)
    running = asyncio.create_task(relay.run())
    try:
        delivered = await drain_queue(amqp_url, QUEUE, expect=len(good), timeout=20, settle=0.3)
        ours = {r for r, _ in good}  # (rows earlier tests left to back off may come due meanwhile)
        assert sorted(str(m.message_id) for m in delivered if m.message_id in ours) == sorted(ours)

        async def dead() -> bool:
            return (await outbox_entry(sessions, poison)).dead_at is not None

        await wait_until(dead)
        assert rabbitmq.connected  # the broker was never taken for down
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    entry = await outbox_entry(sessions, poison)
    assert entry.attempts == 3 and "gw.test.no-such-exchange" in (entry.last_error or "")
    assert await document_status(sessions, poison) == "undeliverable"
    assert dead_lettered == [1]
    assert {await document_status(sessions, r) for r, _ in good} == {"routed"}


async def test_a_channel_closed_by_one_row_is_reopened_and_the_others_go_through(
    store, rabbitmq: Broker, amqp_url: str
) -> None:
    """An exchange that existed when first used and is deleted later: the broker closes the channel
    in the middle of a pipeline; the rows for it are refused, the others published again."""
    documents, sender, sessions = store
    await drain_all(OutboxRelay(sessions, rabbitmq, RelaySettings(), 0.1))
    await drain_queue(amqp_url, QUEUE, settle=0.1)
    doomed = f"gw.test.doomed-{uuid.uuid4().hex[:6]}"
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        await channel.declare_exchange(doomed, aio_pika.ExchangeType.TOPIC)
        relay = OutboxRelay(sessions, rabbitmq, RelaySettings(retry_initial_seconds=0.05), 0.1)
        await put(documents, sender, 1, Route(doomed, "EMCSPL2.IE815"))
        assert await relay.drain_once() == 0  # unroutable (nothing bound), but known to exist now
        await channel.exchange_delete(doomed)
    finally:
        await connection.close()
    doomed_refs: list[str] = []
    good: list[tuple[str, bytes]] = []
    for _ in range(10):
        doomed_refs += [reference for reference, _ in await put(documents, sender, 1, Route(doomed, "A.B"))]
        good += await put(documents, sender, 5)
    for _ in range(6):
        with contextlib.suppress(BrokerUnavailable):
            await relay.drain_once()
        await asyncio.sleep(0.1)
    delivered = await drain_queue(amqp_url, QUEUE, expect=len(good), timeout=10, settle=0.3)
    # every one (those the broker had routed before it closed the channel may come twice)
    assert {r for r, _ in good} <= {str(m.message_id) for m in delivered}
    for reference in doomed_refs:
        entry = await outbox_entry(sessions, reference)
        assert entry.published_at is None and entry.attempts >= 1
        assert doomed in (entry.last_error or "")
    assert rabbitmq.connected
