"""The four WS_PULL operations: each reads its request, calls one service, renders the answer.

* ``AcceptDocument``: the submission service of ``POST /api/v1/documents``, with
  ``targetSystems`` as the systems the document must belong to.
* ``GetNextDocument`` / ``GetNextDocumentSisc``: the mailbox's next unread response (the latter
  for a person, agency or Podmiot by its ID SISC).
* ``GetDocuments``: with ``sysRef``, that submission's signed UPO or NPP; otherwise the responses
  its filters select (``korelacjaSysref`` / ``idSprawy``: those answering one submission).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from lxml import etree

from gateway.bootstrap import Services
from gateway.channels.seap.envelope import decode_content
from gateway.channels.seap.render import accept_document_answer, documents_answer, next_document_answer
from gateway.core.domain import Sender
from gateway.core.errors import (
    BadRequest,
    GatewayError,
    InvalidParameter,
    UnsupportedMediaType,
    error_class_for,
)
from gateway.core.mailbox import MailboxItem, MailboxState, ResponseFilter
from gateway.core.paging import DEFAULT_PAGE
from gateway.core.seap.channel import ChannelDocument, response_document
from gateway.core.seap.namespaces import CHANNEL, PULL, qname
from gateway.core.timefmt import parse_rfc3339
from gateway.services.mailbox import MailboxRequest

Handler = Callable[[Services, Sender, etree._Element], Awaitable[etree._Element]]
#: ``pobrany`` (downloaded): which words mean yes and no
_YES, _NO = frozenset({"t", "tak", "y", "yes", "true", "1"}), frozenset({"n", "nie", "no", "false", "0"})


class RefusedSubmission(Exception):
    """A document the checks refused: its error, and its reference when it was stored."""

    def __init__(self, error: GatewayError, reference: str | None) -> None:
        super().__init__(error.detail)
        self.error = error
        self.reference = reference


async def accept_document(services: Services, sender: Sender, payload: etree._Element) -> etree._Element:
    document = payload.find(qname(CHANNEL, "document"))
    assert document is not None  # the schema requires it
    content = document.find(qname(CHANNEL, "content"))
    assert content is not None
    if content.get("mime") != "application/xml":
        raise UnsupportedMediaType(
            f"document/content mime {content.get('mime')} is not accepted: send application/xml"
        )
    if document.find(qname(CHANNEL, "attachments")) is not None:
        raise BadRequest("attachments are not accepted: send the signed XML alone")
    body = decode_content(content.text, services.settings.server.max_body_bytes)
    systems = [(s.text or "").strip() for s in document.iterfind(f"{qname(CHANNEL, 'targetSystems')}/*")]
    submitted = await services.submissions.submit(sender, body, addressed_to=systems)
    if submitted.outcome.refused:
        verdict = submitted.verdict
        assert verdict.refusal is not None
        detail = verdict.errors[0].message if len(verdict.errors) == 1 else f"{len(verdict.errors)} errors"
        error = error_class_for(verdict.refusal)(detail, verdict.errors)
        raise RefusedSubmission(error, submitted.receipt.reference if submitted.receipt else None)
    assert submitted.receipt is not None
    return accept_document_answer(submitted.receipt.reference)


async def get_next_document(services: Services, sender: Sender, payload: etree._Element) -> etree._Element:
    return await _next(services, sender, ResponseFilter())


async def get_next_document_sisc(
    services: Services, sender: Sender, payload: etree._Element
) -> etree._Element:
    fields = _fields(payload)
    narrowed = ResponseFilter(
        person_sisc=fields.get("idSiscROF"),
        middle_sisc=fields.get("idSiscROP"),
        end_sisc=fields.get("idSiscP"),
    )
    return await _next(services, sender, narrowed)


async def _next(services: Services, sender: Sender, narrowed: ResponseFilter) -> etree._Element:
    page = await services.mailbox.take(sender, MailboxRequest(limit=1, narrowed=narrowed))
    document = channel_document(page.items[0]) if page.items else None
    return next_document_answer(document, page.has_next)


async def get_documents(services: Services, sender: Sender, payload: etree._Element) -> etree._Element:
    fields = _fields(payload)
    if "sysRef" in fields:
        if len(fields) > 1:
            raise BadRequest("sysRef names one submission's receipt: give no other filter with it")
        return await _receipt(services, sender, _reference(fields["sysRef"], "sysRef"))
    wanted = _response_request(fields)
    page = await services.mailbox.take(sender, wanted)
    info = (
        f"more documents match than the {wanted.limit} given: narrow the filters, or take the unread "
        "ones with pobrany=N until none is left"
        if page.has_next
        else None
    )
    return documents_answer([channel_document(item) for item in page.items], info)


async def _receipt(services: Services, sender: Sender, reference: str) -> etree._Element:
    """The UPO/NPP rule of docs/seap.md: GetDocuments(sysRef) answers the submission's receipt."""
    receipt = await services.documents.receipt(sender, reference)
    document = ChannelDocument(
        content=receipt, filename=f"receipt-{reference}.xml", dispatch_id=reference, case_id=reference
    )
    return documents_answer([document], None)


def _response_request(fields: dict[str, str]) -> MailboxRequest:
    related = {fields[name] for name in ("korelacjaSysref", "idSprawy") if name in fields}
    if len(related) > 1:
        raise BadRequest("korelacjaSysref and idSprawy name the same submission: give one, or both alike")
    seen = (fields.get("pobrany") or "").strip().lower()
    if seen and seen not in _YES | _NO:
        raise InvalidParameter("pobrany must be T (downloaded already) or N (not yet)")
    until = _day(fields, "dataDo")
    narrowed = ResponseFilter(
        person_sisc=fields.get("idSiscROF"),
        middle_sisc=fields.get("idSiscROP"),
        end_sisc=fields.get("idSiscP"),
        message_id=fields.get("idWysylki"),
        document_message_id=fields.get("idDocSysZew"),
        received_from=_day(fields, "dataOd"),
        received_before=until + timedelta(days=1) if until else None,
        read=True if seen in _YES else None,
    )
    return MailboxRequest(
        reference=_reference(related.pop(), "korelacjaSysref") if related else None,
        state=MailboxState.UNREAD if seen in _NO else MailboxState.ALL,
        limit=DEFAULT_PAGE,
        narrowed=narrowed,
    )


def channel_document(item: MailboxItem) -> ChannelDocument:
    return response_document(item.body, item.message_id, item.reference, item.parties)


def _fields(payload: etree._Element) -> dict[str, str]:
    """The request's simple elements by local name, the empty ones left out."""
    found: dict[str, str] = {}
    for child in payload:
        if isinstance(child.tag, str) and etree.QName(child).namespace == PULL and (child.text or "").strip():
            found[etree.QName(child).localname] = (child.text or "").strip()
    return found


def _reference(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidParameter(f"{name} must be a gateway reference (a UUID)") from None


def _day(fields: dict[str, str], name: str) -> datetime | None:
    value = fields.get(name)
    return parse_rfc3339(value[:10], date_only=True) if value else None


HANDLERS: dict[str, Handler] = {
    "AcceptDocument": accept_document,
    "GetNextDocument": get_next_document,
    "GetNextDocumentSisc": get_next_document_sisc,
    "GetDocuments": get_documents,
}
