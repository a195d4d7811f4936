"""``gateway serve`` as an operator meets it (issue 15): a port in use, a database that cannot be
used, a broker vhost that does not exist, and the logs of a running gateway."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import sample_pki_copy
from tests.support.messages import signed_build, unique_params
from tests.support.processes import GatewayProcess, free_port

SERVE = [sys.executable, "-m", "gateway.channels.cli.main", "serve"]


def serve(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SERVE, *args],
        env={**os.environ, "GATEWAY_AMQP_ENABLED": "false", **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something already listens on, as a gateway does: with ``SO_REUSEPORT``, which let a
    second ``serve`` bind it too and the two answer in turn."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_on_a_port_in_use_fails_with_a_clear_message(
    listener: int, workers: str, tmp_path: Path
) -> None:
    done = serve("--port", str(listener), "--workers", workers, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"port {listener} on 127.0.0.1 is already in use" in done.stderr
    assert "GATEWAY_SERVER_PORT" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "gateway.db").exists()  # refused before touching anything


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_unreachable_database_is_one_line_naming_it_and_its_setting(workers: str, tmp_path: Path) -> None:
    url = "postgresql://gw@127.0.0.1:1/gw"  # no driver: the gateway's own is used
    done = serve(
        "--port", str(free_port()), "--workers", workers, env={"GATEWAY_DATABASE_URL": url}, cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "postgresql+asyncpg://gw@127.0.0.1:1/gw" in lines[0]
    assert "GATEWAY_DATABASE_URL" in lines[0] and "Connect call failed" in lines[0]


def test_a_misspelled_variable_stops_serve(tmp_path: Path) -> None:
    done = serve(env={"GATEWAY_DATABASE_URI": "postgresql://db/gw"}, cwd=tmp_path)
    assert done.returncode == 2
    assert "GATEWAY_DATABASE_URI" in done.stderr and "GATEWAY_DATABASE_URL" in done.stderr


# --- a running gateway's logs ---------------------------------------------------------------------


def json_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def test_json_logs_have_a_line_per_request_and_per_document(
    fresh_postgres_url: str, amqp_url: str, token: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    gateway = GatewayProcess(
        fresh_postgres_url, amqp_url, free_port(), log, env={"GATEWAY_LOG_FORMAT": "json"}
    )
    await gateway.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{gateway.url}/api/v1/documents?token=not-logged",
                data=signed_build("CC015C", unique_params()),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
            ) as response,
        ):
            assert response.status == 202
            receipt = await response.json()
        await asyncio.sleep(0.5)  # the access line is written after the answer is sent
    finally:
        gateway.stop()
    events = json_lines(log)  # every line is one JSON object
    access = [e for e in events if e["logger"] == "gateway.access" and e["path"] == "/api/v1/documents"]
    assert len(access) == 1
    assert access[0]["method"] == "POST" and access[0]["status"] == 202
    assert (
        isinstance(access[0]["ms"], float) and isinstance(access[0]["bytes"], int) and access[0]["bytes"] > 0
    )
    documents = [e for e in events if e["logger"] == "gateway.documents"]
    assert len(documents) == 1
    document = documents[0]
    assert document["reference"] == receipt["reference"]
    assert (document["system"], document["message_type"], document["outcome"]) == ("NCTS2", "CC015C", "new")
    assert document["code"] is None and isinstance(document["ms"], float)
    text = log.read_text()
    assert token not in text and "not-logged" not in text


def test_a_broker_vhost_that_does_not_exist_is_told_once_per_component(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        "GATEWAY_AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/no-such-vhost",
        "GATEWAY_AMQP_RECONNECT_SECONDS": "0.2",
        "GATEWAY_SIGNATURE_PKI_DIR": str(sample_pki_copy()),
        "GATEWAY_RECEIPTS_DEMO_DIR": str(tmp_path / "receipts"),
    }
    with (tmp_path / "serve.log").open("w") as out:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port)], env=env, stderr=out, stdout=out, cwd=tmp_path
        )
    try:
        time.sleep(8)  # some 30 connection attempts by each of the relay and the consumer
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
    finally:
        process.terminate()
        process.wait(20)
    text = (tmp_path / "serve.log").read_text()
    told = [line for line in text.splitlines() if "logger=gateway.state" in line]
    assert len(told) == 2, text  # the outbox relay and the responses consumer, once each
    for line in told:
        assert "virtual host does not exist" in line and "GATEWAY_AMQP_URL" in line
        assert "guest:***@" in line
    assert "InvalidFrameError" not in text and "Traceback" not in text
    assert len(text.splitlines()) < 15, text
