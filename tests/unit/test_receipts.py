"""gateway.core.receipts: the UPO/NPP builder, the receipt signer, the offline verifier and
``gateway upo verify``.

Unit tests: no event loop, no database.  The builder is checked against the receipts schema and
fact by fact from tables; the verifier against a corpus of tampered receipts, each with the failure
it must report (in the manner of signxml's own tests); the signer with a DEMO key kept in a
temporary folder and with a receipt certificate issued by a demo PKI.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from lxml import etree

from gateway.adapters.receipt_signer import (
    DEMO_CERTIFICATE,
    DEMO_KEY,
    ReceiptSigner,
    ReceiptSignerError,
    demo_signer,
    load_receipt_signer,
)
from gateway.channels.cli.main import main
from gateway.config import ReceiptSettings
from gateway.core.domain import Envelope, Identification, Receipt, Route, Signer, Status, Verdict
from gateway.core.errors import ErrorDetail
from gateway.core.receipts.document import RECEIPTS_NS, ReceiptFacts, ReceiptKind, receipt_xml
from gateway.core.receipts.verify import Failure, ReceiptNotVerified, receipts_schema, verify_receipt
from gateway.core.registry.model import (
    Basis,
    Decision,
    RepresentationRecord,
    RepresentationStatus,
    Scope,
    Source,
)
from gateway.core.signature.model import RevocationEvidence, RevocationStatus
from gateway.core.timefmt import rfc3339
from gateway.core.xmldsig.keys import certificate_pem
from gateway.demo.pki.store import PkiDirectory

DS_NS = "http://www.w3.org/2000/09/xmldsig#"

# --- the facts of one routed NCTS2 declaration --------------------------------------------------

DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<CC015C><messageIdentification>MSG-0001</messageIdentification></CC015C>\n"
)
DIGEST_HEX = hashlib.sha256(DOCUMENT).hexdigest()
DIGEST = f"sha256:{DIGEST_HEX}"
REFERENCE = "3f2b8c1e-5d4a-4f6b-9c7d-0e1f2a3b4c5d"
RECEIVED_AT = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
ISSUED_AT = datetime(2025, 3, 14, 9, 26, 54, 1000, tzinfo=UTC)
SIGNER_FINGERPRINT = hashlib.sha256(b"the trader's signing certificate").hexdigest()
PERSON = "PL440514013590000"

ENVELOPE = Envelope(
    system="NCTS2",
    message_type="CC015C",
    schema_version="5.15.0",
    message_id="MSG-0001",
    lrn="24PL0000000LRN0001",
    arc=None,
    acting_for="PL1234567890",
    acting_role="representative",
)
SIGNER = Signer(
    kind="sc",
    person=PERSON,
    certificate=SIGNER_FINGERPRINT,
    identifier="44051401359",
    scheme="PESEL",
    issuer="CN=Centrum Certyfikacji SC (TEST),O=Krajowa Administracja Skarbowa,C=PL",
    serial="6DEE6226647803D2",
)
REVOCATION = RevocationEvidence(
    status=RevocationStatus.GOOD,
    source="ocsp",
    location="http://pki.example.test/sc/ocsp",
    checked_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
    this_update=datetime(2025, 3, 14, 9, 0, tzinfo=UTC),
    next_update=datetime(2025, 3, 14, 10, 0, tzinfo=UTC),
)
REPRESENTATION = RepresentationRecord(
    id=42,
    podmiot_id=7,
    scope=Scope.EXTENDED,
    systems=frozenset({"NCTS2"}),
    valid_from=datetime(2024, 1, 1, tzinfo=UTC),
    valid_to=None,
    status=RepresentationStatus.ACTIVE,
    source=Source.ADMIN,
)
BY_REPRESENTATION = Decision(
    Basis.REPRESENTATION, PERSON, podmiot_id=7, representation=REPRESENTATION, shared_with_podmiot=False
)
WARNINGS = ("revocation: the CRL is past its nextUpdate (soft-fail)", "signer: zażółć gęślą jaźń")


def routed_verdict(**changes: Any) -> Verdict:
    verdict = Verdict(
        digest=DIGEST,
        identification=Identification("NCTS2", "CC015C", "5.15.0"),
        envelope=ENVELOPE,
        signer=SIGNER,
        revocation=REVOCATION,
        route=Route.inbound("NCTS2", "CC015C"),
        warnings=WARNINGS,
        rights=BY_REPRESENTATION,
    )
    return replace(verdict, **changes)


def routed_receipt(verdict: Verdict | None = None, rights: Decision | None = BY_REPRESENTATION) -> Receipt:
    return Receipt(
        reference=REFERENCE,
        status=Status.ROUTED,
        received_at=RECEIVED_AT,
        verdict=verdict or routed_verdict(),
        rights=rights.as_dict() if rights is not None else None,
    )


def refused_verdict(*errors: ErrorDetail, **changes: Any) -> Verdict:
    verdict = Verdict(
        digest=DIGEST,
        identification=Identification("NCTS2", "CC015C", "5.15.0"),
        errors=errors or (ErrorDetail("SCHEMA_INVALID", "Element 'LRN': too long", 3, 5, "/CC015C/LRN"),),
        refusal=(errors[0].code if errors else "SCHEMA_INVALID"),
    )
    return replace(verdict, **changes)


# --- reading receipts -----------------------------------------------------------------------------


def valid_receipt(receipt: bytes) -> etree._Element:
    """The receipt's root, after asserting that it is valid under the receipts schema."""
    root = etree.fromstring(receipt)
    schema = receipts_schema()
    assert schema.validate(root), schema.error_log
    return root


def value_at(root: etree._Element, where: str) -> str | None:
    """``Path/To/Element`` for its text, ``Path/To/Element@attribute`` (or ``@attribute`` on the root)
    for an attribute; None when absent."""
    path, _, attribute = where.partition("@")
    element = root.find(path) if path else root
    if element is None:
        return None
    return element.get(attribute) if attribute else element.text


