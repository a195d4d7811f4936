"""WS_CHANNEL's ``document`` element, and the WS_PUSH ``AcceptDocument`` request built from it.

One ``document`` shape serves the pull answers (GetNextDocument, GetDocuments) and the pushed
requests alike: the content in base64 with its MIME type, the identifiers SEAP gives a document
sent to a trader (``dispatchId``, ``caseId``, the SISC identifiers) and ``targetSystems`` =
``PODMIOT``, the constant SEAP uses for documents travelling to a trader.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from lxml import etree

from gateway.config import ParsingSettings
from gateway.core.errors import GatewayError
from gateway.core.mailbox import SiscParties
from gateway.core.seap.namespaces import CHANNEL, PUSH, SOAP, WSA, input_action, qname
from gateway.core.validation.parsing import parse

#: the ``targetSystems/system`` of a document sent to a trader
TO_TRADER = "PODMIOT"
#: the lengths WS_CHANNEL's ``idSISC`` allows; an identifier outside them is left out
SISC_LENGTHS = range(10, 51)


@dataclass(frozen=True, slots=True)
class ChannelDocument:
    content: bytes
    mime: str = "application/xml"
    filename: str | None = None
    dispatch_id: str | None = None
    case_id: str | None = None
    person_sisc: str | None = None
    middle_sisc: str | None = None
    end_sisc: str | None = None


def response_document(body: bytes, message_id: str, reference: str, parties: SiscParties) -> ChannelDocument:
    """A customs system's response as SEAP gives a document to a trader: ``dispatchId`` its own
    identifier, ``caseId`` the sysRef of the submission it answers, the parties' SISC identifiers."""
    return ChannelDocument(
        content=body,
        filename=f"{message_id}.xml",
        dispatch_id=message_id,
        case_id=reference,
        person_sisc=parties.person,
        middle_sisc=parties.middle,
        end_sisc=parties.end,
    )


def document_element(document: ChannelDocument) -> etree._Element:
    """``<document>`` of WS_CHANNEL, its children in the schema's order."""
    element = etree.Element(qname(CHANNEL, "document"), nsmap={"ch": CHANNEL})
    content = etree.SubElement(element, qname(CHANNEL, "content"), mime=document.mime)
    if document.filename:
        content.set("filename", document.filename)
    content.text = base64.b64encode(document.content).decode("ascii")
    for name, value in (("dispatchId", document.dispatch_id), ("caseId", document.case_id)):
        if value:
            etree.SubElement(element, qname(CHANNEL, name)).text = value
    for name, value in (
        ("personSISC", document.person_sisc),
        ("middleSISC", document.middle_sisc),
        ("endSISC", document.end_sisc),
    ):
        if value and len(value) in SISC_LENGTHS:
            etree.SubElement(element, qname(CHANNEL, name)).text = value
    systems = etree.SubElement(element, qname(CHANNEL, "targetSystems"))
    etree.SubElement(systems, qname(CHANNEL, "system")).text = TO_TRADER
    return element


@dataclass(frozen=True, slots=True)
class PushRequest:
    body: bytes
    message_id: str
    soap_action: str = "AcceptDocument"


def push_request(document: ChannelDocument, to: str, message_id: str | None = None) -> PushRequest:
    """The SOAP 1.1 envelope of WS_PUSH ``AcceptDocument`` carrying ``document``, with the
    WS-Addressing headers the real service sends."""
    message_id = message_id or f"urn:uuid:{uuid.uuid4()}"
    envelope = etree.Element(qname(SOAP, "Envelope"), nsmap={"soap": SOAP})
    header = etree.SubElement(envelope, qname(SOAP, "Header"))
    for name, value in (
        ("Action", input_action(PUSH, "AcceptDocument")),
        ("MessageID", message_id),
        ("To", to),
    ):
        etree.SubElement(header, qname(WSA, name), nsmap={"wsa": WSA}).text = value
    body = etree.SubElement(envelope, qname(SOAP, "Body"))
    request = etree.SubElement(body, qname(PUSH, "AcceptDocumentRequest"), nsmap={"ns2": PUSH})
    request.append(document_element(document))
    return PushRequest(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"), message_id)


class PushRefused(Exception):
    """The trader's endpoint did not take the document; the message says why."""


def push_answer(body: bytes, limits: ParsingSettings) -> str:
    """The trader's ``sysRef`` from its AcceptDocument answer; ``PushRefused`` for a fault or for
    anything that is not the answer WS_PUSH defines."""
    try:
        root = parse(body, limits).root
    except GatewayError as error:
        raise PushRefused(f"the answer is not XML: {error.detail}") from None
    fault = root.find(f"{qname(SOAP, 'Body')}/{qname(SOAP, 'Fault')}")
    if fault is not None:
        code = fault.findtext(f".//{qname(CHANNEL, 'errorCode')}") or fault.findtext("faultcode") or "?"
        text = fault.findtext(f".//{qname(CHANNEL, 'errorDesc')}") or fault.findtext("faultstring") or ""
        raise PushRefused(f"fault {code}: {text}".strip())
    path = f"{qname(SOAP, 'Body')}/{qname(PUSH, 'AcceptDocumentResponse')}/{qname(CHANNEL, 'result')}"
    sys_ref = root.findtext(f"{path}/{qname(CHANNEL, 'sysRef')}")
    if root.tag != qname(SOAP, "Envelope") or sys_ref is None:
        raise PushRefused("the answer is not a WS_PUSH AcceptDocumentResponse")
    return sys_ref.strip()
