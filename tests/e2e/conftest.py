"""What the end-to-end tests that run ``gateway serve`` as a process share: a PostgreSQL database of
the test's own with the samples' registry, and an account's token in it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.conftest import new_postgresql_database, seed_test_registry


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A database of this test's own, with the samples' registry (whose persons sign)."""
    with new_postgresql_database() as url:
        asyncio.run(seed_test_registry(url))
        yield url


@pytest.fixture
async def token(fresh_postgres_url: str) -> AsyncIterator[str]:
    """The token of an account made in :func:`fresh_postgres_url`'s database."""
    from gateway.adapters.storage.database import create_engine, session_factory
    from gateway.bootstrap import registry_administration
    from gateway.config import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=fresh_postgres_url))
    try:
        accounts = registry_administration(session_factory(engine)).accounts
        await accounts.add("sender@example.test")
        yield await accounts.issue_token("sender@example.test")
    finally:
        await engine.dispose()