def child_names(element: etree._Element | None) -> list[str]:
    assert element is not None
    return [etree.QName(child).localname for child in element]


def listed_errors(npp: etree._Element) -> list[ErrorDetail]:
    def number(value: str | None) -> int | None:
        return int(value) if value is not None else None

    return [
        ErrorDetail(
            code=str(error.get("code")),
            message=error.findtext("Message", default=""),
            line=number(error.get("line")),
            column=number(error.get("column")),
            path=error.findtext("Path"),
        )
        for error in npp.iterfind("Errors/Error")
    ]


def upo_of(receipt: Receipt) -> etree._Element:
    return valid_receipt(receipt_xml(ReceiptFacts.of(receipt), ISSUED_AT))


# --- 1. the UPO ---------------------------------------------------------------------------------

#: every fact of the fully populated routed receipt, where the UPO states it
ROUTED_UPO_FACTS = [
    ("@version", "1.0"),
    ("Reference", REFERENCE),
    ("Status", "routed"),
    ("ReceivedAt", "2025-03-14T09:26:53.589Z"),
    ("IssuedAt", "2025-03-14T09:26:54.001Z"),
    ("Document/System", "NCTS2"),
    ("Document/MessageType", "CC015C"),
    ("Document/SchemaVersion", "5.15.0"),
    ("Document/MessageId", "MSG-0001"),
    ("Document/LRN", "24PL0000000LRN0001"),
    ("Document/ARC", None),
    ("Document/ActingFor", "PL1234567890"),
    ("Document/Digest", DIGEST_HEX),
    ("Document/Digest@algorithm", "sha256"),
    ("Signer@kind", "sc"),
    ("Signer/Person", PERSON),
    ("Signer/Identifier", "44051401359"),
    ("Signer/Identifier@scheme", "PESEL"),
    ("Signer/Certificate/Fingerprint", SIGNER_FINGERPRINT),
    ("Signer/Certificate/Issuer", "CN=Centrum Certyfikacji SC (TEST),O=Krajowa Administracja Skarbowa,C=PL"),
    ("Signer/Certificate/Serial", "6DEE6226647803D2"),
    ("Revocation@status", "good"),
    ("Revocation/Source", "ocsp"),
    ("Revocation/Location", "http://pki.example.test/sc/ocsp"),
    ("Revocation/CheckedAt", "2025-03-14T09:26:53+00:00"),
    ("Revocation/ThisUpdate", "2025-03-14T09:00:00+00:00"),
    ("Revocation/NextUpdate", "2025-03-14T10:00:00+00:00"),
    ("Revocation/RevokedAt", None),
    ("Revocation/Reason", None),
    ("Rights@basis", "representation"),
    ("Rights@sharedWithPodmiot", "false"),
    ("Rights/Person", PERSON),
    ("Rights/Representation@id", "42"),
    ("Rights/Representation@scope", "extended"),
    ("Route/Exchange", "sisc.inbound"),
    ("Route/RoutingKey", "NCTS2.CC015C"),
    ("Route/Queue", "NCTS2.inbound"),
    ("Errors", None),
]


@pytest.mark.parametrize(("where", "expected"), ROUTED_UPO_FACTS, ids=[w for w, _ in ROUTED_UPO_FACTS])
def test_a_routed_upo_states_each_fact_in_its_element(where: str, expected: str | None) -> None:
    assert value_at(upo_of(routed_receipt()), where) == expected


def test_a_routed_upo_is_a_upo_root_in_the_receipts_namespace_with_the_facts_in_schema_order() -> None:
    upo = upo_of(routed_receipt())

    assert upo.tag == f"{{{RECEIPTS_NS}}}UPO"
    assert child_names(upo) == [
        "Reference",
        "Status",
        "ReceivedAt",
        "IssuedAt",
        "Document",
        "Signer",
        "Revocation",
        "Rights",
        "Route",
        "Warnings",
    ]
    assert child_names(upo.find("Document")) == [
        "System",
        "MessageType",
        "SchemaVersion",
        "MessageId",
        "LRN",
        "ActingFor",
        "Digest",
    ]
    assert all(etree.QName(element).namespace is None for element in upo.iterdescendants())


def test_the_digest_is_stated_without_its_algorithm_prefix() -> None:
    digest = upo_of(routed_receipt()).find("Document/Digest")

    assert digest is not None
    assert digest.text == DIGEST_HEX
    assert "sha256:" not in etree.tostring(digest, encoding="unicode")


def test_the_warnings_are_listed_in_order() -> None:
    upo = upo_of(routed_receipt())

    assert [warning.text for warning in upo.iterfind("Warnings/Warning")] == list(WARNINGS)


def test_an_emcs_upo_states_the_arc_instead_of_an_lrn() -> None:
    envelope = replace(
        ENVELOPE,
        system="EMCSPL2",
        message_type="IE818",
        message_id="MSG-EMCS-1",
        lrn=None,
        arc="25PLA1B2C3D4E5F6G7H8I",
    )
    verdict = routed_verdict(
        identification=Identification("EMCSPL2", "IE818", "1.0"),
        envelope=envelope,
        route=Route.inbound("EMCSPL2", "IE818"),
    )

    upo = upo_of(routed_receipt(verdict))

    assert value_at(upo, "Document/ARC") == "25PLA1B2C3D4E5F6G7H8I"
    assert upo.find("Document/LRN") is None
    assert child_names(upo.find("Document"))[-3:] == ["ARC", "ActingFor", "Digest"]


@pytest.mark.parametrize(
    ("system", "message_type"), [("NCTS2", "CC015C"), ("AES", "CC515C"), ("EMCSPL2", "IE815")]
)
def test_the_route_names_the_exchange_routing_key_and_the_systems_inbound_queue(
    system: str, message_type: str
) -> None:
    verdict = routed_verdict(
        identification=Identification(system, message_type, "1.0"),
        envelope=replace(ENVELOPE, system=system, message_type=message_type),
        route=Route.inbound(system, message_type),
    )

    route = upo_of(routed_receipt(verdict)).find("Route")

    assert route is not None
    assert [value_at(route, name) for name in ("Exchange", "RoutingKey", "Queue")] == [
        "sisc.inbound",
        f"{system}.{message_type}",
        f"{system}.inbound",
    ]


