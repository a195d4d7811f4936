"""The independent verifier: the ``xmlsec1`` command of Debian's xmlsec1 package (not our code).

It must be installed (Debian: ``apt-get install xmlsec1``; ``.ci/run`` installs it): a missing
verifier fails the tests, in CI and everywhere else; they never skip.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"


def xmlsec1() -> str:
    found = shutil.which("xmlsec1")
    if found is None:
        pytest.fail("xmlsec1 is required (Debian: apt-get install xmlsec1; .ci/run installs it)")
    return found


def xmlsec_verify(receipt: bytes, *, pinned: Path | None = None, trusted: Path | None = None) -> bool:
    """Whether xmlsec1 verifies ``receipt``: with the key of the ``pinned`` certificate only (the
    KeyInfo is then ignored), or with the KeyInfo certificate checked up to the ``trusted`` CA."""
    command = [xmlsec1(), "--verify", "--id-attr:Id", f"{XADES_NS}:SignedProperties"]
    if pinned is not None:
        command += ["--enabled-key-data", "key-name", "--pubkey-cert-pem", str(pinned)]
    if trusted is not None:
        command += ["--trusted-pem", str(trusted)]
    with tempfile.NamedTemporaryFile(suffix=".xml") as file:
        file.write(receipt)
        file.flush()
        result = subprocess.run([*command, file.name], capture_output=True, text=True, timeout=60)
    if result.returncode not in (0, 1):
        raise AssertionError(f"xmlsec1 failed to run: {result.stderr}")
    return result.returncode == 0 and "FAIL" not in result.stdout + result.stderr
