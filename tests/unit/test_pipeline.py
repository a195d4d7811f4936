"""gateway.core.pipeline.check over a tiny catalog: accepted and refused verdicts."""

from __future__ import annotations

import hashlib
import textwrap
from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.config import ParsingSettings
from gateway.core.domain import Identification, Route
from gateway.core.errors import CertRevoked, SignatureInvalid
from gateway.core.pipeline import Checks, check
from gateway.core.signature.stage import SignedContent
from gateway.core.validation.catalog import Catalog, MessageSchema, load_catalog
from gateway.core.validation.parsing import ParsedDocument
from tests.support.signatures import PassThroughSignatures

NS = "urn:test:pipeline:1"
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CURRENT = Identification("NCTS2", "CC015C", "1.0")

XSD = f"""\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}"
           xmlns="{NS}" elementFormDefault="qualified">
  <xs:complexType name="Party"><xs:sequence>
    <xs:element name="id" type="xs:string"/>
  </xs:sequence></xs:complexType>
  <xs:complexType name="Msg"><xs:sequence>
    <xs:element name="messageIdentification" type="xs:string"/>
    <xs:element name="LRN" type="xs:string" minOccurs="0"/>
    <xs:element name="Holder" type="Party" minOccurs="0"/>
    <xs:element name="Consignor" type="Party" minOccurs="0"/>
    <xs:element name="Representative" type="Party" minOccurs="0"/>
    <xs:element name="Amount" type="xs:decimal" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType>
  <xs:element name="CC015C" type="Msg"/>
  <xs:element name="CC029C" type="Msg"/>
  <xs:element name="OLD001" type="Msg"/>
</xs:schema>
"""


def manifest(set_id: str, version: str, window: str, messages: str) -> str:
    return textwrap.dedent(
        f"""\
        [set]
        id = "{set_id}"
        system = "NCTS2"
        version = "{version}"
        {window}
        xsd_version = "1.0"

        [set.namespaces]
        p = "{NS}"
        """
    ) + textwrap.dedent(messages)


MESSAGE = """
[[message]]
type = "{type}"
root = "{{{ns}}}{type}"
xsd = "msg.xsd"
direction = "{direction}"

[message.paths]
message_id = "p:messageIdentification"
lrn = "p:LRN"

[message.parties]
consignor = "p:Consignor/p:id"
holder = "p:Holder/p:id"
representative = "p:Representative/p:id"
"""


def message(kind: str, direction: str = "inbound") -> str:
    return MESSAGE.format(type=kind, ns=NS, direction=direction)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("catalog")
    current = root / "current"
    current.mkdir()
    (current / "msg.xsd").write_text(XSD, encoding="utf-8")
    (current / "manifest.toml").write_text(
        manifest(
            "ncts-test-1",
            "1.0",
            "valid_from = 2024-01-01T00:00:00Z\nvalid_to = 2027-01-01T00:00:00Z",
            message("CC015C") + message("CC029C", "outbound"),
        ),
        encoding="utf-8",
    )
    old = root / "old"
    old.mkdir()
    (old / "msg.xsd").write_text(XSD, encoding="utf-8")
    (old / "manifest.toml").write_text(
        manifest(
            "ncts-old",
            "0.9",
            "valid_from = 2020-01-01T00:00:00Z\nvalid_to = 2021-01-01T00:00:00Z",
            message("OLD001"),
        ),
        encoding="utf-8",
    )
    (root / "legacy.toml").write_text(
        '[[system]]\nname = "ECS"\npointer = "use the legacy channel"\nroots = ["{*}IE515"]\n',
        encoding="utf-8",
    )
    return load_catalog([root])


@pytest.fixture(scope="module")
def checks(catalog: Catalog) -> Checks:
    return Checks(catalog, PassThroughSignatures(), ParsingSettings())


def document(*parts: str, root: str = "CC015C", message_id: str = "MSG-0001") -> bytes:
    inner = "".join(f"\n  {p}" for p in parts)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<p:{root} xmlns:p="{NS}">\n'
        f"  <p:messageIdentification>{message_id}</p:messageIdentification>{inner}\n</p:{root}>\n"
    ).encode()