@dataclass(frozen=True)
class RightsCase:
    decision: Decision
    basis: str
    shared: str
    person: str | None
    representation: dict[str, str] | None


RIGHTS_CASES = {
    "representation": RightsCase(
        BY_REPRESENTATION, "representation", "false", PERSON, {"id": "42", "scope": "extended"}
    ),
    "own-name": RightsCase(Decision(Basis.OWN_NAME, PERSON, podmiot_id=7), "own-name", "true", PERSON, None),
    "not-required": RightsCase(
        Decision(Basis.NOT_REQUIRED, PERSON, podmiot_id=None), "not-required", "true", PERSON, None
    ),
    "application": RightsCase(
        Decision(Basis.APPLICATION, None, podmiot_id=None), "application", "true", None, None
    ),
}


@pytest.mark.parametrize("case", RIGHTS_CASES.values(), ids=list(RIGHTS_CASES))
def test_the_rights_state_the_basis_and_the_representation_only_where_one_was_used(case: RightsCase) -> None:
    upo = upo_of(routed_receipt(routed_verdict(rights=case.decision), rights=case.decision))

    rights = upo.find("Rights")
    assert rights is not None
    assert (rights.get("basis"), rights.get("sharedWithPodmiot")) == (case.basis, case.shared)
    assert rights.findtext("Person") == case.person
    representation = rights.find("Representation")
    stated = dict(representation.items()) if representation is not None else None
    assert stated == case.representation


def test_a_receipt_without_recorded_rights_has_no_rights_element() -> None:
    assert upo_of(routed_receipt(rights=None)).find("Rights") is None


def test_a_pending_application_upo_has_no_route_and_is_valid() -> None:
    application = Decision(Basis.APPLICATION, None, podmiot_id=None)
    verdict = routed_verdict(
        identification=Identification("SZPROT", "Wniosek", "1.0"),
        envelope=replace(ENVELOPE, system="SZPROT", message_type="Wniosek", lrn=None, acting_for=None),
        route=None,
        revocation=None,
        warnings=(),
    )
    receipt = replace(routed_receipt(verdict, application), status=Status.PENDING)

    upo = upo_of(receipt)

    assert value_at(upo, "Status") == "pending"
    assert child_names(upo) == [
        "Reference",
        "Status",
        "ReceivedAt",
        "IssuedAt",
        "Document",
        "Signer",
        "Rights",
    ]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (Status.ACCEPTED, ReceiptKind.UPO),
        (Status.ROUTED, ReceiptKind.UPO),
        (Status.PENDING, ReceiptKind.UPO),
        (Status.REJECTED, ReceiptKind.NPP),
    ],
)
def test_the_status_decides_the_kind_of_receipt(status: Status, kind: ReceiptKind) -> None:
    verdict = routed_verdict() if kind is ReceiptKind.UPO else refused_verdict()
    facts = ReceiptFacts(verdict, status, RECEIVED_AT, REFERENCE)

    root = valid_receipt(receipt_xml(facts, ISSUED_AT))

    assert facts.kind is kind
    assert root.tag == f"{{{RECEIPTS_NS}}}{kind}"
    assert value_at(root, "Status") == str(status)


def test_facts_of_a_receipt_carry_its_reference_status_time_and_recorded_rights() -> None:
    receipt = routed_receipt()

    facts = ReceiptFacts.of(receipt)

    assert (facts.reference, facts.status, facts.received_at, facts.verdict) == (
        REFERENCE,
        Status.ROUTED,
        RECEIVED_AT,
        receipt.verdict,
    )
    assert facts.rights == BY_REPRESENTATION.as_dict()


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC), "2025-03-14T09:26:53.589Z"),
        (datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC), "2025-03-14T09:26:53.000Z"),
        (
            datetime(2025, 3, 14, 11, 26, 53, 5000, tzinfo=timezone(timedelta(hours=2))),
            "2025-03-14T09:26:53.005Z",
        ),
        (datetime(2025, 3, 14, 9, 26, 53, 999999), "2025-03-14T09:26:53.999Z"),
    ],
    ids=["utc", "whole-second", "warsaw-summer-offset", "naive-taken-as-utc"],
)
def test_receipt_times_are_utc_with_milliseconds_and_a_z(moment: datetime, text: str) -> None:
    receipt = replace(routed_receipt(), received_at=moment)

    upo = valid_receipt(receipt_xml(ReceiptFacts.of(receipt), moment))

    assert rfc3339(moment) == text
    assert (value_at(upo, "ReceivedAt"), value_at(upo, "IssuedAt")) == (text, text)


REVOCATIONS = {
    "good-by-ocsp": (
        REVOCATION,
        {"Source": "ocsp", "ThisUpdate": "2025-03-14T09:00:00+00:00", "RevokedAt": None, "Reason": None},
    ),
    "revoked-by-crl": (
        RevocationEvidence(
            RevocationStatus.REVOKED,
            "crl",
            "http://pki.example.test/sc/ca.crl",
            checked_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
            this_update=datetime(2025, 3, 14, 8, 0, tzinfo=UTC),
            next_update=datetime(2025, 3, 15, 8, 0, tzinfo=UTC),
            revoked_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
            reason="keyCompromise",
        ),
        {
            "Source": "crl",
            "CheckedAt": "2025-03-14T09:26:53+00:00",
            "NextUpdate": "2025-03-15T08:00:00+00:00",
            "RevokedAt": "2025-03-01T12:00:00+00:00",
            "Reason": "keyCompromise",
        },
    ),
    "hold-from-the-local-pki": (
        RevocationEvidence(
            RevocationStatus.HOLD,
            "ocsp",
            "local:sc",
            checked_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
            revoked_at=datetime(2025, 3, 10, 0, 0, tzinfo=UTC),
            reason="certificateHold",
        ),
        {"Location": "local:sc", "ThisUpdate": None, "NextUpdate": None, "Reason": "certificateHold"},
    ),
}


