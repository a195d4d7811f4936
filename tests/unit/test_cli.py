"""The command line's handling of mistakes: one clear line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.channels.cli.main import _take_config, main


def test_config_is_taken_before_or_after_the_command() -> None:
    assert _take_config(["--config", "a.toml", "serve"]) == (Path("a.toml"), ["serve"])
    assert _take_config(["serve", "--config", "a.toml", "--port", "1"]) == (
        Path("a.toml"),
        ["serve", "--port", "1"],
    )
    assert _take_config(["check", "--config=b.toml", "x.xml"]) == (Path("b.toml"), ["check", "x.xml"])
    assert _take_config(["check", "x.xml"]) == (None, ["check", "x.xml"])


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["check", "/nonexistent/message.xml"], "No such file"),
        (["samples", "generate", "CC999C"], "no sample builder for CC999C"),
        (["samples", "generate", "CC015C", "--size", "lots"], "lots"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("gateway: ") and said in error
    assert "Traceback" not in error


def test_a_broken_configuration_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "gateway.toml"
    broken.write_text("port = \n", encoding="utf-8")
    assert main(["serve", "--config", str(broken)]) == 2
    assert str(broken) in capsys.readouterr().err


def test_an_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err.startswith("gateway: ")
