"""``gateway registry account password`` (SPEC.md section 5) and ``gateway registry push``, as an
operator runs them, against a real database."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.webservice import WebServiceAccounts
from gateway.config import DatabaseSettings
from gateway.core.passwords import verify_secret
from gateway.core.seap.secretbox import SecretBox
from tests.integration.test_registry_cli import as_json, gateway

LOGIN = "trader@example.test"


def keyed(folder: Path) -> tuple[str, str]:
    """``--config FILE`` of a configuration with a PasswordDigest key."""
    key = folder / "digest.key"
    key.write_text(base64.b64encode(os.urandom(32)).decode())
    config = folder / "gateway.toml"
    config.write_text(f'[seap]\ndigest_key = "{key.name}"\n')
    return "--config", str(config)


async def check(database_url: str, password: str, box: SecretBox | None) -> tuple[int | None, str | None]:
    """The account id if ``password`` is its password, and its unsealed PasswordDigest secret."""
    engine = create_engine(DatabaseSettings(url=database_url))
    try:
        sessions = session_factory(engine)
        found = await WebServiceAccounts(sessions, box).find(LOGIN)
        assert found is not None
        matches = verify_secret(password, found.password_hash)
        return (found.id if matches else None), found.digest_password
    finally:
        await engine.dispose()


def test_web_service_passwords_and_push_endpoints(empty_database_url: str, tmp_path: Path) -> None:
    db = empty_database_url
    as_json(db, "account", "add", LOGIN)

    generated = as_json(db, "account", "password", LOGIN)
    password = generated["generated_password"]
    assert len(password) >= 20 and generated["password_digest"] is False
    assert asyncio.run(check(db, password, None))[0] is not None

    refused = gateway(db, "account", "password", LOGIN, "--digest")
    assert refused.returncode == 1 and "digest_key" in refused.stderr

    config = keyed(tmp_path)
    box = SecretBox.from_text((tmp_path / "digest.key").read_text())
    words = ("account", "password", LOGIN, "--digest", "--password-stdin")
    given = as_json(db, *config, *words, stdin="a given long secret\n")
    assert (given["generated_password"], given["password_digest"]) == (None, True)
    account_id, sealed = asyncio.run(check(db, "a given long secret", box))
    assert account_id is not None and sealed == "a given long secret"
    # set again without --digest: the sealed copy goes
    as_json(db, *config, "account", "password", LOGIN, "--password-stdin", stdin="another long secret\n")
    assert asyncio.run(check(db, "another long secret", box))[1] is None

    endpoint = as_json(db, "push", "set", LOGIN, "https://trader.example.test/push")
    assert endpoint["url"] == "https://trader.example.test/push"
    assert as_json(db, "push", "deliveries", "--login", LOGIN) == []
    bad = gateway(db, "push", "set", LOGIN, "ftp://trader.example.test/")
    assert bad.returncode == 1 and "http" in bad.stderr
    assert as_json(db, "push", "remove", LOGIN)["removed"] is True