@pytest.mark.parametrize(("evidence", "expected"), REVOCATIONS.values(), ids=list(REVOCATIONS))
def test_the_revocation_evidence_is_stated_as_the_check_relied_on_it(
    evidence: RevocationEvidence, expected: dict[str, str | None]
) -> None:
    npp = valid_receipt(
        receipt_xml(
            ReceiptFacts(
                refused_verdict(signer=SIGNER, revocation=evidence), Status.REJECTED, RECEIVED_AT, REFERENCE
            ),
            ISSUED_AT,
        )
    )

    assert value_at(npp, "Revocation@status") == str(evidence.status)
    assert {name: value_at(npp, f"Revocation/{name}") for name in expected} == expected


# --- 2. the NPP ---------------------------------------------------------------------------------

NPP_ERRORS = (
    ErrorDetail(
        "SCHEMA_INVALID",
        "Element 'LRN': [facet 'maxLength'] too long.",
        12,
        7,
        "/CC015C/TransitOperation/LRN",
    ),
    ErrorDetail("SCHEMA_INVALID", "Element 'Consignor': missing child 'name'.", 3, None, "/CC015C/Consignor"),
    ErrorDetail("XML_FORBIDDEN", "XInclude is not allowed", 1, 0, None),
    ErrorDetail("RIGHTS_DENIED", "expired: the representation ended on 2025-01-01", None, None, None),
)


def test_an_npp_lists_every_error_in_order_with_its_position_where_known() -> None:
    npp = valid_receipt(
        receipt_xml(
            ReceiptFacts(refused_verdict(*NPP_ERRORS), Status.REJECTED, RECEIVED_AT, REFERENCE), ISSUED_AT
        )
    )

    assert npp.tag == f"{{{RECEIPTS_NS}}}NPP"
    assert listed_errors(npp) == list(NPP_ERRORS)
    assert [sorted(error.attrib) for error in npp.iterfind("Errors/Error")] == [
        ["code", "column", "line"],
        ["code", "line"],
        ["code", "column", "line"],
        ["code"],
    ]
    assert [child_names(error) for error in npp.iterfind("Errors/Error")] == [
        ["Message", "Path"],
        ["Message", "Path"],
        ["Message"],
        ["Message"],
    ]


def test_an_npp_states_no_route_even_when_the_verdict_had_one() -> None:
    verdict = refused_verdict(
        ErrorDetail("DUPLICATE_CONFLICT", "MSG-0001 was used with other content"),
        envelope=ENVELOPE,
        signer=SIGNER,
        route=Route.inbound("NCTS2", "CC015C"),
    )

    npp = valid_receipt(
        receipt_xml(ReceiptFacts(verdict, Status.REJECTED, RECEIVED_AT, REFERENCE), ISSUED_AT)
    )

    assert npp.find("Route") is None
    assert value_at(npp, "Reference") == REFERENCE


def test_an_npp_for_a_document_not_kept_has_no_reference_and_is_valid() -> None:
    verdict = refused_verdict(
        ErrorDetail("XML_FORBIDDEN", "a document type declaration (DTD) is not allowed", 1, None, None),
        storable=False,
    )

    facts = ReceiptFacts.unstored(verdict, RECEIVED_AT)
    npp = valid_receipt(receipt_xml(facts, ISSUED_AT))

    assert (facts.kind, facts.status, facts.reference) == (ReceiptKind.NPP, Status.REJECTED, None)
    assert npp.find("Reference") is None
    assert child_names(npp)[:2] == ["Status", "ReceivedAt"]
    assert value_at(npp, "Errors/Error@code") == "XML_FORBIDDEN"


def test_an_unstored_npp_carries_the_verdicts_rights_decision() -> None:
    verdict = refused_verdict(
        ErrorDetail("DUPLICATE_CONFLICT", "used before"), signer=SIGNER, rights=BY_REPRESENTATION
    )

    facts = ReceiptFacts.unstored(verdict, RECEIVED_AT)

    assert facts.rights == BY_REPRESENTATION.as_dict()
    assert value_at(valid_receipt(receipt_xml(facts, ISSUED_AT)), "Rights/Representation@id") == "42"


def test_an_npp_that_knows_only_the_digest_is_valid() -> None:
    verdict = Verdict(
        digest=DIGEST,
        identification=Identification(),
        errors=(ErrorDetail("XML_MALFORMED", "Document is empty, line 1, column 1", 1, 1),),
        refusal="XML_MALFORMED",
        storable=False,
    )

    npp = valid_receipt(receipt_xml(ReceiptFacts.unstored(verdict, RECEIVED_AT), ISSUED_AT))

    assert child_names(npp) == ["Status", "ReceivedAt", "IssuedAt", "Document", "Errors"]
    assert child_names(npp.find("Document")) == ["Digest"]
    assert value_at(npp, "Document/Digest") == DIGEST_HEX


#: text as a refused document may carry it, and as the receipt states it
QUOTED_TEXTS = {
    "nul": ("unexpected \x00 byte", "unexpected \ufffd byte"),
    "escape-sequence": ("colour \x1b[31mred\x1b[0m", "colour \ufffd[31mred\ufffd[0m"),
    "vertical-tab-and-form-feed": ("a\x0bb\x0cc", "a\ufffdb\ufffdc"),
    "lone-surrogate": ("half \ud800 a pair", "half \ufffd a pair"),
    "non-characters": ("\ufffe and \uffff", "\ufffd and \ufffd"),
    "polish-letters": ("Zażółć gęślą jaźń, ŻÓŁĆ", "Zażółć gęślą jaźń, ŻÓŁĆ"),
    "astral-and-tab": ("📄\tdocument", "📄\tdocument"),
}


