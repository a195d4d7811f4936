"""Reading a SOAP 1.1 request: the bytes (bounded before they are all read), the envelope (the
gateway's hardened parser), the operation its Body names, its WS-Addressing MessageID and its
WS-Security UsernameToken, and the Body checked against the WSDL's schema."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from lxml import etree

from gateway.channels.http.requests import read_body
from gateway.config import ParsingSettings, Settings
from gateway.core.errors import (
    BadRequest,
    ErrorDetail,
    InvalidParameter,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
    XmlMalformed,
)
from gateway.core.seap.namespaces import PULL, SOAP, SOAP12, USERNAME_TOKEN_PROFILE, WSA, WSSE, WSU, qname
from gateway.core.seap.wssecurity import PasswordKind, UsernameToken
from gateway.core.timefmt import parse_rfc3339
from gateway.core.validation.parsing import parse

SOAP_MEDIA_TYPES = frozenset({"text/xml", "application/xml"})
#: the Body's element -> the operation
OPERATIONS = {
    qname(PULL, "AcceptDocumentRequest"): "AcceptDocument",
    qname(PULL, "GetNextDocumentRequest"): "GetNextDocument",
    qname(PULL, "GetNextDocumentSiscRequest"): "GetNextDocumentSisc",
    qname(PULL, "GetDocumentsRequest"): "GetDocuments",
}
_PASSWORD_TYPES = {
    f"{USERNAME_TOKEN_PROFILE}#PasswordText": PasswordKind.TEXT,
    f"{USERNAME_TOKEN_PROFILE}#PasswordDigest": PasswordKind.DIGEST,
}


def envelope_limit(settings: Settings) -> int:
    """The largest envelope taken: the base64 of the largest document, and room around it."""
    return (settings.server.max_body_bytes + 2) // 3 * 4 + settings.seap.envelope_overhead_bytes


async def read_envelope(request: web.Request, settings: Settings) -> bytes:
    if request.content_type not in SOAP_MEDIA_TYPES:
        given = request.content_type or "(none)"
        raise UnsupportedMediaType(f"Content-Type {given} is not accepted; SOAP 1.1 is sent as text/xml")
    return await read_body(request, envelope_limit(settings), undecodable=XmlMalformed)


def parse_envelope(body: bytes, limits: ParsingSettings) -> etree._Element:
    """The envelope's root; ``XML_MALFORMED`` / ``XML_FORBIDDEN`` as for any document, and
    ``BAD_REQUEST`` for XML that is not a SOAP 1.1 envelope."""
    root = parse(body, limits, long_text=True).root
    if root.tag == qname(SOAP12, "Envelope"):
        raise BadRequest("SOAP 1.2 is not offered: send a SOAP 1.1 envelope")
    if root.tag != qname(SOAP, "Envelope"):
        raise BadRequest(f"the body is not a SOAP 1.1 envelope (its root is {root.tag})")
    return root


def message_id(envelope: etree._Element) -> str | None:
    value = envelope.findtext(f"{qname(SOAP, 'Header')}/{qname(WSA, 'MessageID')}")
    return value.strip() if value and value.strip() else None


def operation_of(envelope: etree._Element) -> tuple[str, etree._Element]:
    body = envelope.find(qname(SOAP, "Body"))
    children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
    if len(children) != 1:
        raise BadRequest("the SOAP Body must hold exactly one element: the operation's request")
    payload = children[0]
    operation = OPERATIONS.get(str(payload.tag))
    if operation is None:
        raise BadRequest(f"{payload.tag} is no operation of WS_PULL")
    return operation, payload


def validate_payload(payload: etree._Element, schema: etree.XMLSchema) -> None:
    if schema.validate(payload):
        return
    log: Iterable[Any] = schema.error_log  # type: ignore[assignment]  # lxml-stubs lack __iter__
    errors = [ErrorDetail(BadRequest.code, e.message, e.line, e.column, e.path) for e in log]
    raise BadRequest(f"the request does not follow the WSDL's schema ({len(errors)} errors)", errors)


def username_token(envelope: etree._Element) -> UsernameToken | None:
    """The first UsernameToken of the ``wsse:Security`` header; None if there is none."""
    token = envelope.find(f"{qname(SOAP, 'Header')}/{qname(WSSE, 'Security')}/{qname(WSSE, 'UsernameToken')}")
    if token is None:
        return None
    username = (token.findtext(qname(WSSE, "Username")) or "").strip()
    password = token.find(qname(WSSE, "Password"))
    if not username or password is None:
        raise Unauthenticated("the UsernameToken needs a Username and a Password")
    kind = _PASSWORD_TYPES.get(password.get("Type") or f"{USERNAME_TOKEN_PROFILE}#PasswordText")
    if kind is None:
        raise Unauthenticated(f"password type {password.get('Type')} is not supported")
    nonce_text = token.findtext(qname(WSSE, "Nonce"))
    created_text = token.findtext(qname(WSU, "Created"))
    try:
        nonce = base64.b64decode(nonce_text.strip(), validate=True) if nonce_text else None
        created = parse_rfc3339(created_text) if created_text else None
    except (binascii.Error, ValueError):
        raise Unauthenticated(
            "the UsernameToken's Nonce (base64) or Created (a date-time) is malformed"
        ) from None
    return UsernameToken(
        username=username,
        password=(password.text or "").strip() if kind is PasswordKind.DIGEST else password.text or "",
        kind=kind,
        nonce=nonce,
        created_text=created_text.strip() if created_text else None,
        created=created,
    )


def decode_content(text: str | None, max_bytes: int) -> bytes:
    """``document/content``'s bytes, at most ``max_bytes`` once decoded (``PAYLOAD_TOO_LARGE``)."""
    compact = "".join((text or "").split())
    if len(compact) > (max_bytes + 2) // 3 * 4:
        raise PayloadTooLarge(f"the document passes {max_bytes} bytes, the most that is accepted")
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidParameter("document/content is not base64") from None
    if len(decoded) > max_bytes:
        raise PayloadTooLarge(f"the document has {len(decoded)} bytes; at most {max_bytes} are accepted")
    return decoded
