"""A revoked API token stops working within ``registry.token_cache_seconds`` when revoked elsewhere
(another process, the CLI), at once when revoked through the gateway itself or with the cache off."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.bootstrap import registry_administration
from gateway.channels.http import keys
from gateway.config import DatabaseSettings
from tests.conftest import Gateway, make_settings, start_gateway

TTL = 0.5


async def gateway_with(database_url: str, seconds: float) -> AsyncIterator[Gateway]:
    settings = make_settings(database_url, None, registry={"token_cache_seconds": seconds})
    async for running in start_gateway(settings):
        yield running


async def revoke_elsewhere(database_url: str, login: str) -> None:
    """As ``gateway registry token revoke`` does, from a process of its own."""
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        assert await registry_administration(session_factory(engine)).accounts.revoke_tokens(login) == 1
    finally:
        await engine.dispose()


async def new_token(gateway: Gateway) -> tuple[str, str]:
    login = f"cached-{uuid.uuid4().hex[:8]}@example.test"
    return login, await gateway.token(login)


async def test_a_token_revoked_elsewhere_stops_working_within_the_ttl(database_url: str) -> None:
    async for gateway in gateway_with(database_url, TTL):
        login, token = await new_token(gateway)
        assert (await gateway.get("/api/v1/me", token))[0] == 200
        await revoke_elsewhere(database_url, login)
        assert (await gateway.get("/api/v1/me", token))[0] == 200  # remembered, within the TTL
        await asyncio.sleep(TTL + 0.1)
        assert (await gateway.get("/api/v1/me", token))[0] == 401


async def test_with_the_cache_off_a_revocation_shows_at_once(database_url: str) -> None:
    async for gateway in gateway_with(database_url, 0):
        login, token = await new_token(gateway)
        assert (await gateway.get("/api/v1/me", token))[0] == 200
        await revoke_elsewhere(database_url, login)
        assert (await gateway.get("/api/v1/me", token))[0] == 401


async def test_a_token_revoked_through_the_gateway_itself_stops_at_once(database_url: str) -> None:
    async for gateway in gateway_with(database_url, 60):
        login, token = await new_token(gateway)
        assert (await gateway.get("/api/v1/me", token))[0] == 200
        await gateway.app[keys.SERVICES].administration.accounts.revoke_tokens(login)
        assert (await gateway.get("/api/v1/me", token))[0] == 401
