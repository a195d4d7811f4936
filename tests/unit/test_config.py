"""gateway.config: defaults, the TOML file, environment overrides, refusals, immutability."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gateway.config import (
    ConfigError,
    ParsingSettings,
    Settings,
    load_settings,
    packaged,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_without_file_or_environment() -> None:
    settings = load_settings(None, environ={})
    assert settings == Settings()
    # The contract of SPEC.md section 2: 127.0.0.1:8080, 15 MiB bodies.
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.server.max_body_bytes == 15 * 1024 * 1024
    assert settings.amqp.enabled is True
    assert settings.catalog.paths == (packaged("sxml"),)
    assert isinstance(settings.parsing, ParsingSettings)


def test_gateway_config_variable_names_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "gw.toml", '[database]\nurl = "sqlite+aiosqlite:///from-env-file.db"\n')
    settings = load_settings(None, environ={"GATEWAY_CONFIG": str(config)})
    assert settings.database.url == "sqlite+aiosqlite:///from-env-file.db"


# --- the TOML file ----------------------------------------------------------------------------


def test_toml_values_are_used_and_others_keep_their_defaults(tmp_path: Path) -> None:
    config = write(
        tmp_path / "gateway.toml",
        """
[server]
host = "0.0.0.0"
port = 9090

[database]
url = "postgresql+asyncpg://db/gw"
echo = true

[amqp]
enabled = false
confirm_timeout_seconds = 2.5

[parsing]
max_depth = 12
""",
    )
    settings = load_settings(config, environ={})
    assert settings.server.host == "0.0.0.0"
    assert settings.server.port == 9090
    assert settings.server.max_body_bytes == 15 * 1024 * 1024  # untouched default
    assert settings.database.url == "postgresql+asyncpg://db/gw"
    assert settings.database.echo is True
    assert settings.amqp.enabled is False
    assert settings.amqp.confirm_timeout_seconds == 2.5
    assert settings.amqp.url == Settings().amqp.url
    assert settings.parsing.max_depth == 12
    assert settings.parsing.max_elements == ParsingSettings().max_elements


def test_catalog_paths_are_relative_to_the_toml_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf_dir = tmp_path / "etc" / "gateway"
    conf_dir.mkdir(parents=True)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working folder must not matter
    absolute = tmp_path / "abs-schemas"
    config = write(
        conf_dir / "gateway.toml",
        f'[catalog]\npaths = ["schemas/sxml", "../shared-schemas", "{absolute.as_posix()}"]\n',
    )
    settings = load_settings(config, environ={})
    assert settings.catalog.paths == (
        (conf_dir / "schemas" / "sxml").resolve(),
        (tmp_path / "etc" / "shared-schemas").resolve(),
        absolute.resolve(),
    )
    assert all(p.is_absolute() for p in settings.catalog.paths)


def test_unreadable_or_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "missing.toml", environ={})
    broken = write(tmp_path / "broken.toml", "[server\nport = 1\n")
    with pytest.raises(ConfigError, match=r"broken\.toml"):
        load_settings(broken, environ={})


# --- environment overrides --------------------------------------------------------------------


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = write(
        tmp_path / "gateway.toml",
        '[database]\nurl = "sqlite+aiosqlite:///file.db"\n'
        '[amqp]\nurl = "amqp://file/"\n[server]\nport = 9000\n',
    )
    env = {
        "GATEWAY_DATABASE_URL": "postgresql+asyncpg://env/gw",
        "GATEWAY_AMQP_URL": "amqp://env-host:5672/vh",
        "GATEWAY_SERVER_PORT": "8181",
    }
    settings = load_settings(config, environ=env)
    assert settings.database.url == "postgresql+asyncpg://env/gw"
    assert settings.amqp.url == "amqp://env-host:5672/vh"
    assert settings.server.port == 8181
    assert isinstance(settings.server.port, int)  # coerced, not the string "8181"


def test_environment_overrides_without_a_file() -> None:
    settings = load_settings(None, environ={"GATEWAY_DATABASE_URL": "sqlite+aiosqlite:///x.db"})
    assert settings.database.url == "sqlite+aiosqlite:///x.db"
    assert settings.amqp.url == Settings().amqp.url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("true", True),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("on", True),
    ],
)
def test_boolean_environment_values(raw: str, expected: bool) -> None:
    settings = load_settings(None, environ={"GATEWAY_AMQP_ENABLED": raw})
    assert settings.amqp.enabled is expected


def test_float_environment_value_is_coerced() -> None:
    settings = load_settings(None, environ={"GATEWAY_RELAY_POLL_SECONDS": "0.25"})
    assert settings.relay.poll_seconds == 0.25
    assert isinstance(settings.relay.poll_seconds, float)


def test_bad_boolean_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"amqp\.enabled"):
        load_settings(None, environ={"GATEWAY_AMQP_ENABLED": "maybe"})


def test_catalog_paths_from_environment(tmp_path: Path) -> None:
    import os

    config = write(tmp_path / "gateway.toml", "")
    value = os.pathsep.join(["one", str(tmp_path / "two")])
    settings = load_settings(config, environ={"GATEWAY_CATALOG_PATHS": value})
    assert settings.catalog.paths == ((tmp_path / "one").resolve(), (tmp_path / "two").resolve())


# --- refusals ---------------------------------------------------------------------------------


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "gateway.toml", '[database]\nurl = "x"\nurll = "typo"\n')
    with pytest.raises(ConfigError, match="urll"):
        load_settings(config, environ={})


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    # A misspelt section would otherwise silently leave every one of its keys at the default.
    config = write(tmp_path / "gateway.toml", '[databse]\nurl = "postgresql+asyncpg://db/gw"\n')
    with pytest.raises(ConfigError, match="databse"):
        load_settings(config, environ={})


@pytest.mark.parametrize("raw", ["eighty", "80.5", "", "8080x"])
def test_bad_int_from_environment_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(None, environ={"GATEWAY_SERVER_PORT": raw})


def test_bad_int_from_file_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path / "gateway.toml", '[server]\nport = "eighty"\n')
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(config, environ={})


# --- replace and immutability -----------------------------------------------------------------


def test_replace_changes_only_the_named_keys() -> None:
    original = Settings()
    changed = original.replace(database={"url": "sqlite+aiosqlite:///other.db"}, server={"port": 1234})
    assert changed.database.url == "sqlite+aiosqlite:///other.db"
    assert changed.server.port == 1234
    # the rest of those sections and the other sections are kept
    assert changed.database.pool_size == original.database.pool_size
    assert changed.server.host == original.server.host
    assert changed.amqp == original.amqp
    # the original is not touched
    assert original.database.url == "sqlite+aiosqlite:///gateway.db"
    assert original.server.port == 8080


def test_replace_refuses_unknown_keys() -> None:
    with pytest.raises(TypeError):
        Settings().replace(database={"nope": 1})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.server = settings.server  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.server.port = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.database.url = "x"  # type: ignore[misc]


@pytest.mark.parametrize("raw", ["8080.5", "true"])
def test_non_integer_toml_value_for_an_int_is_refused(tmp_path: Path, raw: str) -> None:
    # int(8080.5) == 8080 and int(True) == 1: both would silently start on a port nobody asked for.
    config = write(tmp_path / "gateway.toml", f"[server]\nport = {raw}\n")
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(config, environ={})
