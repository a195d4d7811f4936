"""The gateway as it runs (``gateway serve``, a process of its own) on PostgreSQL and RabbitMQ
reached through TCP proxies of the test's own, under a steady load, while each is killed and
stalled, and while the gateway itself is SIGKILLed (issue 16, "Done when").

Whatever happens: every 2xx is stored and published, nothing is answered 2xx without its stored
row, an ``UNAVAILABLE`` document was not stored, a ``503`` comes within the configured bound,
``/readyz`` answers within 1 s, and what reaches the queue twice is bounded by the rows in flight.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.bootstrap import registry_administration
from gateway.config import DatabaseSettings
from tests.conftest import new_postgresql_database, seed_test_registry
from tests.faults.harness import (
    ACCEPTED,
    Answer,
    Load,
    ReadinessWatch,
    delivered,
    documents,
    duplicates,
    stored,
    wait_until_published,
)
from tests.support.amqp import drain_queue
from tests.support.processes import GatewayProcess, free_port
from tests.support.proxy import TcpProxy

# The gateway's own defaults for the database (connect 2 s, statement 3 s, pool 2 s): the longest
# a request may wait for its 503 is the pool, then a connection or a statement; plus a margin for
# a machine whose two cores also run the databases and this test.
DEFAULTS = DatabaseSettings()
BOUND = DEFAULTS.pool_timeout_seconds + max(
    DEFAULTS.connect_timeout_seconds, DEFAULTS.statement_timeout_seconds
) + 1.5
IN_FLIGHT = 50
QUEUE = "NCTS2.inbound"


@dataclass
class Setup:
    gateway: GatewayProcess
    database: TcpProxy
    broker: TcpProxy
    direct_url: str
    amqp_url: str
    token: str

    async def check_stored_and_published(self, answers: list[Answer], *, faults: int) -> None:
        """The promises of a 2xx, after the gateway had time to publish what it holds."""
        accepted = {a.document.message_id: a.reference for a in answers if a.status in ACCEPTED}
        await wait_until_published(self.direct_url, timeout=60)
        in_database = await stored(self.direct_url)
        assert all(len(refs) == 1 for refs in in_database.values()), "a document stored twice"
        no_row = {m for m, ref in accepted.items() if in_database.get(m) != [ref]}
        assert not no_row, f"{len(no_row)} answered 2xx without their stored row"
        unavailable = {a.document.message_id for a in answers if a.code == "UNAVAILABLE"}
        assert not unavailable & set(in_database), "answered UNAVAILABLE, and stored all the same"
        every_stored = {refs[0] for refs in in_database.values()}
        counts = await delivered(self.amqp_url, expect=len(every_stored))
        missing = every_stored - set(counts)
        assert not missing, f"{len(missing)} stored documents never reached the queue"
        twice = duplicates(counts)
        print(f"{len(accepted)} accepted, {twice} published twice over {faults} faults")
        assert twice <= IN_FLIGHT * faults


@pytest.fixture
def fresh_database() -> Iterator[str]:
    with new_postgresql_database() as url:
        asyncio.run(seed_test_registry(url))
        yield url


@pytest.fixture
async def setup(fresh_database: str, amqp_url: str, tmp_path: Path) -> AsyncIterator[Setup]:
    engine = create_engine(DatabaseSettings(url=fresh_database))
    accounts = registry_administration(session_factory(engine)).accounts
    await accounts.add("faults@example.test")
    token = await accounts.issue_token("faults@example.test")
    await engine.dispose()
    database = TcpProxy("127.0.0.1", 5432)
    amqp_host = amqp_url.split("@", 1)[1].split("/", 1)[0]
    host, port = amqp_host.split(":")
    broker = TcpProxy(host, int(port))
    await database.start()
    await broker.start()
    gateway = GatewayProcess(
        fresh_database.replace("127.0.0.1:5432", database.url_host),
        amqp_url.replace(amqp_host, broker.url_host),
        free_port(),
        tmp_path / "gateway.log",
        env={
            "GATEWAY_DATABASE_MIGRATE_ON_START": "false",
            "GATEWAY_AMQP_CONFIRM_TIMEOUT_SECONDS": "2",
            "GATEWAY_RELAY_CLAIM_SECONDS": "4",
            "GATEWAY_RELAY_MAX_IN_FLIGHT": str(IN_FLIGHT),
        },
    )
    try:
        await gateway.start()  # (declares the topology)
        await drain_queue(amqp_url, QUEUE, settle=0.1)  # what earlier tests left
        yield Setup(gateway, database, broker, fresh_database, amqp_url, token)
    finally:
        gateway.stop()
        await database.close()
        await broker.close()


async def resend_unknown(setup: Setup, answers: list[Answer]) -> list[Answer]:
    """Each OUTCOME_UNKNOWN sent again, as SPEC tells the client: 200 (it was stored) or 202."""
    load = Load(setup.gateway.url, setup.token, [])
    async with aiohttp.ClientSession() as session:
        again = [await load.post(session, a.document) for a in answers if a.code == "OUTCOME_UNKNOWN"]
    assert all(a.status in ACCEPTED for a in again), again
    return again


async def test_database_stalled_killed_and_dropped_under_load(setup: Setup) -> None:
    load = Load(setup.gateway.url, setup.token, documents(700))
    readiness = ReadinessWatch(setup.gateway.url)
    async with readiness.running(), load.running():
        await asyncio.sleep(2)
        setup.database.stall()  # PostgreSQL stops answering
        await asyncio.sleep(BOUND)
        setup.database.resume()
        await asyncio.sleep(2)
        await setup.database.cut()  # PostgreSQL dies: connections dropped, new ones refused
        await asyncio.sleep(3)
        await setup.database.restore()
        await asyncio.sleep(2)
        setup.database.drop_connections()  # a restart: open connections dropped, new ones fine
        await asyncio.sleep(2)
    answers = load.answers
    assert all(a.status is not None for a in answers), "a request got no answer"
    refused = [a for a in answers if a.status not in ACCEPTED]
    assert refused, "the faults met no request"
    assert {(a.status, a.code) for a in refused} <= {(503, "UNAVAILABLE"), (503, "OUTCOME_UNKNOWN")}
    assert all(a.retry_after for a in refused)
    slowest = max(a.seconds for a in refused)
    print("503 by code:", Counter(a.code for a in refused))
    print(f"{len(answers)} answers, {len(refused)} × 503, slowest after {slowest:.2f} s (bound {BOUND} s)")
    assert slowest < BOUND
    print(f"readiness: slowest answer {readiness.slowest():.3f} s")
    assert readiness.slowest() < 1.0
    assert any(status == 503 for _, status, _ in readiness.looks), "readiness never saw the fault"
    assert readiness.looks[-1][1] == 200
    resent = await resend_unknown(setup, answers)
    await setup.check_stored_and_published(answers + resent, faults=3)


async def test_broker_killed_and_stalled_under_load(setup: Setup) -> None:
    load = Load(setup.gateway.url, setup.token, documents(700))
    readiness = ReadinessWatch(setup.gateway.url)
    async with readiness.running(), load.running():
        await asyncio.sleep(2)
        await setup.broker.cut()  # RabbitMQ dies
        await asyncio.sleep(3)
        await setup.broker.restore()
        await asyncio.sleep(2)
        setup.broker.stall()  # RabbitMQ stops answering: no confirms
        await asyncio.sleep(4)
        setup.broker.resume()
        await asyncio.sleep(2)
    answers = load.answers
    # the broker's trouble never turns a document away: the outbox holds it
    assert {a.status for a in answers} == {202}, {(a.status, a.code) for a in answers}
    assert readiness.slowest() < 1.0
    assert {status for _, status, _ in readiness.looks} == {200}
    assert any(body["checks"]["broker"]["ok"] is False for _, _, body in readiness.looks)  # type: ignore[index]
    await setup.check_stored_and_published(answers, faults=2)


async def test_gateway_sigkilled_under_load_loses_and_repeats_nothing_beyond_its_flight(
    setup: Setup,
) -> None:
    load = Load(setup.gateway.url, setup.token, documents(500), senders=8, pause=0.02)
    async with load.running():
        while len(load.accepted()) < 200:
            await asyncio.sleep(0.02)
        setup.gateway.kill()
        await asyncio.sleep(0.5)
    assert len(load.accepted()) >= 200
    await setup.gateway.start()  # the same database and broker, a new process
    await setup.check_stored_and_published(load.answers, faults=1)
