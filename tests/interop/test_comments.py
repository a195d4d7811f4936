"""Comments and processing instructions, signed by xmlsec1 with the recipe of docs/signing.md.

The rule (docs/signing.md, "Comments and processing instructions"): a ``Reference URI=""`` never
covers a comment (XML-DSig 1.1 section 4.4.3.3), whatever its canonicalization, so comments and
processing instructions inside the root element are refused with ``SIGNATURE_PROFILE``, never
``SIGNATURE_INVALID``; those outside the root element are accepted.  Each signature here is first
shown to verify with ``xmlsec1 --verify``: what the gateway refuses is the profile, not a broken
signature.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.interop.recipes import recipe
from tests.interop.support import (
    InteropPki,
    assert_accepted,
    require_tool,
    run_shell,
    unsigned_message,
    verdict_on,
    workspace,
)
from tests.support.checks import SettledChecks

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
C14N_10_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
C14N_11_COMMENTS = "http://www.w3.org/2006/12/xml-c14n11#WithComments"
SIGNED_PROPERTIES_ID = "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"

CANONICALIZATIONS = [EXC_C14N_COMMENTS, C14N_10_COMMENTS, C14N_11_COMMENTS, EXC_C14N]
CANONICALIZATION_NAMES = ["exc-c14n-with-comments", "c14n-with-comments", "c14n11-with-comments", "exc-c14n"]

INSIDE = {
    "comment": b"<!-- checked by the forwarder -->",
    "processing-instruction": b'<?forwarder checked="yes"?>',
}
OUTSIDE_BEFORE = b'<!-- exported by the ERP -->\n<?erp-export version="7"?>\n'
OUTSIDE_AFTER = b"\n<!-- end of export -->\n<?erp-export done?>\n"


def sign_with(folder: Path, c14n: str) -> bytes:
    """The xmlsec1 recipe with ``c14n`` as its canonicalization (SignedInfo and both references)."""
    for tool in ("xmlsec1", "openssl", "perl"):
        require_tool(tool)
    recipe("xmlsec1").write(folder)
    template = recipe("xmlsec1").files["signature-template.xml"]
    assert template.count(f'"{EXC_C14N}"') == 3
    (folder / "signature-template.xml").write_text(
        template.replace(f'"{EXC_C14N}"', f'"{c14n}"'), encoding="utf-8"
    )
    run_shell(folder)
    return (folder / "signed.xml").read_bytes()


def xmlsec1_verifies(folder: Path) -> bool:
    result = subprocess.run(
        [
            require_tool("xmlsec1"),
            "--verify",
            "--id-attr:Id",
            SIGNED_PROPERTIES_ID,
            "--trusted-pem",
            "ca.pem",
            "signed.xml",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result.returncode == 0


def with_inside(kind: str) -> bytes:
    message = unsigned_message()
    assert message.count(b"<messageType>") == 1
    return message.replace(b"<messageType>", INSIDE[kind] + b"<messageType>")


def with_outside() -> bytes:
    message = unsigned_message()
    declaration, rest = message.split(b"\n", 1)
    assert declaration.startswith(b"<?xml ")
    return declaration + b"\n" + OUTSIDE_BEFORE + rest.rstrip(b"\n") + OUTSIDE_AFTER


# With a canonicalization that drops comments the gateway refuses these today already; the
# #WithComments cases (the one: xml-exc-c14n#WithComments) need the profile change that
# refuses comments and processing instructions inside the root whatever the canonicalization.
@pytest.mark.parametrize("c14n", CANONICALIZATIONS, ids=CANONICALIZATION_NAMES)
@pytest.mark.parametrize("kind", sorted(INSIDE))
def test_inside_the_root_element_is_signature_profile(
    kind: str, c14n: str, tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    folder = workspace(tmp_path, interop_pki, with_inside(kind))
    signed = sign_with(folder, c14n)
    assert INSIDE[kind] in signed
    assert xmlsec1_verifies(folder), "xmlsec1 must accept the signature itself"
    verdict = verdict_on(signed, interop_checks)
    assert verdict.refusal == "SIGNATURE_PROFILE", [error.message for error in verdict.errors]
    assert all(error.code == "SIGNATURE_PROFILE" for error in verdict.errors)


@pytest.mark.parametrize("c14n", CANONICALIZATIONS, ids=CANONICALIZATION_NAMES)
def test_outside_the_root_element_is_accepted(
    c14n: str, tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    folder = workspace(tmp_path, interop_pki, with_outside())
    signed = sign_with(folder, c14n)
    assert OUTSIDE_BEFORE in signed and signed.rstrip().endswith(OUTSIDE_AFTER.rstrip())
    assert xmlsec1_verifies(folder)
    assert_accepted(signed, interop_checks)


def test_a_processing_instruction_outside_the_root_element_is_signed(
    tmp_path: Path, interop_pki: InteropPki, interop_checks: SettledChecks
) -> None:
    """URI="" covers the processing instructions beside the root element: changing one after
    signing breaks the signature, for xmlsec1 and for the gateway alike."""
    folder = workspace(tmp_path, interop_pki, with_outside())
    signed = sign_with(folder, EXC_C14N)
    changed = signed.replace(b'<?erp-export version="7"?>', b'<?erp-export version="8"?>')
    assert changed != signed
    (folder / "signed.xml").write_bytes(changed)
    assert not xmlsec1_verifies(folder)
    verdict = verdict_on(changed, interop_checks)
    assert verdict.refusal == "SIGNATURE_INVALID", [error.message for error in verdict.errors]
    # a comment there is not signed: changing it changes nothing
    (folder / "signed.xml").write_bytes(signed.replace(b"exported by the ERP", b"exported by hand"))
    assert xmlsec1_verifies(folder)
    assert_accepted((folder / "signed.xml").read_bytes(), interop_checks)
