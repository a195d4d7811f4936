"""Dead letters for operators (issue 16.4): a row the broker refused past the retry cap makes its
document ``undeliverable``, is listed and re-queued through ``/api/v1/admin/outbox`` and
``gateway outbox``, and is counted in ``/metrics`` and ``/readyz``."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from typing import Any

from gateway.adapters.broker.memory import MemoryPublisher
from gateway.adapters.broker.relay import OutboxRelay
from gateway.channels.http import keys
from gateway.config import RelaySettings
from tests.conftest import ROOT, Gateway
from tests.support.messages import signed_build, unique_params


async def operator_token(gateway: Gateway) -> str:
    accounts = gateway.app[keys.SERVICES].administration.accounts
    login = f"operator-{uuid.uuid4().hex[:8]}@uc.test"
    await accounts.add(login, role="operator")
    return await accounts.issue_token(login)


async def dead_letter(gateway: Gateway, token: str) -> str:
    """A document accepted, then refused by the broker until it is dead-lettered."""
    status, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), token)
    assert status == 202, receipt
    reference = str(receipt["reference"])
    publisher = MemoryPublisher(refuse={reference})
    settings = RelaySettings(max_attempts=2, retry_initial_seconds=0.01, retry_max_seconds=0.01)
    relay = OutboxRelay(gateway.app[keys.SERVICES].sessions, publisher, settings, 0.1)
    for _ in range(50):
        await relay.drain_once()  # (publishes what other tests left waiting, too)
        _, document = await gateway.get(f"/api/v1/documents/{reference}", token)
        if document["status"] == "undeliverable":
            return reference
        await asyncio.sleep(0.02)
    raise AssertionError(f"not dead-lettered: {document}")


async def call(gateway: Gateway, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    async with gateway.http.request(
        method,
        f"{gateway.url}/api/v1/admin/outbox{path}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return response.status, await response.json(content_type=None)


async def test_dead_letters_are_listed_counted_and_requeued_over_http(gateway: Gateway) -> None:
    trader = await gateway.token()
    operator = await operator_token(gateway)
    reference = await dead_letter(gateway, trader)

    status, problem = await call(gateway, "GET", "/dead", trader)
    assert (status, problem["code"]) == (403, "FORBIDDEN")
    status, listed = await call(gateway, "GET", "/dead?limit=1000", operator)
    assert status == 200
    [letter] = [item for item in listed["items"] if item["reference"] == reference]
    assert letter["attempts"] == 2 and "unroutable" in letter["last_error"]

    status, ready = await gateway.get("/readyz", None)
    assert ready["checks"]["outbox"]["dead_letters"] >= 1
    async with gateway.http.get(f"{gateway.url}/metrics") as response:
        metrics = await response.text()
    [gauge] = [line for line in metrics.splitlines() if line.startswith("gateway_outbox_dead_letters ")]
    assert float(gauge.split()[1]) >= 1

    status, requeued = await call(gateway, "POST", f"/dead/{reference}/requeue", operator)
    assert (status, requeued) == (200, {"requeued": [reference], "missing": []})
    _, document = await gateway.get(f"/api/v1/documents/{reference}", trader)
    assert document["status"] == "accepted"
    status, problem = await call(gateway, "POST", f"/dead/{reference}/requeue", operator)
    assert (status, problem["code"]) == (404, "NOT_FOUND")
    status, problem = await call(gateway, "POST", "/requeue", operator, {"references": []})
    assert (status, problem["code"]) == (400, "BAD_REQUEST")


def outbox_command(database_url: str, *words: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", "outbox", *words],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


async def test_dead_letters_are_listed_and_requeued_with_the_cli(gateway: Gateway, database_url: str) -> None:
    trader = await gateway.token()
    reference = await dead_letter(gateway, trader)
    listed = await asyncio.to_thread(outbox_command, database_url, "list", "--limit", "1000", "--json")
    assert listed.returncode == 0, listed.stderr
    assert reference in [item["reference"] for item in json.loads(listed.stdout)["items"]]

    done = await asyncio.to_thread(outbox_command, database_url, "requeue", reference, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"requeued": [reference], "missing": []}
    _, document = await gateway.get(f"/api/v1/documents/{reference}", trader)
    assert document["status"] == "accepted"

    again = await asyncio.to_thread(outbox_command, database_url, "requeue", reference)
    assert again.returncode != 0 and "not dead letters" in again.stderr
