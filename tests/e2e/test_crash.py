"""SIGKILL under load: nothing answered 2xx is lost, nothing is stored twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import asyncpg

from tests.support.amqp import drain_queue
from tests.support.messages import signed_build, unique_params
from tests.support.processes import GatewayProcess, free_port

MESSAGES = 3000
KILL_AFTER = 800
CONCURRENCY = 24


async def test_sigkill_under_load_loses_nothing_answered(
    fresh_postgres_url: str, amqp_url: str, token: str, tmp_path: Path
) -> None:
    gateway = GatewayProcess(
        fresh_postgres_url,
        amqp_url,
        free_port(),
        tmp_path / "gateway.log",
        # the rows the killed relay had claimed may be claimed again after this
        env={"GATEWAY_RELAY_CLAIM_SECONDS": "5", "GATEWAY_AMQP_CONFIRM_TIMEOUT_SECONDS": "3"},
    )
    bodies = [signed_build("CC015C", unique_params()) for _ in range(MESSAGES)]
    answered: dict[str, str] = {}  # reference -> message id, for every 2xx
    killed = asyncio.Event()
    await gateway.start()
    try:
        await drain_queue(amqp_url, "NCTS2.inbound", settle=0.1)  # what earlier tests left
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)

        async def sender(session: aiohttp.ClientSession) -> None:
            while not queue.empty():
                body = queue.get_nowait()
                try:
                    async with session.post(
                        f"{gateway.url}/api/v1/documents",
                        data=body,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                    ) as response:
                        receipt = await response.json(content_type=None)
                        if response.status in (200, 202):
                            answered[receipt["reference"]] = receipt["message_id"]
                except (TimeoutError, aiohttp.ClientError):
                    if killed.is_set():
                        return
                if len(answered) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    gateway.kill()

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            await asyncio.gather(*(sender(session) for _ in range(CONCURRENCY)))
        assert killed.is_set(), "the load ended before the kill"
        assert len(answered) >= KILL_AFTER

        await gateway.start()  # the same database and broker, a new process
        async with aiohttp.ClientSession() as session:
            for _ in range(600):
                async with session.get(f"{gateway.url}/readyz") as response:
                    ready = await response.json()
                if ready["checks"]["outbox"]["pending"] == 0:
                    break
                await asyncio.sleep(0.1)
        assert ready["checks"]["outbox"]["pending"] == 0, ready

        delivered = await drain_queue(amqp_url, "NCTS2.inbound", expect=len(answered), timeout=60, settle=1.0)
        delivered_references = {m.message_id for m in delivered}
        missing = set(answered) - delivered_references
        assert not missing, f"{len(missing)} answered documents never reached the queue"

        connection = await asyncpg.connect(fresh_postgres_url.replace("+asyncpg", ""))
        try:
            rows = await connection.fetch(
                "SELECT message_id, count(*) AS n FROM documents"
                " WHERE status <> 'rejected' GROUP BY message_id"
            )
            stored_refs = {r["reference"] for r in await connection.fetch("SELECT reference FROM documents")}
        finally:
            await connection.close()
        assert all(row["n"] == 1 for row in rows), "a message identifier was stored twice"
        assert set(answered) <= stored_refs
    finally:
        gateway.stop()


async def test_several_worker_processes_publish_each_message_once(
    fresh_postgres_url: str, amqp_url: str, token: str, tmp_path: Path
) -> None:
    gateway = GatewayProcess(fresh_postgres_url, amqp_url, free_port(), tmp_path / "workers.log", workers=2)
    await gateway.start()
    try:
        await drain_queue(amqp_url, "NCTS2.inbound", settle=0.1)
        bodies = [signed_build("CC015C", unique_params()) for _ in range(300)]
        semaphore = asyncio.Semaphore(16)
        references: list[str] = []

        async def send(session: aiohttp.ClientSession, body: bytes) -> None:
            async with (
                semaphore,
                session.post(
                    f"{gateway.url}/api/v1/documents",
                    data=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                ) as response,
            ):
                assert response.status == 202, await response.text()
                references.append((await response.json())["reference"])

        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(send(session, body) for body in bodies))
        delivered = await drain_queue(amqp_url, "NCTS2.inbound", expect=300, timeout=60, settle=2.0)
        ids = [m.message_id for m in delivered]
        assert sorted(ids) == sorted(references)  # every one, and none twice
    finally:
        gateway.stop()
