"""Slow and idle clients (issue 16.10): connections that never finish their headers, bodies that
trickle, idle keep-alive connections are closed after the ``[server]`` timeouts, and legitimate
clients are served meanwhile.  The server is the one ``gateway serve`` runs
(gateway/channels/http/server.py)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from gateway.channels.http import keys
from gateway.channels.http.app import create_app
from gateway.channels.http.server import start_site
from tests.conftest import make_settings

HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 0.8
#: longer than the header timeout, so that it is the header timeout that closes the idle ones
KEEPALIVE_TIMEOUT = 1.5
IDLE_CONNECTIONS = 200


@dataclass
class Served:
    host: str
    port: int
    token: str


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[Served]:
    settings = make_settings(
        sqlite_url,
        None,
        server={
            "host": "127.0.0.1",
            "port": 0,
            "header_timeout_seconds": HEADER_TIMEOUT,
            "body_timeout_seconds": BODY_TIMEOUT,
            "keepalive_timeout_seconds": KEEPALIVE_TIMEOUT,
        },
    )
    app = create_app(settings)
    runner, _ = await start_site(app, settings.server, access_log=None)
    try:
        host, port = runner.addresses[0][:2]
        accounts = app[keys.SERVICES].administration.accounts
        login = f"slow-{uuid.uuid4().hex[:8]}@example.test"
        await accounts.add(login)
        yield Served(host, port, await accounts.issue_token(login))
    finally:
        await runner.cleanup()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent until it closed the connection (fails if it did not in time)."""
    return await asyncio.wait_for(reader.read(), seconds)


async def test_connections_that_never_finish_their_headers_are_closed(served: Served) -> None:
    idle = [await asyncio.open_connection(served.host, served.port) for _ in range(IDLE_CONNECTIONS // 2)]
    partial = [await asyncio.open_connection(served.host, served.port) for _ in range(IDLE_CONNECTIONS // 2)]
    for _, writer in partial:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Slow: ")
        await writer.drain()
    opened = time.monotonic()

    # a legitimate client is served at once while they hang on
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(f"http://{served.host}:{served.port}/healthz") as response:
            assert response.status == 200
        assert time.monotonic() - started < 0.5

    connections = idle + partial
    answers = await asyncio.gather(*(closed_within(reader, HEADER_TIMEOUT + 3) for reader, _ in connections))
    took = time.monotonic() - opened
    assert took < KEEPALIVE_TIMEOUT
    assert all(answer == b"" for answer in answers[: len(idle)])  # nothing was asked, nothing told
    assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers[len(idle) :])
    for _, writer in idle + partial:
        writer.close()


async def test_header_bytes_trickled_do_not_extend_the_deadline(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    started = time.monotonic()
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    closed = asyncio.create_task(closed_within(reader, HEADER_TIMEOUT + 3))
    while not closed.done():
        writer.write(b"X-A: b\r\n")  # a slowloris: a header line now and then, never the end
        try:
            await writer.drain()
        except ConnectionError:
            break  # the server closed it meanwhile
        await asyncio.sleep(0.1)
    assert (await closed).startswith(b"HTTP/1.1 408")
    assert time.monotonic() - started < HEADER_TIMEOUT + 1
    writer.close()


async def test_a_body_that_trickles_is_refused_with_408(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    body = b"<a/>" * 250
    writer.write(
        b"POST /api/v1/documents HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/xml\r\n"
        + f"Authorization: Bearer {served.token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    await writer.drain()
    started = time.monotonic()
    answer = await closed_within(reader, BODY_TIMEOUT + 3)
    assert time.monotonic() - started < BODY_TIMEOUT + 1.5
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert json.loads(payload)["code"] == "REQUEST_TIMEOUT"
    writer.close()


async def test_a_slow_body_that_arrives_in_time_is_served(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    body = b"<a/>" * 250
    writer.write(
        b"POST /api/v1/documents?dry_run=true HTTP/1.1\r\nHost: gateway\r\n"
        b"Content-Type: application/xml\r\nConnection: close\r\n"
        + f"Authorization: Bearer {served.token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    for start in range(0, len(body), 250):
        writer.write(body[start : start + 250])
        await writer.drain()
        await asyncio.sleep(BODY_TIMEOUT / 8)
    answer = await closed_within(reader, 10)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]  # a verdict (of a document it refuses)
    writer.close()


async def test_an_idle_kept_alive_connection_is_closed(served: Served) -> None:
    reader, writer = await asyncio.open_connection(served.host, served.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    lengths = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    length = int(lengths[0].split(b":")[1])
    await reader.readexactly(length)
    started = time.monotonic()
    assert await closed_within(reader, KEEPALIVE_TIMEOUT + 3) == b""
    assert time.monotonic() - started >= KEEPALIVE_TIMEOUT * 0.8
    writer.close()
