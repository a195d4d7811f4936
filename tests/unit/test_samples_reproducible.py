"""The sample corpus is what its scripts build: rebuilding it changes no byte."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, SAMPLES


def snapshot() -> dict[str, bytes]:
    return {str(p.relative_to(SAMPLES)): p.read_bytes() for p in sorted(SAMPLES.rglob("*")) if p.is_file()}


def test_rebuilding_the_samples_changes_nothing() -> None:
    before = snapshot()
    subprocess.run(
        [sys.executable, str(SAMPLES / "build_samples.py")], cwd=ROOT, check=True, capture_output=True
    )
    after = snapshot()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == []
