"""What the interoperability tests share: the signers' tools, a test PKI with RSA and EC signers, the
unsigned message, the shapes a document may arrive in, and the gateway's verdict on a signed file.

The third-party tools (xmlsec1, openssl, perl, node and the npm packages of tests/interop/node) must
be installed (.ci/run does it): a missing one fails the test, it never skips.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.config import SignatureSettings
from gateway.core.domain import Verdict
from gateway.demo.pki.store import PkiDirectory
from gateway.demo.samplegen.signing import SAMPLE_PKI, strip_signature
from tests.conftest import ROOT, SAMPLES
from tests.support.checks import SettledChecks, settled_checks

NODE_FOLDER = ROOT / "tests" / "interop" / "node"
#: the person behind every signer of the interop PKI (samples/pki's sc-person)
PESEL = "44051401359"
BOM = b"\xef\xbb\xbf"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is required for the interoperability tests (.ci/run installs it)", pytrace=False)
    return found


def node_modules() -> Path:
    require_tool("node")
    installed = NODE_FOLDER / "node_modules"
    if not (installed / "xadesjs").is_dir():
        pytest.fail(
            f"the npm packages of {NODE_FOLDER.relative_to(ROOT)} are not installed: "
            "run `npm ci --prefix tests/interop/node` (.ci/run does)",
            pytrace=False,
        )
    return installed


def run_script(folder: Path, *command: str) -> None:
    """Runs a recipe's command in ``folder``; the project's Python first on PATH (for python3)."""
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        command, cwd=folder, env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def run_shell(folder: Path, script: str = "sign.sh") -> None:
    require_tool("bash")
    run_script(folder, "bash", "-eu", "-o", "pipefail", script)


@dataclass(frozen=True)
class Signer:
    certificate: Path
    key: Path


@dataclass(frozen=True)
class InteropPki:
    """A copy of samples/pki, with EC signers issued by its SC CA for the same person."""

    folder: Path
    ca: Path
    signers: dict[str, Signer]


def make_interop_pki(folder: Path) -> InteropPki:
    shutil.copytree(SAMPLE_PKI, folder)
    index = tomllib.loads((folder / "INDEX.toml").read_text(encoding="utf-8"))["sc-person"]
    signers = {"rsa": Signer(folder / index["cert"], folder / index["key"])}
    directory = PkiDirectory(folder)
    keys = folder / "interop-signers"
    keys.mkdir()
    for name, curve in (("ec256", ec.SECP256R1()), ("ec384", ec.SECP384R1())):
        key = ec.generate_private_key(curve)
        request = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Jan Kowalski")]))
            .sign(key, hashes.SHA256())
        )
        authority = directory.authority("sc")
        issued = authority.issue("Jan Kowalski", pesel=PESEL, csr=request, days=30)
        directory.save(authority)
        certificate, key_file = keys / f"{name}.pem", keys / f"{name}.key.pem"
        certificate.write_bytes(issued.certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        signers[name] = Signer(certificate, key_file)
    return InteropPki(folder, folder / "sc" / "ca.pem", signers)


def gateway_checks(pki: InteropPki) -> SettledChecks:
    """The gateway's checks as a server runs them, trusting the interop PKI."""
    return settled_checks(SignatureSettings(pki_dir=pki.folder))


def unsigned_message() -> bytes:
    """A valid sample without its signature (its own sc-person signer signs it again)."""
    return strip_signature((SAMPLES / "valid" / "NCTS2" / "CC015C.xml").read_bytes())


def workspace(folder: Path, pki: InteropPki, message: bytes, signer: str = "rsa") -> Path:
    """A recipe's folder: message.xml, signer.pem, signer.key.pem, ca.pem."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "message.xml").write_bytes(message)
    shutil.copyfile(pki.signers[signer].certificate, folder / "signer.pem")
    shutil.copyfile(pki.signers[signer].key, folder / "signer.key.pem")
    shutil.copyfile(pki.ca, folder / "ca.pem")
    return folder


def verdict_on(body: bytes, checks: SettledChecks) -> Verdict:
    return checks.verdict(body, datetime.now(UTC))


def assert_accepted(body: bytes, checks: SettledChecks) -> Verdict:
    verdict = verdict_on(body, checks)
    assert verdict.refusal is None, [error.message for error in verdict.errors]
    assert verdict.signer is not None and (verdict.signer.kind, verdict.signer.person) == ("sc", PESEL)
    assert verdict.envelope is not None and verdict.envelope.message_id == "NCTS2-CC015C-0001"
    return verdict


# -- the shapes a document may arrive in: each is applied to the message before signing and to the
# signed file before the gateway sees it (a signer may re-serialise; a transport may add a BOM or
# rewrite line ends), and each must be accepted ---------------------------------------------------

Shape = Callable[[bytes], bytes]


def as_is(body: bytes) -> bytes:
    return body


def with_declaration(body: bytes) -> bytes:
    return body if body.removeprefix(BOM).startswith(b"<?xml ") else DECLARATION + b"\n" + body


def without_declaration(body: bytes) -> bytes:
    return re.sub(rb"\A(\xef\xbb\xbf)?<\?xml [^>]*\?>\s*", rb"\1", body)


def with_bom(body: bytes) -> bytes:
    return body if body.startswith(BOM) else BOM + body


def with_crlf(body: bytes) -> bytes:
    return body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


SHAPES: dict[str, Shape] = {
    "declaration": with_declaration,
    "no-declaration": without_declaration,
    "bom": with_bom,
    "crlf": with_crlf,
}


def has_shape(name: str, body: bytes) -> bool:
    checks = {
        "declaration": body.removeprefix(BOM).startswith(b"<?xml "),
        "no-declaration": not body.removeprefix(BOM).startswith(b"<?xml"),
        "bom": body.startswith(BOM),
        "crlf": b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b""),
    }
    return checks[name]
