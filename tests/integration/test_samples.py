"""The sample corpus through the real HTTP API, on both databases.

``samples/valid/**`` must be accepted.  ``samples/errors/<CODE>/*.xml`` must be refused with that
code and its HTTP status; ``samples/errors/<CODE>/expected.toml`` names, per file, the errors with
their positions (every listed key must match; a file listed there must give exactly that many
errors) and files to send first (``before``, relative to the folder), e.g. the original of a
duplicate conflict.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gateway.core.errors import error_class_for
from tests.conftest import SAMPLES, Gateway

VALID = sorted((SAMPLES / "valid").rglob("*.xml"))
ERROR_FOLDERS = sorted(p for p in (SAMPLES / "errors").iterdir() if p.is_dir())
ERROR_SAMPLES = [path for folder in ERROR_FOLDERS for path in sorted(folder.glob("*.xml"))]


def expectations(folder: Path) -> dict[str, dict[str, object]]:
    manifest = folder / "expected.toml"
    return tomllib.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else {}


def test_the_corpus_is_there() -> None:
    assert len(VALID) >= 13
    codes = {folder.name for folder in ERROR_FOLDERS}
    covered = {
        "XML_MALFORMED",
        "XML_FORBIDDEN",
        "SCHEMA_UNKNOWN",
        "SCHEMA_NOT_INBOUND",
        "SCHEMA_VERSION_INACTIVE",
        "SCHEMA_INVALID",
        "SYSTEM_LEGACY_CHANNEL",
        "DUPLICATE_CONFLICT",
    }
    assert covered <= codes
    for folder in ERROR_FOLDERS:
        error_class_for(folder.name)  # every folder is named after a real code
        assert list(folder.glob("*.xml")), folder


@pytest.mark.parametrize("path", VALID, ids=[str(p.relative_to(SAMPLES)) for p in VALID])
async def test_valid_sample_is_accepted(gateway: Gateway, path: Path) -> None:
    token = await gateway.token()
    status, receipt, _ = await gateway.post(path.read_bytes(), token)
    assert status == 202, receipt
    assert receipt["system"] == path.parent.name
    assert receipt["message_type"] == path.name.split("-")[0].split(".")[0]
    assert receipt["message_id"]
    assert receipt["acting_for"]


@pytest.mark.parametrize("path", ERROR_SAMPLES, ids=[str(p.relative_to(SAMPLES)) for p in ERROR_SAMPLES])
async def test_error_sample_gives_its_code_status_and_positions(gateway: Gateway, path: Path) -> None:
    code = path.parent.name
    spec = expectations(path.parent)[path.name]  # every refusal sample states its errors
    token = await gateway.token()
    for name in spec.get("before", []):  # type: ignore[attr-defined]
        status, receipt, _ = await gateway.post((path.parent / name).read_bytes(), token)
        assert status in (200, 202), receipt
    status, problem, headers = await gateway.post(path.read_bytes(), token)
    assert status == error_class_for(code).status, problem
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["errors"], "every refusal lists its errors"
    for error in problem["errors"]:
        assert set(error) == {"code", "message", "line", "column", "path"}
        assert error["code"] == code
        assert error["message"]
    expected = spec["errors"]
    assert isinstance(expected, list)
    assert len(problem["errors"]) == len(expected), problem["errors"]
    for want, got in zip(expected, problem["errors"], strict=True):
        assert {k: got[k] for k in want} == want, got
    stored = error_class_for(code).store_rejected
    assert ("reference" in problem) is stored
    if stored:
        _, document = await gateway.get(f"/api/v1/documents/{problem['reference']}", token)
        assert document["status"] == "rejected"
        assert document["errors"] == problem["errors"]


async def test_replay_over_the_whole_corpus_meets_every_expectation(gateway: Gateway) -> None:
    """``gateway replay`` is what testers run: over samples/ it finds nothing unexpected."""
    from gateway.channels.cli.replay import replay

    token = await gateway.token()
    corpus = [SAMPLES / folder for folder in ("valid", "errors", "attacks") if (SAMPLES / folder).is_dir()]
    assert await replay(corpus, gateway.url, token, 4, False, True) == 0
    # a second pass: the accepted ones are now resends (200), the refusals the same as before
    assert await replay(corpus, gateway.url, token, 4, False, True) == 0
