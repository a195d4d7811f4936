"""Documents signed by the ``xmlsec1`` command, with the recipe of docs/signing.md, are accepted.

Each case is that recipe with one thing changed in its template or command (algorithms, the
SigningCertificate form, the prefix, the order of the KeyInfo certificates), or the message in
another shape (declaration, byte-order mark, CRLF).  Only SignedInfo's algorithms change: the
CertDigest stays SHA-256, as the recipe's openssl line computes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    require_tool,
    run_shell,
    unsigned_message,
    with_bom,
    with_crlf,
    without_declaration,
    workspace,
)
from tests.support.checks import SettledChecks

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
MORE = "http://www.w3.org/2001/04/xmldsig-more#"
DOCUMENTED_KEYS = "signer.key.pem,signer.pem,ca.pem"


@dataclass(frozen=True)
class Case:
    name: str
    signer: str = "rsa"
    #: for CanonicalizationMethod and both references' transforms
    c14n: str = EXC_C14N
    method: str = RSA_SHA256
    digest: str = SHA256
    signing_certificate_v1: bool = False
    unprefixed: bool = False
    ca_first_in_keyinfo: bool = False
    shape: Shape = as_is
    shape_name: str | None = None


def bom_crlf_no_declaration(body: bytes) -> bytes:
    return with_bom(with_crlf(without_declaration(body)))


def shaped(name: str) -> Case:
    return Case(f"shape-{name}", shape=SHAPES[name], shape_name=name)


CASES = [
    Case("as-documented"),
    Case("c14n-1.0-inclusive", c14n=C14N_10),
    Case("c14n-1.1", c14n=C14N_11),
    Case("rsa-sha384", method=MORE + "rsa-sha384", digest=SHA384),
    Case("rsa-sha512", method=MORE + "rsa-sha512", digest=SHA512),
    Case("ecdsa-p256-sha256", signer="ec256", method=MORE + "ecdsa-sha256"),
    Case("ecdsa-p384-sha384", signer="ec384", method=MORE + "ecdsa-sha384", digest=SHA384),
    Case(
        "ecdsa-p384-sha512-inclusive",
        signer="ec384",
        method=MORE + "ecdsa-sha512",
        digest=SHA512,
        c14n=C14N_10,
    ),
    Case("signing-certificate-v1", signing_certificate_v1=True),
    Case(
        "signing-certificate-v1-ecdsa",
        signer="ec256",
        method=MORE + "ecdsa-sha256",
        signing_certificate_v1=True,
    ),
    Case("unprefixed-signature", unprefixed=True),
    Case("unprefixed-signature-inclusive", unprefixed=True, c14n=C14N_10),
    Case("ca-first-in-keyinfo", ca_first_in_keyinfo=True),
    *(shaped(name) for name in SHAPES),
    Case("shape-bom-crlf-no-declaration", shape=bom_crlf_no_declaration),
]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is not in the recipe any more"
    return text.replace(old, new)


def template_for(case: Case) -> str:
    template = recipe("xmlsec1").files["signature-template.xml"]
    signed_info, rest = template.split("</ds:SignedInfo>")
    signed_info = _replace(signed_info, f'"{EXC_C14N}"', f'"{case.c14n}"')
    signed_info = _replace(signed_info, f'"{RSA_SHA256}"', f'"{case.method}"')
    signed_info = _replace(signed_info, f'"{SHA256}"', f'"{case.digest}"')
    template = f"{signed_info}</ds:SignedInfo>{rest}"
    if case.signing_certificate_v1:
        v2 = re.search(r"<xades:SigningCertificateV2>.*</xades:SigningCertificateV2>", template, re.DOTALL)
        assert v2 is not None
        template = template.replace(v2.group(0), recipe("xmlsec1").parts["signing-certificate-v1"].strip())
    if case.unprefixed:
        # the default namespace of Signature is then xmldsig's, for ds:DigestMethod in xades:* too
        template = _replace(template, "xmlns:ds=", "xmlns=").replace("ds:", "")
    return template


def sign(folder: Path, case: Case) -> bytes:
    for tool in ("xmlsec1", "openssl", "perl"):
        require_tool(tool)
    recipe("xmlsec1").write(folder)
    (folder / "signature-template.xml").write_text(template_for(case), encoding="utf-8")
    if case.ca_first_in_keyinfo:
        script = (folder / "sign.sh").read_text(encoding="utf-8")
        (folder / "sign.sh").write_text(
            _replace(script, DOCUMENTED_KEYS, "signer.key.pem,ca.pem,signer.pem"), encoding="utf-8"
        )
    run_shell(folder)
    return (folder / "signed.xml").read_bytes()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_signed_by_xmlsec1_is_accepted(
    case: Case, tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    folder = workspace(tmp_path, interop_pki, case.shape(unsigned_message()), case.signer)
    signed = case.shape(sign(folder, case))
    if case.shape_name is not None:
        assert has_shape(case.shape_name, signed)
    text = signed.decode("utf-8-sig")
    assert f'"{case.c14n}"' in text and f'"{case.method}"' in text
    assert ("<xades:SigningCertificate>" in text) is case.signing_certificate_v1
    assert ("<Signature " in text) is case.unprefixed
    certificates = re.findall(r"<(?:ds:)?X509Certificate>([^<]+)<", text)
    ca = "".join(interop_pki.ca.read_text().splitlines()[1:-1])
    assert len(certificates) == 2
    assert ("".join(certificates[0].split()) == ca) is case.ca_first_in_keyinfo
    assert_accepted(signed, interop_checks)
