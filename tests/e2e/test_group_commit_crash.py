"""A 202 is never answered before the COMMIT that holds its row: the gateway (``gateway serve``)
is SIGKILLed while a batch it has written waits before its COMMIT (the test-only hold), under
concurrent submissions.  No 202 was answered for a document that is not in the database, every
202's row is there, and the held batch's documents were answered nothing and are not stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import asyncpg

from gateway.adapters.storage.group_commit import TEST_HOLD_ENV, TEST_HOLD_MESSAGE
from tests.support.messages import signed_build, unique_params
from tests.support.processes import GatewayProcess, free_port

SENDERS = 12
HELD_BATCH = 4


async def test_no_202_before_the_commit_holding_its_row(
    fresh_postgres_url: str, amqp_url: str, token: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    gateway = GatewayProcess(
        fresh_postgres_url,
        amqp_url,
        free_port(),
        log,
        env={TEST_HOLD_ENV: str(HELD_BATCH), "GATEWAY_DATABASE_GROUP_COMMIT_WAIT_SECONDS": "0.05"},
    )
    sent: dict[str, bytes] = {}  # message id -> body, of every document sent
    answered: dict[str, str] = {}  # message id -> reference, of every 202
    killed = asyncio.Event()
    await gateway.start()
    try:

        async def sender(session: aiohttp.ClientSession) -> None:
            while not killed.is_set():
                params = unique_params()
                sent[params.message_id] = body = signed_build("CC015C", params)
                try:
                    async with session.post(
                        f"{gateway.url}/api/v1/documents",
                        data=body,
                        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                    ) as response:
                        receipt = await response.json(content_type=None)
                        assert response.status == 202, receipt
                        answered[params.message_id] = receipt["reference"]
                except (TimeoutError, aiohttp.ClientError):
                    assert killed.is_set(), "a request failed before the kill"
                    return

        async def killer() -> None:
            for _ in range(600):
                if TEST_HOLD_MESSAGE in log.read_text(errors="replace"):
                    await asyncio.sleep(0.3)  # let anything that would (wrongly) answer do so
                    killed.set()
                    gateway.kill()
                    return
                await asyncio.sleep(0.05)
            raise AssertionError("the batch was never held: " + gateway.log_tail())

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            await asyncio.gather(killer(), *(sender(session) for _ in range(SENDERS)))
    finally:
        gateway.stop()

    connection = await asyncpg.connect(fresh_postgres_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("SELECT message_id, reference FROM documents")
    finally:
        await connection.close()
    stored = {row["message_id"]: row["reference"] for row in rows}
    assert answered, "no batch was committed before the held one"
    missing = {m: ref for m, ref in answered.items() if stored.get(m) != ref}
    assert not missing, f"{len(missing)} answered 202 without their committed row"
    unanswered = set(sent) - set(answered)
    assert unanswered, "the held batch's documents were answered"
    # what was answered is exactly what was committed: the held batch's rows went with the process
    assert set(stored) == set(answered)
