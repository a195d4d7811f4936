"""What the fault tests share: a load of signed documents, a readiness watcher, and the checks of
what was answered against what was stored and what reached the queue."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import asyncpg

from tests.support.amqp import drain_queue
from tests.support.messages import signed_build, unique_params

QUEUE = "NCTS2.inbound"
#: what may answer a submission while the database or the broker is in trouble
ACCEPTED = {200, 202}


@dataclass(frozen=True, slots=True)
class Document:
    message_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Answer:
    document: Document
    status: int | None  # None: no answer (the connection broke)
    code: str | None
    reference: str | None
    retry_after: str | None
    seconds: float


def documents(count: int) -> list[Document]:
    made = []
    for _ in range(count):
        params = unique_params()
        made.append(Document(params.message_id, signed_build("CC015C", params)))
    return made


@dataclass
class Load:
    """Senders posting documents one after another (paced) until stopped or out of documents."""

    url: str
    token: str
    pending: list[Document]
    senders: int = 6
    pause: float = 0.1
    answers: list[Answer] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self, session: aiohttp.ClientSession, document: Document) -> Answer:
        started = time.monotonic()
        try:
            async with session.post(
                f"{self.url}/api/v1/documents",
                data=document.body,
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/xml"},
            ) as response:
                body = await response.json(content_type=None)
                return Answer(
                    document,
                    response.status,
                    body.get("code"),
                    body.get("reference"),
                    response.headers.get("Retry-After"),
                    time.monotonic() - started,
                )
        except (aiohttp.ClientError, TimeoutError):
            return Answer(document, None, None, None, None, time.monotonic() - started)

    async def _sender(self, session: aiohttp.ClientSession) -> None:
        while self.pending and not self.stop.is_set():
            answer = await self.post(session, self.pending.pop())
            self.answers.append(answer)
            await asyncio.sleep(self.pause)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks = [asyncio.create_task(self._sender(session)) for _ in range(self.senders)]
            try:
                yield self
            finally:
                self.stop.set()
                await asyncio.gather(*tasks)

    def accepted(self) -> dict[str, str]:
        """message id -> reference of every document answered 2xx."""
        return {a.document.message_id: str(a.reference) for a in self.answers if a.status in ACCEPTED}


@dataclass
class ReadinessWatch:
    """Asks ``/readyz`` every ``every`` seconds and notes how long each answer took."""

    url: str
    every: float = 0.25
    looks: list[tuple[float, int | None, dict[str, object]]] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ReadinessWatch]:
        stop = asyncio.Event()

        async def watch() -> None:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                while not stop.is_set():
                    started = time.monotonic()
                    try:
                        async with session.get(f"{self.url}/readyz") as response:
                            body = await response.json(content_type=None)
                            self.looks.append((time.monotonic() - started, response.status, body))
                    except (aiohttp.ClientError, TimeoutError):
                        self.looks.append((time.monotonic() - started, None, {}))
                    await asyncio.sleep(self.every)

        task = asyncio.create_task(watch())
        try:
            yield self
        finally:
            stop.set()
            await task

    def slowest(self) -> float:
        return max(seconds for seconds, _, _ in self.looks)


async def stored(direct_url: str) -> dict[str, list[str]]:
    """message id -> references of the accepted (not rejected) documents in the database."""
    connection = await asyncpg.connect(direct_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT message_id, reference FROM documents WHERE status <> 'rejected'"
        )
    finally:
        await connection.close()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["message_id"], []).append(row["reference"])
    return found


async def outbox_pending(direct_url: str) -> int:
    connection = await asyncpg.connect(direct_url.replace("+asyncpg", ""))
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND dead_at IS NULL"
            )
        )
    finally:
        await connection.close()


async def wait_until_published(direct_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (pending := await outbox_pending(direct_url)) > 0:
        assert time.monotonic() < deadline, f"{pending} rows still in the outbox"
        await asyncio.sleep(0.2)


async def delivered(amqp_url: str, expect: int) -> Counter[str]:
    """How often each reference reached the queue (read until it has been quiet for a while)."""
    messages = await drain_queue(amqp_url, QUEUE, expect=expect, timeout=60, settle=1.0)
    return Counter(str(m.message_id) for m in messages)


def duplicates(counts: Counter[str]) -> int:
    return sum(n - 1 for n in counts.values() if n > 1)