@pytest.mark.parametrize(("quoted", "stated"), QUOTED_TEXTS.values(), ids=list(QUOTED_TEXTS))
def test_text_xml_cannot_carry_is_replaced_and_other_text_kept(quoted: str, stated: str) -> None:
    verdict = refused_verdict(
        ErrorDetail("SCHEMA_INVALID", f"message: {quoted}", 2, 3, f"/CC015C/{quoted}"),
        warnings=(f"warning: {quoted}",),
    )

    npp = valid_receipt(
        receipt_xml(ReceiptFacts(verdict, Status.REJECTED, RECEIVED_AT, REFERENCE), ISSUED_AT)
    )

    assert value_at(npp, "Errors/Error/Message") == f"message: {stated}"
    assert value_at(npp, "Errors/Error/Path") == f"/CC015C/{stated}"
    assert value_at(npp, "Warnings/Warning") == f"warning: {stated}"


# --- 3. determinism -------------------------------------------------------------------------------


def test_the_same_facts_and_issue_time_give_the_same_bytes() -> None:
    first = receipt_xml(ReceiptFacts.of(routed_receipt()), ISSUED_AT)
    again = receipt_xml(ReceiptFacts.of(routed_receipt()), ISSUED_AT)

    assert first == again
    assert first.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")


def test_a_later_issue_time_changes_only_the_issued_at_line() -> None:
    facts = ReceiptFacts.of(routed_receipt())

    first = receipt_xml(facts, ISSUED_AT).splitlines()
    later = receipt_xml(facts, ISSUED_AT + timedelta(seconds=1)).splitlines()

    assert [(a, b) for a, b in zip(first, later, strict=True) if a != b] == [
        (
            b"  <IssuedAt>2025-03-14T09:26:54.001Z</IssuedAt>",
            b"  <IssuedAt>2025-03-14T09:26:55.001Z</IssuedAt>",
        )
    ]


# --- 4. signing and verifying -------------------------------------------------------------------


@pytest.fixture
def signer(tmp_path: Path) -> ReceiptSigner:
    return demo_signer(tmp_path / "receipt-signer")


@pytest.fixture
def signed_at() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def signed_upo(signer: ReceiptSigner, signed_at: datetime) -> bytes:
    return signer.sign(receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at), signed_at)


def failure_of(receipt: bytes, trusted: list[x509.Certificate], document: bytes | None = None) -> Failure:
    with pytest.raises(ReceiptNotVerified) as refused:
        verify_receipt(receipt, trusted, document)
    return refused.value.failure


def test_a_signed_upo_verifies_against_the_signers_certificate(
    signer: ReceiptSigner, signed_upo: bytes, signed_at: datetime
) -> None:
    verified = verify_receipt(signed_upo, [signer.certificate])

    assert (verified.kind, verified.reference, verified.status, verified.digest) == (
        ReceiptKind.UPO,
        REFERENCE,
        "routed",
        DIGEST,
    )
    assert verified.signed_at == signed_at
    assert verified.signer == signer.certificate
    assert verified.document_matches is None
    assert verified.as_dict()["signer"] == {
        "subject": signer.certificate.subject.rfc4514_string(),
        "fingerprint": signer.fingerprint,
    }


def test_signing_appends_one_signature_and_leaves_the_built_receipt_unchanged(
    signer: ReceiptSigner, signed_upo: bytes, signed_at: datetime
) -> None:
    unsigned = receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at)
    end_tag = b"</rcpt:UPO>"

    before, _, _ = signed_upo.partition(b"<ds:Signature")
    root = valid_receipt(signed_upo)

    assert unsigned.endswith(end_tag + b"\n")
    assert before == unsigned[: unsigned.rindex(end_tag)]
    assert root[-1].tag == f"{{{DS_NS}}}Signature"
    assert len(root.findall(f"{{{DS_NS}}}Signature")) == 1


def test_an_unstored_npp_verifies_with_no_reference(signer: ReceiptSigner, signed_at: datetime) -> None:
    verdict = refused_verdict(ErrorDetail("XML_MALFORMED", "Document is empty", 1, 1), storable=False)
    npp = signer.sign(receipt_xml(ReceiptFacts.unstored(verdict, RECEIVED_AT), signed_at), signed_at)

    verified = verify_receipt(npp, [signer.certificate], DOCUMENT)

    assert (verified.kind, verified.reference, verified.status) == (ReceiptKind.NPP, None, "rejected")
    assert verified.document_matches is True


def test_the_document_whose_sha256_the_receipt_states_matches(
    signer: ReceiptSigner, signed_upo: bytes
) -> None:
    verified = verify_receipt(signed_upo, [signer.certificate], DOCUMENT)

    assert verified.document_matches is True
    assert verified.as_dict()["document_matches"] is True


@pytest.mark.parametrize(
    "other",
    [b"", DOCUMENT + b"\n", DOCUMENT.replace(b"MSG-0001", b"MSG-0002"), DIGEST.encode()],
    ids=["empty", "one-byte-more", "other-content", "the-digest-itself"],
)
def test_another_document_is_a_digest_mismatch(
    signer: ReceiptSigner, signed_upo: bytes, other: bytes
) -> None:
    assert failure_of(signed_upo, [signer.certificate], other) is Failure.DIGEST