LRN = "<p:LRN>25PL0000001234567</p:LRN>"
HOLDER = "<p:Holder><p:id>PL-HOLDER-1</p:id></p:Holder>"
CONSIGNOR = "<p:Consignor><p:id>PL-CONSIGNOR-2</p:id></p:Consignor>"
REPRESENTATIVE = "<p:Representative><p:id>PL-AGENT-3</p:id></p:Representative>"


# --- accepted ---------------------------------------------------------------------------------


def test_accepted_verdict(checks: Checks) -> None:
    body = document(LRN, HOLDER, CONSIGNOR, REPRESENTATIVE)
    verdict = check(body, AT, checks)
    assert verdict.accepted, verdict.errors
    assert verdict.refusal is None
    assert verdict.errors == ()
    assert verdict.route == Route("sisc.inbound", "NCTS2.CC015C")
    assert verdict.digest == "sha256:" + hashlib.sha256(body).hexdigest()
    assert verdict.identification == Identification("NCTS2", "CC015C", "1.0")
    envelope = verdict.envelope
    assert envelope is not None
    assert (envelope.system, envelope.message_type, envelope.schema_version) == ("NCTS2", "CC015C", "1.0")
    assert envelope.message_id == "MSG-0001"
    assert envelope.lrn == "25PL0000001234567"
    assert envelope.arc is None
    assert envelope.acting_for == "PL-AGENT-3"
    assert envelope.acting_role == "representative"
    assert verdict.signer == PassThroughSignatures.SIGNER
    assert verdict.warnings == (PassThroughSignatures.WARNING,)
    assert verdict.storable is True


def test_acting_for_first_party_in_manifest_order(checks: Checks) -> None:
    # Holder comes first in the document, consignor first in the manifest: the manifest decides.
    verdict = check(document(HOLDER, CONSIGNOR), AT, checks)
    assert verdict.envelope is not None
    assert (verdict.envelope.acting_for, verdict.envelope.acting_role) == ("PL-CONSIGNOR-2", "consignor")


def test_acting_for_next_party_when_the_first_is_absent(checks: Checks) -> None:
    verdict = check(document(LRN, HOLDER), AT, checks)
    assert verdict.envelope is not None
    assert (verdict.envelope.acting_for, verdict.envelope.acting_role) == ("PL-HOLDER-1", "holder")


def test_empty_representative_falls_back_to_a_party(checks: Checks) -> None:
    verdict = check(document(HOLDER, "<p:Representative><p:id>  </p:id></p:Representative>"), AT, checks)
    assert verdict.envelope is not None
    assert (verdict.envelope.acting_for, verdict.envelope.acting_role) == ("PL-HOLDER-1", "holder")


def test_no_party_at_all(checks: Checks) -> None:
    verdict = check(document(), AT, checks)
    assert verdict.accepted
    assert verdict.envelope is not None
    assert verdict.envelope.acting_for is None
    assert verdict.envelope.acting_role is None
    assert verdict.envelope.lrn is None


def test_check_never_modifies_the_body(checks: Checks) -> None:
    body = document(LRN, HOLDER, "<p:Amount>x</p:Amount>")
    copy = bytes(bytearray(body))
    check(body, AT, checks)
    assert body == copy
    good = document(LRN, HOLDER)
    good_copy = bytes(bytearray(good))
    verdict = check(good, AT, checks)
    assert good == good_copy
    assert verdict.digest == "sha256:" + hashlib.sha256(good_copy).hexdigest()


def test_envelope_is_read_from_the_signed_content_only(checks: Checks) -> None:
    signed_root = etree.fromstring(document(REPRESENTATIVE, message_id="SIGNED-ID"))

    class Verified:
        def verify(self, parsed: ParsedDocument, schema: MessageSchema, at: datetime) -> SignedContent:
            return SignedContent(root=signed_root, signer=None)

    stage = Checks(checks.catalog, Verified(), checks.parsing)
    verdict = check(document(HOLDER, message_id="UNSIGNED-ID"), AT, stage)
    assert verdict.envelope is not None
    assert verdict.envelope.message_id == "SIGNED-ID"
    assert verdict.envelope.acting_for == "PL-AGENT-3"
    assert verdict.warnings == ()


