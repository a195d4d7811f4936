"""The UPO and NPP as XML (gateway/schemas/receipts/1.0/receipts.xsd), built from what the checks decided.

Pure: no clock, no key, no I/O.  The same verdict gives the same bytes, which the signer then signs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lxml import etree

from gateway.config import packaged
from gateway.core.domain import Receipt, Status, Verdict, inbound_queue
from gateway.core.timefmt import rfc3339

RECEIPTS_NS = "urn:customs-gateway:receipts:1"
RECEIPTS_VERSION = "1.0"
RECEIPTS_SCHEMA = packaged("receipts", RECEIPTS_VERSION, "receipts.xsd")
#: characters XML 1.0 cannot carry; an error message may quote them from a broken document
_NOT_XML_CHARS = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ReceiptKind(StrEnum):
    UPO = "UPO"  # received: Urzędowe Poświadczenie Odbioru
    NPP = "NPP"  # refused: Negatywne Potwierdzenie Przyjęcia


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """Everything a receipt states; ``reference`` is None for a refused document that was not kept."""

    verdict: Verdict
    status: Status
    received_at: datetime
    reference: str | None = None
    #: the recorded rights decision (``Decision.as_dict``)
    rights: Mapping[str, object] | None = None

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptFacts:
        return cls(receipt.verdict, receipt.status, receipt.received_at, receipt.reference, receipt.rights)

    @classmethod
    def unstored(cls, verdict: Verdict, received_at: datetime) -> ReceiptFacts:
        rights = verdict.rights.as_dict() if verdict.rights else None
        return cls(verdict, Status.REJECTED, received_at, None, rights)

    @property
    def kind(self) -> ReceiptKind:
        return ReceiptKind.NPP if self.status is Status.REJECTED else ReceiptKind.UPO


def receipt_xml(facts: ReceiptFacts, issued_at: datetime) -> bytes:
    """The unsigned receipt: ``<UPO>`` or ``<NPP>`` with the facts in the schema's order."""
    verdict, envelope, ident = facts.verdict, facts.verdict.envelope, facts.verdict.identification
    root = etree.Element(f"{{{RECEIPTS_NS}}}{facts.kind}", nsmap={"rcpt": RECEIPTS_NS})
    root.set("version", RECEIPTS_VERSION)
    _text(root, "Reference", facts.reference)
    _text(root, "Status", str(facts.status))
    _text(root, "ReceivedAt", rfc3339(facts.received_at))
    _text(root, "IssuedAt", rfc3339(issued_at))
    document = etree.SubElement(root, "Document")
    _text(document, "System", ident.system)
    _text(document, "MessageType", ident.message_type)
    _text(document, "SchemaVersion", ident.schema_version)
    if envelope is not None:
        _text(document, "MessageId", envelope.message_id)
        _text(document, "LRN", envelope.lrn)
        _text(document, "ARC", envelope.arc)
        _text(document, "ActingFor", envelope.acting_for)
    algorithm, _, hex_digest = verdict.digest.partition(":")
    etree.SubElement(document, "Digest", algorithm=algorithm).text = hex_digest
    if verdict.signer is not None:
        signer = verdict.signer
        element = etree.SubElement(root, "Signer", kind=signer.kind)
        _text(element, "Person", signer.person)
        if signer.identifier:
            scheme = {"scheme": signer.scheme} if signer.scheme else {}
            etree.SubElement(element, "Identifier", scheme).text = _xml_text(signer.identifier)
        certificate = etree.SubElement(element, "Certificate")
        _text(certificate, "Fingerprint", signer.certificate)
        _text(certificate, "Issuer", signer.issuer)
        _text(certificate, "Serial", signer.serial)
    if verdict.revocation is not None:
        evidence = verdict.revocation
        element = etree.SubElement(root, "Revocation", status=str(evidence.status))
        _text(element, "Source", evidence.source)
        _text(element, "Location", evidence.location)
        _text(element, "CheckedAt", _moment(evidence.checked_at))
        _text(element, "ThisUpdate", _moment(evidence.this_update))
        _text(element, "NextUpdate", _moment(evidence.next_update))
        _text(element, "RevokedAt", _moment(evidence.revoked_at))
        _text(element, "Reason", evidence.reason)
    if facts.rights:
        _rights(root, facts.rights)
    if facts.kind is ReceiptKind.UPO and verdict.route is not None:
        route = etree.SubElement(root, "Route")
        _text(route, "Exchange", verdict.route.exchange)
        _text(route, "RoutingKey", verdict.route.routing_key)
        _text(route, "Queue", inbound_queue(verdict.route.routing_key.partition(".")[0]))
    if any(verdict.warnings):
        warnings = etree.SubElement(root, "Warnings")
        for warning in verdict.warnings:
            _text(warnings, "Warning", warning)
    if facts.kind is ReceiptKind.NPP:
        errors = etree.SubElement(root, "Errors")
        for error in verdict.errors:
            element = etree.SubElement(errors, "Error", code=error.code)
            if error.line is not None:
                element.set("line", str(error.line))
            if error.column is not None:
                element.set("column", str(error.column))
            etree.SubElement(element, "Message").text = _xml_text(error.message)
            _text(element, "Path", error.path)
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _rights(root: etree._Element, rights: Mapping[str, object]) -> None:
    shared = "true" if rights.get("shared_with_podmiot", True) else "false"
    element = etree.SubElement(root, "Rights", basis=str(rights["basis"]), sharedWithPodmiot=shared)
    _text(element, "Person", _optional(rights.get("person")))
    representation = rights.get("representation")
    if representation is not None:
        attributes = {"id": str(representation)}
        if rights.get("scope"):
            attributes["scope"] = str(rights["scope"])
        etree.SubElement(element, "Representation", attributes)


def _text(parent: etree._Element, name: str, value: str | None) -> None:
    """A child with ``value`` as its text; none at all (the schema's "not known") without a value."""
    if value:
        etree.SubElement(parent, name).text = _xml_text(value)


def _xml_text(value: str) -> str:
    return _NOT_XML_CHARS.sub("\ufffd", value)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