def _without_signature(receipt: bytes) -> bytes:
    root = etree.fromstring(receipt)
    signature = root.find(f"{{{DS_NS}}}Signature")
    assert signature is not None
    root.remove(signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _swap_once(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def tamper(receipt: bytes) -> bytes:
        assert receipt.count(old) == 1, f"{old!r} is not in the receipt once"
        return receipt.replace(old, new)

    return tamper


def _one_digest_digit_changed() -> Callable[[bytes], bytes]:
    other_digit = b"0" if DIGEST_HEX[0] != "0" else b"1"
    return _swap_once(f">{DIGEST_HEX}<".encode(), b">" + other_digit + DIGEST_HEX[1:].encode() + b"<")


#: receipts changed after signing, and what the verifier must say of each
TAMPERED = {
    "one-digit-of-the-digest": (_one_digest_digit_changed(), Failure.SIGNATURE),
    "status-routed-to-accepted": (
        _swap_once(b"<Status>routed</Status>", b"<Status>accepted</Status>"),
        Failure.SIGNATURE,
    ),
    "one-digit-of-the-reference": (
        _swap_once(REFERENCE.encode(), b"4" + REFERENCE[1:].encode()),
        Failure.SIGNATURE,
    ),
    "lrn-changed": (_swap_once(b"LRN0001<", b"LRN0002<"), Failure.SIGNATURE),
    "comment-inside-the-reference": (
        _swap_once(f"<Reference>{REFERENCE[:8]}".encode(), f"<Reference>{REFERENCE[:8]}<!-- -->".encode()),
        Failure.SIGNATURE,
    ),
    "signature-removed": (_without_signature, Failure.SIGNATURE),
    "second-reference-inserted": (
        _swap_once(b"<Status>", f"<Reference>{REFERENCE}</Reference><Status>".encode()),
        Failure.MALFORMED,
    ),
    "cut-in-half": (lambda receipt: receipt[: len(receipt) // 2], Failure.MALFORMED),
    "not-xml": (lambda receipt: b"this is not a receipt", Failure.MALFORMED),
    "empty": (lambda receipt: b"", Failure.MALFORMED),
    "another-document": (lambda receipt: DOCUMENT, Failure.MALFORMED),
    "with-a-dtd": (
        lambda receipt: receipt.replace(b"?>\n", b'?>\n<!DOCTYPE UPO [<!ENTITY e "x">]>\n', 1),
        Failure.MALFORMED,
    ),
}


@pytest.mark.parametrize(("tamper", "failure"), TAMPERED.values(), ids=list(TAMPERED))
def test_a_changed_receipt_is_not_verified(
    signer: ReceiptSigner, signed_upo: bytes, tamper: Callable[[bytes], bytes], failure: Failure
) -> None:
    changed = tamper(signed_upo)

    assert changed != signed_upo
    assert failure_of(changed, [signer.certificate]) is failure


def test_a_receipt_signed_by_another_demo_signer_is_untrusted(tmp_path: Path, signed_upo: bytes) -> None:
    other = demo_signer(tmp_path / "another-gateway")

    assert failure_of(signed_upo, [other.certificate]) is Failure.UNTRUSTED


def test_a_receipt_outside_the_schema_is_malformed_even_when_signed(
    signer: ReceiptSigner, signed_at: datetime
) -> None:
    unsigned = receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at)
    extended = unsigned.replace(b"  <Document>", b"  <Extra>not in the schema</Extra>\n  <Document>")
    signed = signer.sign(extended, signed_at)

    with pytest.raises(ReceiptNotVerified) as refused:
        verify_receipt(signed, [signer.certificate])

    assert refused.value.failure is Failure.MALFORMED
    assert "Extra" in refused.value.message


@pytest.mark.parametrize(
    ("ahead", "verifies"),
    [(timedelta(minutes=4), True), (timedelta(minutes=10), False)],
    ids=["within-the-clock-skew", "beyond-the-clock-skew"],
)
def test_a_receipt_signed_in_the_future_is_taken_only_within_the_clock_skew(
    signer: ReceiptSigner, ahead: timedelta, verifies: bool
) -> None:
    now = datetime.now(UTC)
    future = now + ahead
    receipt = signer.sign(receipt_xml(ReceiptFacts.of(routed_receipt()), future), future)

    if verifies:
        assert verify_receipt(receipt, [signer.certificate], now=now).reference == REFERENCE
    else:
        with pytest.raises(ReceiptNotVerified) as refused:
            verify_receipt(receipt, [signer.certificate], now=now)
        assert refused.value.failure is Failure.SIGNATURE


def test_verifying_needs_a_certificate_to_trust(signed_upo: bytes) -> None:
    with pytest.raises(ValueError, match="no gateway certificate"):
        verify_receipt(signed_upo, [])


# --- 5. the signer's key --------------------------------------------------------------------------


def test_the_demo_signer_is_made_once_and_kept(tmp_path: Path) -> None:
    folder = tmp_path / "not" / "yet" / "made"

    first = demo_signer(folder)
    again = demo_signer(folder)

    assert again.fingerprint == first.fingerprint
    assert (first.demo, again.demo) == (True, True)
    assert (first.chain, again.chain) == ((), ())
    assert stat.S_IMODE((folder / DEMO_KEY).stat().st_mode) == 0o600
    assert (folder / DEMO_CERTIFICATE).read_bytes() == certificate_pem(first.certificate)
    assert first.certificates_pem() == certificate_pem(first.certificate)
    first.certificate.verify_directly_issued_by(first.certificate)  # self-signed
    assert "DEMO" in first.certificate.subject.rfc4514_string()


def test_two_demo_folders_hold_two_keys(tmp_path: Path) -> None:
    assert demo_signer(tmp_path / "one").fingerprint != demo_signer(tmp_path / "two").fingerprint


def test_with_no_key_configured_the_demo_signer_is_loaded(tmp_path: Path) -> None:
    made = demo_signer(tmp_path / "demo")

    loaded = load_receipt_signer(ReceiptSettings(demo_dir=tmp_path / "demo"))

    assert (loaded.demo, loaded.fingerprint) == (True, made.fingerprint)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiDirectory:
    return PkiDirectory.initialise(tmp_path_factory.mktemp("demo-pki") / "pki")


def issue_receipt_certificate(
    pki: PkiDirectory, not_before: datetime | None = None, not_after: datetime | None = None
) -> tuple[Path, Path]:
    """A receipt certificate from the demo customs CA (sc), saved: its key and certificate files."""
    authority = pki.authority("sc")
    issued = authority.issue(
        "customs-gateway receipts (TEST)", kind="receipt", not_before=not_before, not_after=not_after
    )
    pki.save(authority)
    certificate = pki.folder("sc") / "certs" / f"{issued.serial_hex}.pem"
    return certificate.with_suffix(".key.pem"), certificate


def customs_ca(pki: PkiDirectory) -> Path:
    return pki.folder("sc") / "ca.pem"


def test_a_configured_key_certificate_and_chain_are_loaded(pki: PkiDirectory) -> None:
    key, certificate = issue_receipt_certificate(pki)

    loaded = load_receipt_signer(ReceiptSettings(key=key, certificate=certificate, chain=(customs_ca(pki),)))

    ca = pki.authority("sc").certificate
    assert loaded.demo is False
    assert loaded.certificate == x509.load_pem_x509_certificate(certificate.read_bytes())
    assert loaded.chain == (ca,)
    assert x509.load_pem_x509_certificates(loaded.certificates_pem()) == [loaded.certificate, ca]


def test_a_receipt_verifies_against_its_pinned_certificate_only_not_its_issuer(
    pki: PkiDirectory, tmp_path: Path, signed_at: datetime
) -> None:
    key, certificate = issue_receipt_certificate(pki)
    loaded = load_receipt_signer(ReceiptSettings(key=key, certificate=certificate, chain=(customs_ca(pki),)))
    receipt = loaded.sign(receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at), signed_at)

    verified = verify_receipt(receipt, [loaded.certificate, pki.authority("sc").certificate], DOCUMENT)

    assert verified.signer == loaded.certificate
    assert verified.document_matches is True
    # The customs CA issues traders' certificates too: trusting it would let a trader sign receipts.
    assert failure_of(receipt, [pki.authority("sc").certificate]) is Failure.UNTRUSTED
    assert failure_of(receipt, [pki.authority("qualified").certificate]) is Failure.UNTRUSTED
    assert failure_of(receipt, [demo_signer(tmp_path / "demo").certificate]) is Failure.UNTRUSTED


def test_a_receipt_signed_by_a_traders_certificate_of_the_same_ca_is_refused(
    pki: PkiDirectory, signed_at: datetime
) -> None:
    authority = pki.authority("sc")
    trader = authority.issue("Jan Kowalski", pesel="44051401359")
    assert trader.private_key is not None
    forged = ReceiptSigner(trader.private_key, trader.certificate).sign(
        receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at), signed_at
    )
    key, certificate = issue_receipt_certificate(pki)
    gateway = load_receipt_signer(ReceiptSettings(key=key, certificate=certificate, chain=(customs_ca(pki),)))
    assert failure_of(forged, [gateway.certificate, authority.certificate]) is Failure.UNTRUSTED


def test_a_receipt_stays_valid_after_the_gateway_certificate_expired(
    pki: PkiDirectory, signed_at: datetime
) -> None:
    key, certificate = issue_receipt_certificate(pki)
    loaded = load_receipt_signer(ReceiptSettings(key=key, certificate=certificate))
    receipt = loaded.sign(receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at), signed_at)
    long_after = loaded.certificate.not_valid_after_utc + timedelta(days=400)
    assert verify_receipt(receipt, [loaded.certificate], now=long_after).signer == loaded.certificate


