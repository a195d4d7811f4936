"""Documents signed by xadesjs (Node), with the script of docs/signing.md, are accepted.

Each case runs that script with other options (canonicalization, hash, key, SigningCertificate form,
KeyInfo order), or signs the message in another shape (declaration, byte-order mark, CRLF).
xadesjs writes the Signature with the ``ds`` prefix only; the unprefixed case is xmlsec1's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.interop.recipes import recipe
from tests.interop.support import (
    SHAPES,
    InteropPki,
    Shape,
    as_is,
    assert_accepted,
    has_shape,
    node_modules,
    run_script,
    unsigned_message,
    workspace,
)
from tests.support.checks import SettledChecks

MORE = "http://www.w3.org/2001/04/xmldsig-more#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
KEYINFO = ["--keyinfo", "signer.pem", "--keyinfo", "ca.pem"]


@dataclass(frozen=True)
class Case:
    name: str
    options: list[str] = field(default_factory=list)
    signer: str = "rsa"
    method: str = MORE + "rsa-sha256"
    c14n: str = EXC_C14N
    signing_certificate_v1: bool = False
    keyinfo: list[str] = field(default_factory=lambda: KEYINFO)
    shape: Shape = as_is
    shape_name: str | None = None


def shaped(name: str) -> Case:
    return Case(f"shape-{name}", shape=SHAPES[name], shape_name=name)


CASES = [
    Case("defaults"),
    Case("c14n-1.0-inclusive", ["--c14n", "c14n"], c14n=C14N_10),
    Case("rsa-sha384", ["--hash", "SHA-384"], method=MORE + "rsa-sha384"),
    Case("rsa-sha512", ["--hash", "SHA-512"], method=MORE + "rsa-sha512"),
    Case("ecdsa-p256-sha256", signer="ec256", method=MORE + "ecdsa-sha256"),
    Case("ecdsa-p384-sha384", ["--hash", "SHA-384"], signer="ec384", method=MORE + "ecdsa-sha384"),
    Case(
        "ecdsa-p384-sha512-inclusive",
        ["--hash", "SHA-512", "--c14n", "c14n"],
        signer="ec384",
        method=MORE + "ecdsa-sha512",
        c14n=C14N_10,
    ),
    Case("signing-certificate-v1", ["--signing-certificate", "v1"], signing_certificate_v1=True),
    Case(
        "signing-certificate-v1-ecdsa-sha384",
        ["--signing-certificate", "v1", "--hash", "SHA-384"],
        signer="ec256",
        method=MORE + "ecdsa-sha384",
        signing_certificate_v1=True,
    ),
    Case("ca-first-in-keyinfo", keyinfo=["--keyinfo", "ca.pem", "--keyinfo", "signer.pem"]),
    Case("signing-certificate-only-in-keyinfo", keyinfo=[]),
    *(shaped(name) for name in SHAPES),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_signed_by_xadesjs_is_accepted(
    case: Case, tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    folder = workspace(tmp_path, interop_pki, case.shape(unsigned_message()), case.signer)
    (folder / "node_modules").symlink_to(node_modules(), target_is_directory=True)
    recipe("xadesjs").write(folder)
    run_script(
        folder,
        "node",
        "sign-xades.mjs",
        "--key",
        "signer.key.pem",
        "--cert",
        "signer.pem",
        *case.keyinfo,
        *case.options,
        "message.xml",
        "signed.xml",
    )
    signed = case.shape((folder / "signed.xml").read_bytes())
    if case.shape_name is not None:
        assert has_shape(case.shape_name, signed)
    text = signed.decode("utf-8-sig")
    assert f'<ds:SignatureMethod Algorithm="{case.method}"/>' in text
    assert f'<ds:CanonicalizationMethod Algorithm="{case.c14n}"/>' in text
    assert ("<xades:SigningCertificate>" in text) is case.signing_certificate_v1
    certificates = re.findall(r"<ds:X509Certificate>([^<]+)<", text)
    ca = "".join(interop_pki.ca.read_text().splitlines()[1:-1])
    assert len(certificates) == max(1, len(case.keyinfo) // 2)
    assert (certificates[0] == ca) is (case.keyinfo[1:2] == ["ca.pem"])
    assert_accepted(signed, interop_checks)