# --- refused ----------------------------------------------------------------------------------


def test_schema_invalid_carries_every_error_and_the_identification(checks: Checks) -> None:
    body = document(LRN, "<p:Amount>1.5</p:Amount><p:Amount>abc</p:Amount>", "<p:Amount>zz</p:Amount>")
    verdict = check(body, AT, checks)
    assert not verdict.accepted
    assert verdict.refusal == "SCHEMA_INVALID"
    assert verdict.identification == Identification("NCTS2", "CC015C", "1.0")
    assert verdict.storable is True
    assert verdict.route is None
    assert verdict.envelope is None
    assert verdict.digest == "sha256:" + hashlib.sha256(body).hexdigest()
    lines = body.decode().split("\n")
    located = [(e.code, e.line, e.column, e.path) for e in verdict.errors]
    assert located == [
        ("SCHEMA_INVALID", 5, lines[4].index("<p:Amount>abc") + 1, "/p:CC015C/p:Amount[2]"),
        ("SCHEMA_INVALID", 6, 3, "/p:CC015C/p:Amount[3]"),
    ]


@pytest.mark.parametrize(
    ("body", "code", "storable", "identification"),
    [
        (b"<p:CC015C xmlns:p='" + NS.encode() + b"'><unclosed>", "XML_MALFORMED", False, Identification()),
        (b"", "XML_MALFORMED", False, Identification()),
        (
            b"<!DOCTYPE r [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><r>&x;</r>",
            "XML_FORBIDDEN",
            False,
            Identification(),
        ),
        (document(root="NOPE"), "SCHEMA_UNKNOWN", True, Identification()),
        (b"<IE515 xmlns='urn:ecs'><x/></IE515>", "SYSTEM_LEGACY_CHANNEL", True, Identification()),
        (document(root="CC029C"), "SCHEMA_NOT_INBOUND", True, None),
        (document(root="OLD001"), "SCHEMA_VERSION_INACTIVE", True, None),
        (document("<p:Amount>x</p:Amount>"), "SCHEMA_INVALID", True, CURRENT),
    ],
)
def test_refused_verdicts(
    checks: Checks, body: bytes, code: str, storable: bool, identification: Identification | None
) -> None:
    verdict = check(body, AT, checks)
    assert verdict.refusal == code
    assert not verdict.accepted
    assert verdict.storable is storable
    assert verdict.errors, "a refusal carries its errors"
    assert all(e.code == code for e in verdict.errors)
    assert verdict.route is None
    assert verdict.envelope is None
    assert verdict.digest == "sha256:" + hashlib.sha256(body).hexdigest()
    if identification is not None:
        assert verdict.identification == identification
    assert "root:" not in " ".join(e.message for e in verdict.errors)


def test_signature_refusal_keeps_the_identification(checks: Checks) -> None:
    class Failing:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def verify(self, parsed: ParsedDocument, schema: MessageSchema, at: datetime) -> SignedContent:
            raise self.error

    for error in (SignatureInvalid("digest mismatch"), CertRevoked("revoked on 2025-01-01")):
        verdict = check(document(HOLDER), AT, Checks(checks.catalog, Failing(error), checks.parsing))
        assert verdict.refusal == error.code
        assert verdict.identification == Identification("NCTS2", "CC015C", "1.0")
        assert verdict.storable is True
        assert verdict.errors[0].message == str(error)
        assert verdict.route is None


def test_window_is_judged_at_the_time_of_receipt(checks: Checks) -> None:
    assert check(document(root="OLD001"), datetime(2020, 6, 1, tzinfo=UTC), checks).accepted
    late = check(document(), datetime(2027, 1, 1, tzinfo=UTC), checks)
    assert late.refusal == "SCHEMA_VERSION_INACTIVE"
