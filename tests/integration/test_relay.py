"""The outbox relay's contract, the same over the in-memory publisher and the real RabbitMQ,
on both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from gateway.adapters.broker.broker import Broker, BrokerUnavailable, Publisher
from gateway.adapters.broker.memory import MemoryPublisher
from gateway.adapters.broker.relay import OutboxRelay
from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.documents import DocumentStore, StoreOutcome
from gateway.adapters.storage.outbox import outbox_backlog
from gateway.adapters.storage.tables import Document, OutboxEntry
from gateway.bootstrap import registry_administration
from gateway.config import AmqpSettings, DatabaseSettings, RelaySettings
from gateway.core.domain import Envelope, Identification, Route, Sender, Submission, Verdict
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


def accepted(message_id: str) -> Verdict:
    envelope = Envelope("EMCSPL2", "IE815", "1.0", message_id, "LRN1", None, "PL00000000001", "consignor")
    return Verdict(
        digest=f"sha256:{uuid.uuid4().hex}",
        identification=Identification("EMCSPL2", "IE815", "1.0"),
        envelope=envelope,
        route=Route.inbound("EMCSPL2", "IE815"),
    )


async def put(store: DocumentStore, sender: Sender, count: int) -> list[tuple[str, bytes]]:
    stored = []
    for _ in range(count):
        body = f"<x id='{uuid.uuid4()}'/>".encode()
        result = await store.store(
            Submission(body, sender, datetime.now(UTC)), accepted(f"M{uuid.uuid4().hex[:12]}")
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
    counts = await asyncio.gather(*(drain_all(relay) for relay in relays))
    assert sum(counts) == 120
    ids = [p.message_id for p in publisher.published]
    assert sorted(ids) == sorted(reference for reference, _ in stored)
