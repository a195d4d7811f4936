"""Shared fixtures: real PostgreSQL, real RabbitMQ (a vhost of its own per run), real servers.

Tests that need a service fail when it is missing; they never skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.migrations import upgrade
from gateway.bootstrap import registry_administration
from gateway.channels.http import keys
from gateway.channels.http.app import create_app
from gateway.config import DatabaseSettings, Settings
from gateway.demo.samplegen.registry import SAMPLE_PERSONS, seed_sample_registry
from tests.support.signatures import PassThroughSignatures

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PG_HOST = os.environ.get("GATEWAY_TEST_PG_HOST", "127.0.0.1")
PG_ADMIN_URL = os.environ.get("GATEWAY_TEST_PG_URL", f"postgresql://postgres@{PG_HOST}:5432/postgres")
AMQP_HOST = os.environ.get("GATEWAY_TEST_AMQP_HOST", "127.0.0.1")


def require_service(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=3):
            return
    except OSError as exc:
        pytest.fail(
            f"{name} is required at {host}:{port} and is not reachable ({exc}); start it (see .ci/run)"
        )


async def _pg_admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def new_postgresql_database() -> Iterator[str]:
    """A new PostgreSQL database, migrated; dropped at the end."""
    require_service("PostgreSQL", PG_HOST, 5432)
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def new_sqlite_database(folder: Path) -> str:
    url = f"sqlite+aiosqlite:///{folder / 'gateway.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """This run's PostgreSQL database, with the samples' registry."""
    with new_postgresql_database() as url:
        asyncio.run(seed_test_registry(url))
        yield url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = new_sqlite_database(tmp_path_factory.mktemp("sqlite"))
    asyncio.run(seed_test_registry(url))
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every test that takes this runs against both databases (they hold the samples' registry)."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, migrated and with an empty registry (both databases)."""
    if request.param == "sqlite":
        yield new_sqlite_database(tmp_path)
    else:
        with new_postgresql_database() as url:
            yield url


async def seed_test_registry(url: str) -> None:
    """The samples' registry, and the pass-through signer of the stage tests as Jan Kowalski's."""
    engine = create_engine(DatabaseSettings(url=url))
    try:
        registry = registry_administration(session_factory(engine))
        await seed_sample_registry(registry, sample_pki_copy())
        await registry.persons.add_credential(
            SAMPLE_PERSONS[0].pesel, "sc", fingerprint=PassThroughSignatures.SIGNER.certificate
        )
    finally:
        await engine.dispose()


def _rabbitmqctl(*args: str) -> None:
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        pytest.fail("rabbitmqctl is needed to give the tests a vhost of their own")
    subprocess.run([tool, *args], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ vhost of this run's own, so that queues hold only what these tests sent."""
    require_service("RabbitMQ", AMQP_HOST, 5672)
    vhost = f"gw-test-{uuid.uuid4().hex[:10]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{AMQP_HOST}:5672/{vhost}"
    _rabbitmqctl("delete_vhost", vhost)


@functools.cache
def sample_pki_copy() -> Path:
    """A private copy of samples/pki: a gateway serving a PKI writes fresh CRLs into its folder,
    and the committed one must stay as it is."""
    copy = Path(tempfile.mkdtemp(prefix="gw-test-pki-")) / "pki"
    shutil.copytree(SAMPLES / "pki", copy)
    return copy


@functools.cache
def receipt_signer_dir() -> Path:
    """Where the test gateways keep their DEMO receipt signer: one key for the whole run."""
    return Path(tempfile.mkdtemp(prefix="gw-test-receipts-"))


def make_settings(database_url: str, amqp_url: str | None, **sections: dict[str, object]) -> Settings:
    amqp: dict[str, object] = {
        "url": amqp_url or "amqp://guest:guest@127.0.0.1:1/",
        "enabled": amqp_url is not None,
    }
    amqp.update(sections.pop("amqp", {}))
    relay: dict[str, object] = {"poll_seconds": 0.2}
    relay.update(sections.pop("relay", {}))
    signature: dict[str, object] = {"pki_dir": sample_pki_copy()}
    signature.update(sections.pop("signature", {}))
    receipts: dict[str, object] = {"demo_dir": receipt_signer_dir()}
    receipts.update(sections.pop("receipts", {}))
    return Settings().replace(
        receipts=receipts,
        database={"url": database_url, "migrate_on_start": False},
        signature=signature,
        amqp={"reconnect_seconds": 0.3, **amqp},
        relay=relay,
        **sections,
    )


@dataclass
class Gateway:
    """A gateway running on a real port, with a client and a way to make accounts."""

    app: web.Application
    server: TestServer
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return str(self.server.make_url("/")).rstrip("/")

    async def token(self, login: str | None = None) -> str:
        accounts = self.app[keys.SERVICES].administration.accounts
        login = login or f"user-{uuid.uuid4().hex[:8]}@example.test"
        await accounts.add(login)
        return await accounts.issue_token(login)

    async def post(
        self, body: bytes, token: str, *, query: str = "", content_type: str = "application/xml"
    ) -> tuple[int, dict[str, object], dict[str, str]]:
        async with self.http.post(
            f"{self.url}/api/v1/documents{query}",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        ) as response:
            return response.status, await response.json(content_type=None), dict(response.headers)

    async def wait_for_broker(self, timeout: float = 15.0) -> None:
        """Until the relay holds a connection (and so has declared the topology)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            _, ready = await self.get("/readyz", None)
            if ready["checks"]["broker"]["ok"]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the gateway did not connect to the broker: {ready}")

    async def get(self, path: str, token: str | None) -> tuple[int, dict[str, object]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.get(f"{self.url}{path}", headers=headers) as response:
            return response.status, await response.json(content_type=None)


async def start_gateway(settings: Settings) -> AsyncIterator[Gateway]:
    app = create_app(settings)
    # a request still open at the end gets 5 s, not aiohttp's 60, before the server closes anyway
    server = TestServer(app, host="127.0.0.1", port=0, shutdown_timeout=5.0)
    await server.start_server()
    http = aiohttp.ClientSession()
    running = Gateway(app, server, http)
    try:
        if settings.amqp.enabled:
            await running.wait_for_broker()
        yield running
    finally:
        await http.close()
        await server.close()


@pytest.fixture
async def gateway(database_url: str) -> AsyncIterator[Gateway]:
    """A gateway without a broker: accepted documents wait in the outbox."""
    async for running in start_gateway(make_settings(database_url, None)):
        yield running
