"""The command line explains itself: every argument of every command has help text, ``--help``
names where settings come from, and ``--version`` tells the installed version."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib.metadata import version

import pytest

from gateway.channels.cli.main import _parser, main


def _commands(
    parser: argparse.ArgumentParser, path: str = "gateway"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, f"{path} {name}")


def test_every_argument_of_every_command_has_help() -> None:
    missing = [
        f"{path} {'/'.join(action.option_strings) or action.dest}"
        for path, parser in _commands(_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()
    ]
    assert missing == []


def test_the_walk_reaches_the_commands() -> None:
    paths = {path for path, _ in _commands(_parser())}
    expected = {
        "gateway serve",
        "gateway check",
        "gateway replay",
        "gateway registry token",
        "gateway samples generate",
        "gateway pki sign",
        "gateway simulate",
        "gateway outbox requeue",
    }
    assert expected <= paths


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"gateway {version('customs-gateway')}"


def test_help_names_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    said = capsys.readouterr().out
    assert "GATEWAY_CONFIG" in said
    assert "GATEWAY_<SECTION>_<KEY>" in said
    assert "GATEWAY_DATABASE_URL" in said
