"""Every command with ``--json`` tells its errors as JSON on standard output, with the SPEC.md
section 2 code, and exits non-zero (SPEC.md section 4), against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SAMPLES


def gateway(database_url: str, *words: str) -> tuple[int, Any, str]:
    """Exit code, standard output as JSON, standard error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", *words, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


def test_a_refused_registry_change_is_told_with_its_code(empty_database_url: str) -> None:
    db = empty_database_url
    code, added, _ = gateway(
        db, "registry", "podmiot", "add", "--name", "TEST Spedycja", "--kind", "company",
        "--data-source", "KRS", "--nip", "5260250274",
    )  # fmt: skip
    assert code == 0, added

    code, error, stderr = gateway(db, "registry", "podmiot", "change", "5260250274", "--name", "Other")
    assert code == 1
    assert error["code"] == "REGISTRY_FIELD_EXTERNAL" and error["message"], error
    assert stderr == ""

    code, error, _ = gateway(db, "registry", "token", "nobody@example.com")
    assert code == 1
    assert error["code"] == "REGISTRY_NOT_FOUND" and "nobody@example.com" in error["message"]

    code, error, _ = gateway(
        db,
        "registry",
        "podmiot",
        "add",
        "--name",
        "TEST Spedycja",
        "--kind",
        "company",
        "--nip",
        "5260250274",
    )
    assert code == 1 and error["code"] == "REGISTRY_CONFLICT"


def test_a_pdr_file_with_errors_lists_them_all(empty_database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "pdr.csv"
    example = (SAMPLES / "registry" / "pdr-example.csv").read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([example[0], "x;y;z", "a;b;c"]) + "\n", encoding="utf-8")
    code, error, _ = gateway(empty_database_url, "registry", "pdr", "import", str(broken))
    assert code == 1
    assert error["code"].startswith("REGISTRY_") or error["code"] == "BAD_REQUEST", error
    assert len(error["errors"]) >= 2 and all(e["line"] for e in error["errors"])


def test_other_commands_tell_errors_as_json_too(empty_database_url: str, tmp_path: Path) -> None:
    code, error, _ = gateway(empty_database_url, "check", str(tmp_path / "missing.xml"))
    assert (code, error["code"]) == (2, "INVALID_PARAMETER")
    assert str(tmp_path / "missing.xml") in error["message"]

    code, error, _ = gateway(
        empty_database_url, "outbox", "requeue", "--all", "--config", str(tmp_path / "no.toml")
    )
    assert (code, error["code"]) == (2, "INVALID_PARAMETER")

    code, error, _ = gateway(
        empty_database_url, "pki", "sign", str(SAMPLES / "pki"), "--kind", "sc", "--serial", "00",
        str(SAMPLES / "valid" / "NCTS2" / "CC015C.xml"),
    )  # fmt: skip
    assert code == 1 and error["code"] == "INVALID_PARAMETER" and error["message"]

    code, error, _ = gateway("postgresql+asyncpg://postgres@127.0.0.1:1/none", "registry", "person", "list")
    assert code == 2 and error["code"] == "UNAVAILABLE"
