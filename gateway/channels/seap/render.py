"""Writing SOAP 1.1 answers: the envelope with the WS-Addressing headers the real service sends
(Action, a new MessageID, To anonymous, RelatesTo the request's MessageID), the operations'
answers, and faults as SEAP gives them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from aiohttp import web
from lxml import etree

from gateway.channels.seap.faults import SeapFault, soap_faultcode
from gateway.core.errors import ErrorDetail
from gateway.core.seap.channel import ChannelDocument, document_element
from gateway.core.seap.namespaces import (
    CHANNEL,
    PULL,
    SOAP,
    WSA,
    WSA_ANONYMOUS,
    fault_action,
    output_action,
    qname,
)

SOAP_CONTENT_TYPE = "text/xml"
#: the generic WS-Addressing fault action, for a request whose operation is not known
WSA_FAULT_ACTION = WSA + "/soap/fault"
#: errors listed in a fault's errorDesc beyond its first line (every one is in the NPP)
MAX_LISTED_ERRORS = 50


def soap_response(envelope: etree._Element, status: int = 200) -> web.Response:
    body = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return web.Response(body=body, status=status, content_type=SOAP_CONTENT_TYPE, charset="utf-8")


def envelope(action: str, relates_to: str | None, payload: etree._Element) -> etree._Element:
    root = etree.Element(qname(SOAP, "Envelope"), nsmap={"soap": SOAP})
    header = etree.SubElement(root, qname(SOAP, "Header"))
    headers = [("Action", action), ("MessageID", f"urn:uuid:{uuid.uuid4()}"), ("To", WSA_ANONYMOUS)]
    if relates_to is not None:
        headers.append(("RelatesTo", relates_to))
    for name, value in headers:
        etree.SubElement(header, qname(WSA, name), nsmap={"wsa": WSA}).text = value
    etree.SubElement(root, qname(SOAP, "Body")).append(payload)
    return root


def answer(operation: str, relates_to: str | None, payload: etree._Element) -> web.Response:
    return soap_response(envelope(output_action(PULL, operation), relates_to, payload))


def _pull_element(name: str) -> etree._Element:
    return etree.Element(qname(PULL, name), nsmap={"ns2": PULL, "ch": CHANNEL})


def accept_document_answer(sys_ref: str) -> etree._Element:
    element = _pull_element("AcceptDocumentResponse")
    result = etree.SubElement(element, qname(CHANNEL, "result"))
    etree.SubElement(result, qname(CHANNEL, "sysRef")).text = sys_ref
    return element


def next_document_answer(document: ChannelDocument | None, has_next: bool) -> etree._Element:
    element = _pull_element("GetNextDocumentResponse")
    element.set("hasNext", "true" if has_next else "false")
    if document is not None:
        element.append(document_element(document))
    return element


def documents_answer(documents: Sequence[ChannelDocument], info: str | None) -> etree._Element:
    element = _pull_element("GetDocumentsResponse")
    etree.SubElement(element, qname(PULL, "documentsCount")).text = str(len(documents))
    for document in documents:
        element.append(document_element(document))
    if info:
        etree.SubElement(element, qname(PULL, "documentsInfo")).text = info
    return element


def description(code: str, detail: str, errors: Iterable[ErrorDetail], reference: str | None) -> str:
    """``errorDesc``: the gateway's code and message first, the sysRef of a stored refusal (its
    NPP is GetDocuments with that sysRef), then each error with its position."""
    first = f"{code}: {detail}" + (f" (sysRef {reference})" if reference else "")
    listed = [e for e in errors if e.message != detail]
    lines = [first]
    for error in listed[:MAX_LISTED_ERRORS]:
        where = ", ".join(
            part
            for part in (
                f"line {error.line}" if error.line is not None else "",
                f"column {error.column}" if error.column is not None else "",
                error.path or "",
            )
            if part
        )
        lines.append(f"{error.code}: {error.message}" + (f" ({where})" if where else ""))
    if len(listed) > MAX_LISTED_ERRORS:
        lines.append(f"... and {len(listed) - MAX_LISTED_ERRORS} more")
    return "\n".join(lines)


def fault(
    seap: SeapFault,
    *,
    status: int,
    title: str,
    description: str,
    operation: str | None,
    relates_to: str | None,
) -> web.Response:
    """A ``soap:Fault`` with its SEAP detail, answered with HTTP 500 as SOAP 1.1 over HTTP
    prescribes for every fault (and as SOAP clients such as JAX-WS expect)."""
    body = etree.Element(qname(SOAP, "Fault"))
    etree.SubElement(body, "faultcode").text = soap_faultcode(status)
    etree.SubElement(body, "faultstring").text = title
    detail = etree.SubElement(body, "detail")
    wrapper = etree.SubElement(detail, qname(PULL, str(seap.kind)), nsmap={"ns2": PULL, "ch": CHANNEL})
    error = etree.SubElement(wrapper, qname(PULL, "error"))
    etree.SubElement(error, qname(CHANNEL, "errorCode")).text = seap.code
    etree.SubElement(error, qname(CHANNEL, "errorDesc")).text = description
    action = fault_action(PULL, operation, str(seap.kind)) if operation else WSA_FAULT_ACTION
    return soap_response(envelope(action, relates_to, body), status=500)
