"""gateway.config: defaults, the TOML file, environment overrides, refusals, immutability."""

from __future__ import annotations

import dataclasses
import re
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


# --- the README's defaults, the environment's names, database URLs, logs (issue 15) ------------

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_defaults() -> str:
    """The TOML block of README.md's Configuration section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :]
    start = section.index("```toml\n") + len("```toml\n")
    return section[start : section.index("```", start)]


def test_the_readme_defaults_block_saved_as_a_file_is_the_defaults(tmp_path: Path) -> None:
    config = write(tmp_path / "gateway.toml", readme_defaults())
    assert load_settings(config, environ={}) == Settings()


def test_the_readme_defaults_block_names_every_key() -> None:
    block, defaults = readme_defaults(), Settings()
    for section in dataclasses.fields(defaults):
        assert f"[{section.name}]" in block, section.name
        for key in dataclasses.fields(getattr(defaults, section.name)):
            # a key commented out is a default that cannot be written (a file inside the package)
            assert re.search(rf"^#? ?{key.name} = ", block, re.MULTILINE), f"{section.name}.{key.name}"


def test_a_misspelled_setting_variable_is_refused_with_the_closest_name() -> None:
    with pytest.raises(ConfigError, match=r"GATEWAY_DATABASE_URI.*GATEWAY_DATABASE_URL"):
        load_settings(None, environ={"GATEWAY_DATABASE_URI": "postgresql://db/gw"})


def test_a_misspelled_section_in_a_variable_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"GATEWAY_DATABSE_URL.*GATEWAY_DATABASE_URL"):
        load_settings(None, environ={"GATEWAY_DATABSE_URL": "postgresql://db/gw"})


def test_other_gateway_variables_far_from_any_setting_are_left_alone() -> None:
    settings = load_settings(None, environ={"GATEWAY_SHARED_DIR": "/x", "GATEWAY_URL": "http://h"})
    assert settings == Settings()


def test_an_unknown_key_of_the_file_is_told_with_the_closest_name(tmp_path: Path) -> None:
    config = write(tmp_path / "gateway.toml", '[database]\nuri = "x"\n')
    with pytest.raises(ConfigError, match=r"uri \(did you mean url\?\)"):
        load_settings(config, environ={})


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://gw@db:5432/gw", "postgresql+asyncpg://gw@db:5432/gw"),
        ("postgres://gw@db/gw", "postgresql+asyncpg://gw@db/gw"),
        ("postgresql+asyncpg://gw@db/gw", "postgresql+asyncpg://gw@db/gw"),
        ("sqlite:///gw.db", "sqlite+aiosqlite:///gw.db"),
    ],
)
def test_a_database_url_without_a_driver_uses_the_asynchronous_one(given: str, used: str) -> None:
    assert load_settings(None, environ={"GATEWAY_DATABASE_URL": given}).database.url == used


def test_log_settings_from_the_environment() -> None:
    settings = load_settings(None, environ={"GATEWAY_LOG_FORMAT": "json", "GATEWAY_LOG_LEVEL": "debug"})
    assert (settings.log.format, settings.log.level) == ("json", "DEBUG")
    with pytest.raises(ConfigError, match=r"log\.format"):
        load_settings(None, environ={"GATEWAY_LOG_FORMAT": "xml"})
