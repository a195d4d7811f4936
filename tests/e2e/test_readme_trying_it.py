"""README.md's "Trying it" runs as pasted: its sh blocks, in order, in one shell started in the clone,
against the real RabbitMQ (a vhost of this run's own) and SQLite, on a port of the test's choosing;
every command must succeed and the clone must be left as it was."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
_SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def trying_it_script(readme: str) -> str:
    """The fenced sh blocks of the "Trying it" section, in order."""
    section = readme.split("\n## Trying it\n", 1)[1].split("\n## ", 1)[0]
    blocks = _SH_BLOCK.findall(section)
    assert blocks, "README's Trying it has no sh block"
    return "\n".join(blocks)


def _status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_the_script_is_the_sections_blocks() -> None:
    script = trying_it_script((ROOT / "README.md").read_text(encoding="utf-8"))
    assert script.startswith(". .venv/bin/activate")
    assert "gateway upo verify" in script and script.rstrip().endswith('rm -rf "$WORK"')


def test_trying_it_runs_as_pasted_and_leaves_the_clone_clean(amqp_url: str) -> None:
    if shutil.which("curl") is None:
        pytest.fail("curl is needed: README's Trying it talks HTTP with it")
    if not (ROOT / ".venv" / "bin" / "activate").is_file():
        pytest.fail("README's Trying it runs in a clone with .venv made by its set-up commands")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.fail("the clean-clone check needs git and a clone")
    script = trying_it_script((ROOT / "README.md").read_text(encoding="utf-8"))
    before = _status()
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("GATEWAY_", "VIRTUAL_ENV"))
    }
    environment |= {"PORT": str(free_port()), "GATEWAY_AMQP_URL": amqp_url}
    ran = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, f"exit {ran.returncode}\n{ran.stdout[-4000:]}\n{ran.stderr[-4000:]}"
    assert "valid UPO" in ran.stdout
    assert _status() == before, "README's Trying it left files in the clone"
