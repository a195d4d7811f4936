"""``gateway registry ...`` run as a command, in a process of its own, against a real database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.config import DatabaseSettings
from gateway.core.domain import Sender
from tests.conftest import ROOT, SAMPLES

PDR_EXAMPLE = SAMPLES / "registry" / "pdr-example.csv"
SC_CERTIFICATE = sorted(p for p in (SAMPLES / "pki" / "sc" / "certs").glob("*.pem") if ".key." not in p.name)[
    0
]


def gateway(database_url: str, *words: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", "registry", *words],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def ok(database_url: str, *words: str, stdin: str | None = None) -> str:
    done = gateway(database_url, *words, stdin=stdin)
    assert done.returncode == 0, (words, done.stdout, done.stderr)
    return done.stdout


def as_json(database_url: str, *words: str, stdin: str | None = None) -> Any:
    return json.loads(ok(database_url, *words, "--json", stdin=stdin))


async def _authenticate(database_url: str, token: str) -> Sender:
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        return await AccountStore(session_factory(engine)).authenticate(token)
    finally:
        await engine.dispose()


def test_accounts_persons_podmioty_and_representations(empty_database_url: str) -> None:
    db = empty_database_url
    account = as_json(
        db, "account", "add", "ops@uc.test", "--operator", "--password-stdin", stdin="a long secret 1\n"
    )
    assert (account["login"], account["role"], account["level"]) == ("ops@uc.test", "operator", "basic")

    token = ok(db, "token", "ops@uc.test", "--days", "30", "--label", "ci")
    assert token.count("\n") == 1 and token.startswith("cgw_")  # TOKEN=$(gateway registry token x)
    sender = asyncio.run(_authenticate(db, token.strip()))
    assert (sender.login, sender.operator) == ("ops@uc.test", True)

    person = as_json(
        db, "person", "add", "--first-name", "Jan", "--surname", "TEST Kowalski", "--pesel", "44051401359"
    )
    assert person["id_sisc"] == "PL440514013590000"
    credential = as_json(db, "credential", "add", "44051401359", "sc", "--cert", str(SC_CERTIFICATE))
    fingerprint = (
        x509.load_pem_x509_certificate(SC_CERTIFICATE.read_bytes()).fingerprint(hashes.SHA256()).hex()
    )
    assert credential["fingerprint"] == fingerprint

    podmiot = as_json(
        db, "podmiot", "add", "--name", "TEST Spedycja", "--kind", "company", "--data-source", "KRS",
        "--nip", "5260250274", "--eori", "PL526025027400000", "--excise", "PL00000123AB4",
    )  # fmt: skip
    assert podmiot["identifiers"] == {"EORI": "PL526025027400000", "NIP": "5260250274"}
    assert podmiot["excise_numbers"] == ["PL00000123AB4"]

    granted = as_json(
        db, "grant", "44051401359", "5260250274", "--scope", "extended",
        "--system", "NCTS2", "AES", "--valid-from", "2024-05-01", "--actor", "officer@uc.test",
    )  # fmt: skip
    assert granted["systems"] == ["AES", "NCTS2"]
    assert granted["valid_from"] == "2024-05-01T00:00:00+00:00"
    assert granted["granted_by"] == "officer@uc.test"

    listed = as_json(db, "representation", "list", "--person", "44051401359")
    assert [r["id"] for r in listed] == [granted["id"]]
    assert as_json(db, "representation", "list", "--podmiot", "PL526025027400000") == listed

    changed = as_json(db, "representation", "change", str(granted["id"]), "--scope", "basic", "--system", "*")
    assert (changed["scope"], changed["systems"]) == ("basic", "all")

    plain = ok(db, "revoke", str(granted["id"]))
    assert plain.count("\n") == 1
    assert f"id={granted['id']}  " in plain and "  status=revoked  " in plain

    listed = as_json(db, "representation", "list")
    assert [(r["id"], r["status"]) for r in listed] == [(granted["id"], "revoked")]

    # errors: one line on standard error, exit 1
    for words, message in [
        (("person", "show", "00000000000"), "no person with ID SISC or PESEL 00000000000"),
        (("revoke", str(granted["id"])), "revoked already"),
        (("podmiot", "change", "5260250274", "--name", "TEST Inna"), "come from KRS"),
        (("approve", "no-such-application"), "no application no-such-application"),
        (("account", "add", "not-an-email"), "e-mail"),
    ]:
        done = gateway(db, *words)
        assert done.returncode == 1, (words, done.stdout, done.stderr)
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("gateway registry: "), done.stderr
        assert message in done.stderr

    # argparse refuses what is not of its kind
    done = gateway(db, "grant", "44051401359", "5260250274", "--scope", "basic", "--valid-to", "tomorrow")
    assert done.returncode == 2 and "valid-to" in done.stderr

    ok(db, "account", "add", "jan@example.test")
    attached = as_json(db, "account", "attach", "jan@example.test", "PL440514013590000")
    assert (attached["level"], attached["person"]) == ("advanced", "PL440514013590000")
    ok(db, "account", "password", "jan@example.test", "--password-stdin", stdin="another long secret\n")
    assert as_json(db, "account", "show", "jan@example.test")["password"] is True
    accounts = ok(db, "account", "list").splitlines()
    assert [line.split("  ")[1] for line in accounts] == ["login=ops@uc.test", "login=jan@example.test"]
    disabled = as_json(db, "account", "disable", "jan@example.test")
    assert disabled["status"] == "inactive"
    assert as_json(db, "revoke-tokens", "ops@uc.test") == {"login": "ops@uc.test", "revoked": 1}

    persons = as_json(db, "person", "list")
    assert [p["id_sisc"] for p in persons] == ["PL440514013590000"]
    assert as_json(db, "application", "list", "--status", "all") == []


def test_pdr_import_on_a_new_sqlite_file(tmp_path: Path) -> None:
    """A database file that does not exist yet is refused, naming it and the setting (an empty one
    made there would hide a wrong folder); made with ``gateway db upgrade``, the import runs."""
    db = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    lines = PDR_EXAMPLE.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("pesel,"))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join(
            [
                *lines[: header + 1],
                lines[header + 1].replace("44051401359", "44051401358", 1),
                lines[header + 4].replace(",person,", ",personal,"),
            ]
        )
        + "\n"
    )
    missing = gateway(db, "pdr", "import", str(bad))
    assert missing.returncode == 2
    assert str(tmp_path / "registry.db") in missing.stderr and "GATEWAY_DATABASE_URL" in missing.stderr
    assert not (tmp_path / "registry.db").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    upgraded = subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", "db", "upgrade"],
        env={**env, "GATEWAY_DATABASE_URL": db},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    done = gateway(db, "pdr", "import", str(bad))
    assert done.returncode == 1, done.stdout
    errors = done.stderr.splitlines()
    assert len(errors) >= 2
    assert all(line.startswith("gateway registry: line ") for line in errors)
    assert any(f"line {header + 2}, column pesel: " in line for line in errors)
    assert any(f"line {header + 3}, column podmiot_kind: " in line for line in errors)
    assert as_json(db, "person", "list") == []  # nothing was imported

    counts = as_json(db, "pdr", "import", str(PDR_EXAMPLE))
    assert counts == {"persons": 4, "credentials": 3, "podmioty": 3, "representations": 5}
    migrated = as_json(db, "person", "show", "44051401359")
    assert migrated["status"] == "migrated"
    assert len(migrated["representations"]) == 2

    ok(db, "account", "add", "jan@example.test")
    linked = as_json(
        db, "account", "link", "jan@example.test", "--pesel", "44051401359", "--code", "K7Q2-M9XD-4TLP"
    )
    assert (linked["level"], linked["person"]) == ("advanced", "PL440514013590000")
    assert as_json(db, "person", "show", "PL440514013590000")["status"] == "active"
