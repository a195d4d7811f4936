"""The database dropped under a running gateway (issue 15.4 and 15.5): every submission meanwhile
is ``503 UNAVAILABLE`` with ``Retry-After`` (not ``500``), and the logs say so once, with the
setting, and once more when it is back: never a traceback per request or per retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from gateway.adapters.storage.migrations import upgrade
from tests.conftest import (
    _pg_admin,
    make_settings,
    new_postgresql_database,
    seed_test_registry,
    start_gateway,
)
from tests.support.messages import signed_build, unique_params


@pytest.fixture
def own_database() -> Iterator[str]:
    with new_postgresql_database() as url:
        asyncio.run(seed_test_registry(url))
        yield url


async def test_a_dropped_database_is_503_with_retry_after_and_told_once(
    own_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = own_database.rsplit("/", 1)[1]
    settings = make_settings(own_database, None).replace(
        database={
            "connect_timeout_seconds": 1.0,
            "statement_timeout_seconds": 1.0,
            "pool_timeout_seconds": 1.0,
        },
        registry={"cache_seconds": 0.1},
        seap={"push_poll_seconds": 0.1},
    )
    async for gateway in start_gateway(settings):
        token = await gateway.token()
        status, _, _ = await gateway.post(signed_build("CC015C", unique_params()), token)
        assert status == 202
        with caplog.at_level(logging.INFO):
            await _pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
            answers = []
            for _ in range(15):  # some 3 s of submissions, the background tasks retrying meanwhile
                answers.append(await gateway.post(signed_build("CC015C", unique_params()), token))
                await asyncio.sleep(0.2)
            for status, problem, headers in answers:
                assert (status, problem["code"]) == (503, "UNAVAILABLE"), problem
                assert int(headers["Retry-After"]) > 0
            await _pg_admin(f'CREATE DATABASE "{name}"')  # empty at first: told once more
            await asyncio.sleep(1.0)
            await asyncio.to_thread(upgrade, own_database)
            await asyncio.sleep(1.0)  # the background tasks' next looks find it whole again
        ours = [r for r in caplog.records if r.name.startswith("gateway")]
        # the database back but empty, not migrated yet: not "away", a failure told once per task
        tracebacks = [r for r in ours if r.exc_info]
        assert len(tracebacks) <= 2, [r.getMessage() for r in tracebacks]
        down = [r for r in ours if r.name == "gateway.state" and r.levelno == logging.WARNING]
        # one line per component that uses the database in the background (the registry cache,
        # push delivery), whatever the number of retries; each names the setting
        assert 1 <= len(down) <= 3, [r.getMessage() for r in down]
        assert all("GATEWAY_DATABASE_URL" in r.getMessage() for r in down)
        assert any(f'database "{name}" does not exist' in r.getMessage() for r in down)
        back = [r for r in ours if r.name == "gateway.state" and r.levelno == logging.INFO]
        assert any("available again" in r.getMessage() for r in back)
        assert len(ours) < 40, [r.getMessage() for r in ours]
