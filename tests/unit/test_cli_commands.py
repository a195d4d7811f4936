"""What the commands do for a user: folders for ``check``, one error for a gateway that does not
answer, no database made by commands that only use one, a progress bar on terminals only, sample
messages of the asked size, JSON errors with the SPEC.md codes."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from gateway.channels.cli.main import main
from gateway.demo.samplegen import build_sized
from tests.conftest import SAMPLES

KB, MB = 1024, 1024 * 1024


@pytest.fixture
def no_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder without a database, the defaults' relative SQLite file pointing into it."""
    for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["registry", "token", "trader@example.com"],
        ["registry", "person", "list", "--json"],
        ["outbox", "list"],
        ["outbox", "requeue", "--all"],
        ["samples", "registry"],
    ],
)
def test_commands_that_use_a_database_do_not_make_one(
    argv: list[str], no_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    said = capsys.readouterr()
    told = json.loads(said.out)["message"] if "--json" in argv else said.err
    assert "sqlite+aiosqlite:///gateway.db" in told
    assert str(no_database / "gateway.db") in told
    assert "database.url" in told and "GATEWAY_DATABASE_URL" in told
    assert list(no_database.iterdir()) == []


def test_db_upgrade_still_makes_the_database(no_database: Path) -> None:
    assert main(["db", "upgrade"]) == 0
    assert (no_database / "gateway.db").exists()


def test_check_takes_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    folder = SAMPLES / "valid" / "AES"
    main(["check", "--json", str(folder), str(SAMPLES / "valid" / "NCTS2" / "CC015C.xml")])
    checked = [json.loads(line)["file"] for line in capsys.readouterr().out.splitlines()]
    assert checked == [*map(str, sorted(folder.rglob("*.xml"))), str(SAMPLES / "valid/NCTS2/CC015C.xml")]


def test_check_of_a_folder_without_messages_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--json", str(tmp_path)]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["code"] == "INVALID_PARAMETER" and str(tmp_path) in error["message"]


def test_replay_against_no_server_is_one_error(capsys: pytest.CaptureFixture[str]) -> None:
    url = "http://127.0.0.1:1"
    assert main(["replay", str(SAMPLES / "valid"), "--url", url, "--token", "t"]) == 2
    said = capsys.readouterr()
    assert said.err.count("\n") == 1 and f"cannot connect to {url}" in said.err
    assert "NO_ANSWER" not in said.err + said.out

    assert main(["replay", str(SAMPLES / "valid"), "--url", url, "--token", "t", "--json"]) == 2
    error = json.loads(capsys.readouterr().out)
    assert error["code"] == "UNAVAILABLE" and url in error["message"]


@pytest.fixture
def accepting_gateway() -> Iterator[str]:
    """A stand-in for a gateway that accepts every document, numbering the references."""
    received: list[int] = []

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        received.append(1)
        return web.json_response({"reference": f"ref-{len(received)}", "status": "accepted"}, status=202)

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/v1/documents", accept)
    app.router.add_get("/healthz", health)
    ready = threading.Event()
    state: dict[str, object] = {}

    def serve() -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        runner = web.AppRunner(app)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        state["port"] = runner.addresses[0][1]
        state["loop"] = loop
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{state['port']}"
    loop = state["loop"]
    loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]
    thread.join(10)


def test_replay_draws_no_progress_bar_into_a_non_terminal(
    accepting_gateway: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = SAMPLES / "valid" / "NCTS2"
    assert main(["replay", str(folder), "--url", accepting_gateway, "--token", "t"]) == 0
    said = capsys.readouterr()
    assert "\r" not in said.err and "[#" not in said.err and "/s" not in said.err
    assert said.out.startswith(f"{len(list(folder.glob('*.xml')))} files in ")


def test_replay_prints_the_references_for_the_next_command(
    accepting_gateway: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one = SAMPLES / "valid" / "NCTS2" / "CC015C.xml"
    argv = ["replay", str(one), "--url", accepting_gateway, "--token", "t", "--print-reference"]
    assert main(argv) == 0
    said = capsys.readouterr()
    assert said.out == "ref-1\n"  # REF=$(gateway replay ... --print-reference)
    assert "1 files in " in said.err


@pytest.mark.parametrize(
    ("message_type", "size"),
    [("IE815", 5 * KB), ("CC015C", 500 * KB), ("CC515C", 500 * KB), ("CC015C", 3 * MB), ("IE815", 14 * MB)],
)
def test_samples_are_made_within_5_percent_of_the_asked_size(message_type: str, size: int) -> None:
    made = len(build_sized(message_type, size))
    assert abs(made - size) <= 0.05 * size, made
    assert made <= size  # never past it: 14MB must stay under the 15 MiB request limit


def test_samples_generate_says_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "big.xml"
    assert main(["samples", "generate", "CC015C", "--size", "500KB", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said == f"wrote CC015C, {out.stat().st_size} bytes (asked {500 * KB}), to {out}\n"