def _only_the_key(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    key, _ = issue_receipt_certificate(pki)
    return ReceiptSettings(key=key, demo_dir=tmp_path)


def _only_the_certificate(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    _, certificate = issue_receipt_certificate(pki)
    return ReceiptSettings(certificate=certificate, demo_dir=tmp_path)


def _another_certificates_key(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    key, _ = issue_receipt_certificate(pki)
    _, certificate = issue_receipt_certificate(pki)
    return ReceiptSettings(key=key, certificate=certificate)


def _expired(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    now = datetime.now(UTC)
    key, certificate = issue_receipt_certificate(
        pki, not_before=now - timedelta(days=400), not_after=now - timedelta(days=35)
    )
    return ReceiptSettings(key=key, certificate=certificate)


def _not_yet_valid(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    now = datetime.now(UTC)
    key, certificate = issue_receipt_certificate(pki, not_before=now + timedelta(days=1))
    return ReceiptSettings(key=key, certificate=certificate)


def _missing_certificate_file(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    key, _ = issue_receipt_certificate(pki)
    return ReceiptSettings(key=key, certificate=tmp_path / "absent.pem")


def _key_file_not_pem(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    _, certificate = issue_receipt_certificate(pki)
    garbage = tmp_path / "garbage.key.pem"
    garbage.write_bytes(b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    return ReceiptSettings(key=garbage, certificate=certificate)


def _chain_file_not_pem(pki: PkiDirectory, tmp_path: Path) -> ReceiptSettings:
    key, certificate = issue_receipt_certificate(pki)
    chain = tmp_path / "chain.pem"
    chain.write_text("no certificates here\n")
    return ReceiptSettings(key=key, certificate=certificate, chain=(chain,))


UNUSABLE_SETTINGS: dict[str, tuple[Callable[[PkiDirectory, Path], ReceiptSettings], str]] = {
    "only-the-key": (_only_the_key, "set together"),
    "only-the-certificate": (_only_the_certificate, "set together"),
    "another-certificates-key": (_another_certificates_key, "is not the key of the certificate"),
    "expired": (_expired, "not now"),
    "not-yet-valid": (_not_yet_valid, "not now"),
    "missing-certificate-file": (_missing_certificate_file, "cannot be loaded"),
    "key-file-not-pem": (_key_file_not_pem, "cannot be loaded"),
    "chain-file-not-pem": (_chain_file_not_pem, "cannot be loaded"),
}


@pytest.mark.parametrize(("settings_for", "says"), UNUSABLE_SETTINGS.values(), ids=list(UNUSABLE_SETTINGS))
def test_an_unusable_configured_signer_is_refused(
    pki: PkiDirectory,
    tmp_path: Path,
    settings_for: Callable[[PkiDirectory, Path], ReceiptSettings],
    says: str,
) -> None:
    settings = settings_for(pki, tmp_path)

    with pytest.raises(ReceiptSignerError, match=says):
        load_receipt_signer(settings)

    assert not (tmp_path / DEMO_KEY).exists(), "no DEMO signer is made in place of a broken configuration"


# --- 6. gateway upo verify ------------------------------------------------------------------------


@dataclass(frozen=True)
class Files:
    receipt: Path
    certificate: Path
    document: Path


@pytest.fixture
def no_configured_signer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Settings with no receipt key and an empty DEMO folder: the CLI has no certificate of its own."""
    for name in (
        "GATEWAY_CONFIG",
        "GATEWAY_RECEIPTS_KEY",
        "GATEWAY_RECEIPTS_CERTIFICATE",
        "GATEWAY_RECEIPTS_CHAIN",
    ):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "no-receipt-signer"
    empty.mkdir()
    monkeypatch.setenv("GATEWAY_RECEIPTS_DEMO_DIR", str(empty))
    return empty


@pytest.fixture
def files(tmp_path: Path, signer: ReceiptSigner, signed_upo: bytes, no_configured_signer: Path) -> Files:
    saved = Files(tmp_path / "upo.xml", tmp_path / "gateway.pem", tmp_path / "CC015C.xml")
    saved.receipt.write_bytes(signed_upo)
    saved.certificate.write_bytes(signer.certificates_pem())
    saved.document.write_bytes(DOCUMENT)
    return saved


def upo_verify(*arguments: str | Path) -> int:
    return main(["upo", "verify", *(str(argument) for argument in arguments)])


def test_cli_a_valid_receipt_exits_0_and_says_what_it_is(
    files: Files, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upo_verify(files.receipt, "--certificate", files.certificate, "--document", files.document) == 0

    said = capsys.readouterr().out
    assert f"valid UPO {REFERENCE} (routed)" in said
    assert "the document matches its digest" in said


def test_cli_json_of_a_valid_receipt(
    files: Files, signer: ReceiptSigner, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        upo_verify(files.receipt, "--certificate", files.certificate, "--document", files.document, "--json")
        == 0
    )

    result = json.loads(capsys.readouterr().out)
    assert result["valid"] is True
    assert (result["kind"], result["reference"], result["status"], result["digest"]) == (
        "UPO",
        REFERENCE,
        "routed",
        DIGEST,
    )
    assert result["document_matches"] is True
    assert result["signer"]["fingerprint"] == signer.fingerprint


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_cli_a_tampered_receipt_exits_1(
    files: Files, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    files.receipt.write_bytes(files.receipt.read_bytes().replace(b"<Status>routed<", b"<Status>accepted<"))

    assert (
        upo_verify(files.receipt, "--certificate", files.certificate, *(["--json"] if as_json else [])) == 1
    )

    said = capsys.readouterr()
    if as_json:
        result = json.loads(said.out)
        assert (result["valid"], result["code"]) == (False, "RECEIPT_SIGNATURE_INVALID")
        assert result["message"]
    else:
        assert "NOT VALID: RECEIPT_SIGNATURE_INVALID" in said.err


def test_cli_the_wrong_document_exits_1(
    files: Files, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.xml"
    other.write_bytes(DOCUMENT.replace(b"MSG-0001", b"MSG-0002"))

    assert upo_verify(files.receipt, "--certificate", files.certificate, "--document", other, "--json") == 1

    assert json.loads(capsys.readouterr().out)["code"] == "RECEIPT_DIGEST_MISMATCH"


def test_cli_another_gateways_certificate_exits_1(
    files: Files, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other-gateway.pem"
    other.write_bytes(demo_signer(tmp_path / "other-gateway").certificates_pem())

    assert upo_verify(files.receipt, "--certificate", other, "--json") == 1

    assert json.loads(capsys.readouterr().out)["code"] == "RECEIPT_SIGNER_UNTRUSTED"


def test_cli_without_a_certificate_given_or_configured_exits_2(
    files: Files, capsys: pytest.CaptureFixture[str]
) -> None:
    assert upo_verify(files.receipt) == 2

    assert "--certificate" in capsys.readouterr().err


def test_cli_without_a_certificate_given_uses_the_configured_demo_signer(
    files: Files, signer: ReceiptSigner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GATEWAY_RECEIPTS_DEMO_DIR", str(tmp_path / "receipt-signer"))

    assert upo_verify(files.receipt, "--document", files.document) == 0


def test_cli_without_a_certificate_given_trusts_the_configured_certificate_and_chain(
    pki: PkiDirectory,
    no_configured_signer: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    signed_at: datetime,
) -> None:
    key, certificate = issue_receipt_certificate(pki)
    loaded = load_receipt_signer(ReceiptSettings(key=key, certificate=certificate, chain=(customs_ca(pki),)))
    receipt = tmp_path / "upo.xml"
    receipt.write_bytes(loaded.sign(receipt_xml(ReceiptFacts.of(routed_receipt()), signed_at), signed_at))
    monkeypatch.setenv("GATEWAY_RECEIPTS_KEY", str(key))
    monkeypatch.setenv("GATEWAY_RECEIPTS_CERTIFICATE", str(certificate))
    monkeypatch.setenv("GATEWAY_RECEIPTS_CHAIN", str(customs_ca(pki)))

    assert upo_verify(receipt) == 0


def _not_pem(tmp_path: Path) -> Path:
    path = tmp_path / "not-a-certificate.pem"
    path.write_text("no certificate here\n")
    return path


USAGE_ERRORS: dict[str, Callable[[Files, Path], list[str | Path]]] = {
    "missing-receipt": lambda files, tmp: [tmp / "absent.xml", "--certificate", files.certificate],
    "missing-certificate-file": lambda files, tmp: [files.receipt, "--certificate", tmp / "absent.pem"],
    "certificate-file-not-pem": lambda files, tmp: [files.receipt, "--certificate", _not_pem(tmp)],
    "missing-document": lambda files, tmp: [
        files.receipt,
        "--certificate",
        files.certificate,
        "--document",
        tmp / "absent.xml",
    ],
}


@pytest.mark.parametrize("arguments_for", USAGE_ERRORS.values(), ids=list(USAGE_ERRORS))
def test_cli_a_file_that_cannot_be_read_exits_2(
    files: Files,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments_for: Callable[[Files, Path], list[str | Path]],
) -> None:
    assert upo_verify(*arguments_for(files, tmp_path)) == 2

    assert capsys.readouterr().err.startswith("gateway: ")
