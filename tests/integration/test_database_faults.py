"""PostgreSQL in trouble, through a proxy of the test's own (issue 16.1 and 16.3):

- a database that stops answering costs a request a bounded wait and a ``503 UNAVAILABLE`` with
  ``Retry-After``, never a hang or a 500; ``/readyz`` answers within 1 s all along;
- a connection lost before the COMMIT is ``UNAVAILABLE`` (nothing stored: a resend is new); one
  lost after the COMMIT reached the server is ``OUTCOME_UNKNOWN`` (stored: a resend answers 200
  with the original reference).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from tests.conftest import Gateway, make_settings, start_gateway
from tests.support.messages import signed_build, unique_params
from tests.support.proxy import TcpProxy

CONNECT, STATEMENT, POOL = 1.0, 1.0, 1.0
#: the longest a request may wait for its 503: the pool, then a connection or a statement
BOUND = POOL + max(CONNECT, STATEMENT) + 1.0


@dataclass
class Proxied:
    gateway: Gateway
    proxy: TcpProxy
    direct_url: str
    token: str


@pytest.fixture
async def proxied(postgresql_url: str) -> AsyncIterator[Proxied]:
    async for proxied in _proxied(postgresql_url):
        yield proxied


@pytest.fixture
async def proxied_batching(postgresql_url: str) -> AsyncIterator[Proxied]:
    """Documents arriving within half a second of each other are committed together."""
    async for proxied in _proxied(postgresql_url, group_commit_wait_seconds=0.5):
        yield proxied


async def _proxied(postgresql_url: str, **database: object) -> AsyncIterator[Proxied]:
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    url = postgresql_url.replace("127.0.0.1:5432", proxy.url_host)
    settings = make_settings(url, None).replace(
        database={
            "pool_size": 3,
            "connect_timeout_seconds": CONNECT,
            "statement_timeout_seconds": STATEMENT,
            "pool_timeout_seconds": POOL,
            **database,
        }
    )
    try:
        async for gateway in start_gateway(settings):
            yield Proxied(gateway, proxy, postgresql_url, await gateway.token())
    finally:
        await proxy.close()


async def timed(gateway: Gateway, body: bytes, token: str) -> tuple[float, int, dict, dict]:
    started = time.monotonic()
    status, answer, headers = await gateway.post(body, token)
    return time.monotonic() - started, status, answer, headers


async def stored_with(direct_url: str, message_id: str) -> list[str]:
    connection = await asyncpg.connect(direct_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("SELECT reference FROM documents WHERE message_id = $1", message_id)
    finally:
        await connection.close()
    return [row["reference"] for row in rows]


async def test_a_stalled_database_gets_503_within_the_bound_and_readiness_within_1s(
    proxied: Proxied,
) -> None:
    gateway, proxy = proxied.gateway, proxied.proxy
    bodies = [signed_build("CC015C", unique_params()) for _ in range(30)]
    assert (await gateway.get("/readyz", None))[0] == 200
    proxy.stall()
    try:
        posts = asyncio.gather(*(timed(gateway, body, proxied.token) for body in bodies))
        for _ in range(3):  # readiness keeps answering in time while the requests hang on
            started = time.monotonic()
            status, ready = await gateway.get("/readyz", None)
            assert time.monotonic() - started < 1.0
            assert status == 503 and ready["checks"]["database"]["ok"] is False
        answers = await posts
    finally:
        proxy.resume()
    for took, status, problem, headers in answers:
        assert status == 503, problem
        assert problem["code"] == "UNAVAILABLE"
        assert int(headers["Retry-After"]) > 0
        assert took < BOUND, f"answered after {took:.1f} s"

    # back again: ready, and documents accepted
    deadline = time.monotonic() + BOUND + 5
    while (await gateway.get("/readyz", None))[0] != 200:
        assert time.monotonic() < deadline, "not ready again after the database came back"
        await asyncio.sleep(0.2)
    status, receipt, _ = await gateway.post(bodies[0], proxied.token)
    assert status == 202, receipt


async def test_a_database_that_refuses_connections_gets_503_at_once(proxied: Proxied) -> None:
    gateway, proxy = proxied.gateway, proxied.proxy
    await proxy.cut()
    try:
        took, status, problem, _headers = await timed(
            gateway, signed_build("CC015C", unique_params()), proxied.token
        )
        assert (status, problem["code"]) == (503, "UNAVAILABLE")
        assert took < BOUND
        started = time.monotonic()
        assert (await gateway.get("/readyz", None))[0] == 503
        assert time.monotonic() - started < 1.0
    finally:
        await proxy.restore()


async def test_connection_lost_before_the_commit_is_unavailable_and_nothing_is_stored(
    proxied: Proxied,
) -> None:
    params = unique_params()
    body = signed_build("CC015C", params)
    marker = params.message_id.encode()
    broken = proxied.proxy.break_on(marker, deliver=False)  # the INSERT never reaches the server
    status, problem, _headers = await proxied.gateway.post(body, proxied.token)
    assert broken.done()
    assert (status, problem["code"]) == (503, "UNAVAILABLE"), problem
    assert await stored_with(proxied.direct_url, params.message_id) == []
    status, receipt, _ = await proxied.gateway.post(body, proxied.token)
    assert status == 202, receipt  # nothing was stored: the resend is new
    assert await stored_with(proxied.direct_url, params.message_id) == [receipt["reference"]]


async def test_connection_lost_after_the_commit_is_outcome_unknown_and_a_resend_tells(
    proxied: Proxied,
) -> None:
    params = unique_params()
    body = signed_build("CC015C", params)
    marker = params.message_id.encode()
    # the COMMIT of the transaction that carried this document reaches the server; its answer is lost
    broken = proxied.proxy.break_on(b"COMMIT", after=marker, deliver=True)
    status, problem, headers = await proxied.gateway.post(body, proxied.token)
    assert broken.done()
    assert (status, problem["code"]) == (503, "OUTCOME_UNKNOWN"), problem
    assert int(headers["Retry-After"]) > 0
    [stored] = await stored_with(proxied.direct_url, params.message_id)  # it was committed
    status, receipt, _ = await proxied.gateway.post(body, proxied.token)
    assert status == 200, receipt  # the same bytes again: the original receipt
    assert receipt["reference"] == stored


async def test_every_document_of_a_batch_whose_commit_answer_was_lost_is_outcome_unknown(
    proxied_batching: Proxied,
) -> None:
    gateway, token = proxied_batching.gateway, proxied_batching.token
    params = [unique_params() for _ in range(3)]
    bodies = [signed_build("CC015C", p) for p in params]
    # the COMMIT of the transaction carrying the first reaches the server; its answer is lost
    broken = proxied_batching.proxy.break_on(b"COMMIT", after=params[0].message_id.encode(), deliver=True)
    answers = await asyncio.gather(*(gateway.post(body, token) for body in bodies))
    assert broken.done()
    assert [(status, problem["code"]) for status, problem, _ in answers] == [(503, "OUTCOME_UNKNOWN")] * 3
    for p, body in zip(params, bodies, strict=True):
        [stored] = await stored_with(proxied_batching.direct_url, p.message_id)  # all were committed
        status, receipt, _ = await gateway.post(body, token)
        assert (status, receipt["reference"]) == (200, stored)
