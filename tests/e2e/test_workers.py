"""``gateway serve --workers 2`` on PostgreSQL and RabbitMQ: both workers serve, every accepted
document is published exactly once, and a worker count the database cannot hold is refused."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from gateway.bootstrap import connection_shortfall
from gateway.config import Settings
from tests.support.amqp import drain_queue
from tests.support.messages import signed_build, unique_params
from tests.support.processes import GatewayProcess, free_port

DOCUMENTS = 120
CONCURRENCY = 24
QUEUE = "NCTS2.inbound"


async def accepted_by_process(url: str) -> dict[str, int]:
    """One scrape of ``/metrics`` on a new connection: the answering worker's pid and how many
    documents it counted (all of them accepted here)."""
    async with aiohttp.ClientSession() as session, session.get(f"{url}/metrics") as response:
        text = await response.text()
    pid, accepted = "", 0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "gateway_process":
                pid = sample.labels["pid"]
            if sample.name == "gateway_documents_total":
                accepted += int(sample.value)
    return {pid: accepted}


async def test_two_workers_both_serve_and_publish_every_document_once(
    fresh_postgres_url: str, amqp_url: str, token: str, tmp_path: Path
) -> None:
    gateway = GatewayProcess(fresh_postgres_url, amqp_url, free_port(), tmp_path / "workers.log", workers=2)
    await gateway.start()
    try:
        await drain_queue(amqp_url, QUEUE, settle=0.1)
        bodies = [signed_build("CC015C", unique_params()) for _ in range(DOCUMENTS)]
        semaphore = asyncio.Semaphore(CONCURRENCY)
        references: list[str] = []

        async def send(body: bytes) -> None:
            # a connection per document: the kernel spreads new connections over the workers
            async with (
                semaphore,
                aiohttp.ClientSession() as session,
                session.post(
                    f"{gateway.url}/api/v1/documents",
                    data=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                ) as response,
            ):
                assert response.status == 202, await response.text()
                references.append((await response.json())["reference"])

        await asyncio.gather(*(send(body) for body in bodies))
        delivered = await drain_queue(amqp_url, QUEUE, expect=DOCUMENTS, timeout=60, settle=2.0)
        ids = Counter(str(m.message_id) for m in delivered)
        assert set(ids) == set(references) and len(references) == DOCUMENTS  # every one ...
        assert max(ids.values()) == 1  # ... and none twice

        # each worker answers /metrics for itself: scrape until both have, and add them up
        seen: dict[str, int] = {}
        for _ in range(60):
            seen.update(await accepted_by_process(gateway.url))
            if len(seen) == 2:
                break
        assert len(seen) == 2, f"only one worker answered: {seen}"
        assert all(count > 0 for count in seen.values()), f"a worker accepted no document: {seen}"
        assert sum(seen.values()) == DOCUMENTS
    finally:
        gateway.stop()


def test_more_workers_than_the_database_takes_connections_for_are_refused(
    postgresql_url: str, tmp_path: Path
) -> None:
    settings = Settings().replace(database={"url": postgresql_url, "pool_size": 10})
    assert connection_shortfall(settings, 2) is None
    shortfall = connection_shortfall(settings, 1000)
    assert shortfall is not None and "21 each" in shortfall and "max_connections" in shortfall
    assert (
        connection_shortfall(
            Settings().replace(database={"url": f"sqlite+aiosqlite:///{tmp_path}/g.db"}), 1000
        )
        is None
    )

    refused = subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", "serve", "--workers", "1000", "--port", "0"],
        env={**os.environ, "GATEWAY_DATABASE_URL": postgresql_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "1000 workers may open 21000 database connections" in refused.stderr
