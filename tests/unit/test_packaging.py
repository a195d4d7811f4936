"""What an installed gateway needs besides its code: the samples' test PKI travels in the package."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

from gateway.channels.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_sample_pki_is_package_data_marked_as_test_keys() -> None:
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["gateway"]
    assert "demo/sample_pki/**/*" in package_data
    assert (ROOT / "samples" / "pki").resolve() == (ROOT / "gateway" / "demo" / "sample_pki")
    assert "TEST KEYS" in (ROOT / "gateway" / "demo" / "sample_pki" / "README.md").read_text(encoding="utf-8")


def test_pki_dir_prints_the_packaged_pki(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples", "pki-dir"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert (printed / "INDEX.toml").is_file() and (printed / "sc" / "ca.pem").is_file()


def test_pki_dir_copies_to_a_new_folder_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "pki"
    assert main(["samples", "pki-dir", "--copy-to", str(copy)]) == 0
    assert Path(capsys.readouterr().out.strip()) == copy.resolve()
    assert (copy / "INDEX.toml").is_file() and (copy / "sc" / "ca.key.pem").is_file()
    assert main(["samples", "pki-dir", "--copy-to", str(copy)]) == 2
    assert "exists" in capsys.readouterr().err


def test_unit_tests_may_not_reach_a_service() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="5432"):
        sock.connect(("127.0.0.1", 5432))
    with socket.socket() as sock, pytest.raises(AssertionError, match="another host"):
        sock.connect(("192.0.2.1", 80))


def test_every_unit_test_is_marked_unit(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("unit") is not None
