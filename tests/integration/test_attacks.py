"""The attack corpus (``samples/attacks/<CODE>/``, built by samples/build_attacks.py) through the real
HTTP API, on both databases.

Every file must be refused with the code its folder is named after and that code's HTTP status; the
gateway stays up.  A CDATA section that leaves the text as it was changes nothing the signature
covers and is accepted; a comment, which the canonicalization leaves out of the signature, is
refused: it splits a signed text for any reader that takes the first text node (comment injection).
Rebuilding the corpus changes no byte.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway.core.errors import error_class_for
from tests.conftest import ROOT, SAMPLES, Gateway
from tests.support.messages import signed_build, unique_params

ATTACKS = SAMPLES / "attacks"
FOLDERS = sorted(p for p in ATTACKS.iterdir() if p.is_dir()) if ATTACKS.is_dir() else []
FILES = [path for folder in FOLDERS for path in sorted(folder.glob("*.xml"))]
REQUIRED = {
    "SIGNATURE_INVALID",
    "SIGNATURE_PROFILE",
    "SIGNATURE_MISSING",
    "CERT_UNTRUSTED",
    "CERT_EXPIRED",
    "CERT_REVOKED",
    "XML_FORBIDDEN",
    "SCHEMA_INVALID",
}
#: files whose message names something to fetch (a URL, a file, a DTD, an XInclude, an XSLT document())
FETCHING = ("external", "xslt", "xinclude", "xpointer")
#: an answer slower than this would mean something was waited for
FAST_SECONDS = 3.0


def manifest(folder: Path) -> dict[str, dict[str, Any]]:
    return tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))


def test_the_corpus_covers_every_attack() -> None:
    assert {folder.name for folder in FOLDERS} >= REQUIRED
    assert len(FILES) >= 35
    for folder in FOLDERS:
        error_class_for(folder.name)  # every folder is named after a real code
        described = manifest(folder)
        files = {path.name for path in folder.glob("*.xml")}
        assert set(described) == files, folder
        for name, entry in described.items():
            assert entry["description"], name
            assert entry["errors"] == [{"code": folder.name}], name


def test_rebuilding_the_attacks_changes_nothing() -> None:
    def snapshot() -> dict[str, bytes]:
        return {
            str(p.relative_to(ATTACKS)): p.read_bytes() for p in sorted(ATTACKS.rglob("*")) if p.is_file()
        }

    before = snapshot()
    subprocess.run(
        [sys.executable, str(SAMPLES / "build_attacks.py")], cwd=ROOT, check=True, capture_output=True
    )
    after = snapshot()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == []


class _Connections:
    """Every outgoing socket connection made in this process (the gateway under test runs in it)."""

    def __init__(self) -> None:
        self.addresses: list[object] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

        def connect(sock: socket.socket, address: Any) -> None:
            self.addresses.append(address)
            original_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            self.addresses.append(address)
            return original_connect_ex(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)

    def to_port(self, port: int) -> list[object]:
        return [a for a in self.addresses if isinstance(a, tuple) and len(a) >= 2 and a[1] == port]


async def _expect_refusal(gateway: Gateway, token: str, path: Path) -> float:
    code = path.parent.name
    started = time.monotonic()
    status, problem, headers = await gateway.post(path.read_bytes(), token)
    elapsed = time.monotonic() - started
    assert status == error_class_for(code).status, (path.name, problem)
    assert problem["code"] == code, (path.name, problem)
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["errors"], path.name
    assert {error["code"] for error in problem["errors"]} == {code}, (path.name, problem["errors"])
    return elapsed


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ATTACKS)) for p in FILES])
async def test_attack_is_refused_with_its_code(
    gateway: Gateway, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections = _Connections()
    connections.install(monkeypatch)
    token = await gateway.token()
    elapsed = await _expect_refusal(gateway, token, path)
    if any(word in path.name for word in FETCHING):
        assert elapsed < FAST_SECONDS, f"{path.name} took {elapsed:.1f} s: was something fetched?"
        assert connections.to_port(9) == [], "the gateway tried to reach 127.0.0.1:9"
    status, _ = await gateway.get("/healthz", None)
    assert status == 200


async def test_the_gateway_stays_up_through_the_whole_corpus(gateway: Gateway) -> None:
    # all at once, from accounts of 16 files each: one account alone would be held to
    # server.max_submissions_per_account (429 RATE_LIMITED), which is not what is tried here
    tokens = [await gateway.token() for _ in range(0, len(FILES), 16)]
    elapsed = await asyncio.gather(
        *(_expect_refusal(gateway, tokens[i // 16], path) for i, path in enumerate(FILES))
    )
    token = tokens[0]
    assert len(elapsed) == len(FILES)
    status, health = await gateway.get("/healthz", None)
    assert status == 200, health
    # and it still accepts a valid message afterwards
    status, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), token)
    assert status == 202, receipt


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        pytest.param(
            lambda lrn: f"{lrn[:5]}<!-- a comment in the signed LRN -->{lrn[5:]}",
            "SIGNATURE_PROFILE",
            id="comment",
        ),
        pytest.param(lambda lrn: f"<!--{lrn[:3]}-->{lrn}<!-- -->", "SIGNATURE_PROFILE", id="comments-around"),
        pytest.param(lambda lrn: f"{lrn[:5]}<![CDATA[{lrn[5:]}]]>", None, id="cdata-same-text"),
    ],
)
async def test_unsigned_markup_in_signed_text(gateway: Gateway, edit: Any, code: str | None) -> None:
    """CDATA is text to the canonicalization: the same text in a CDATA section is the same signed
    data, accepted with the whole value.  A comment is left out of the signature, so it could make a
    naive reader see part of a value: refused, though the digest would still match."""
    params = unique_params()
    lrn = params.reference
    body = signed_build("CC015C", params)
    plain = f"<LRN>{lrn}</LRN>".encode()
    assert body.count(plain) == 1
    edited = body.replace(plain, f"<LRN>{edit(lrn)}</LRN>".encode())
    token = await gateway.token()
    status, receipt, _ = await gateway.post(edited, token)
    if code is not None:
        assert (status, receipt["code"]) == (422, code)
        return
    assert status == 202, receipt
    assert receipt["lrn"] == lrn
    assert receipt["message_id"] == params.message_id
