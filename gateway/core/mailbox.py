"""The mailbox's values: the customs systems' responses as a poller sees them."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from gateway.core.timefmt import rfc3339

RESPONSE_CONTENT_TYPE = "application/xml"
#: the largest id a BIGINT holds: a larger one names no response (and must not reach the database)
MAX_RESPONSE_ID = 2**63 - 1


class MailboxState(StrEnum):
    #: unread responses, oldest first; what a poller asks for
    UNREAD = "unread"
    #: every response, in arrival order, paged with a cursor
    ALL = "all"


@dataclass(frozen=True, slots=True)
class SiscParties:
    """The SISC identifiers of the parties of the document a response answers, as the SEAP
    channel gives them (``personSISC``, ``middleSISC``, ``endSISC``; docs/seap.md)."""

    #: the ID SISC of the person of the account that sent the document
    person: str | None = None
    #: the Podmiot's ID SISC when the document names it as the representative (an agency)
    middle: str | None = None
    #: the Podmiot's ID SISC otherwise (the trader the document acts for)
    end: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseFilter:
    """Narrower selections of responses than the REST mailbox offers (the SEAP channel's
    GetDocuments and GetNextDocumentSisc).  Every field left None selects everything."""

    person_sisc: str | None = None
    middle_sisc: str | None = None
    end_sisc: str | None = None
    #: the response's own identifier (its ``message_id``)
    message_id: str | None = None
    #: the message identifier of the document it answers (the trader's own)
    document_message_id: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    #: only responses read already (True) or still unread (False)
    read: bool | None = None


@dataclass(frozen=True, slots=True)
class MailboxItem:
    id: int
    reference: str
    message_id: str
    system: str | None
    message_type: str | None
    received_at: datetime
    #: when it was first read: by this call when ``first_read``
    read_at: datetime
    first_read: bool
    headers: dict[str, Any]
    body: bytes
    parties: SiscParties = field(default_factory=SiscParties)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "message_id": self.message_id,
            "system": self.system,
            "message_type": self.message_type,
            "received_at": rfc3339(self.received_at),
            "read_at": rfc3339(self.read_at),
            "first_read": self.first_read,
            "headers": self.headers,
            "content_type": RESPONSE_CONTENT_TYPE,
            "body_base64": base64.b64encode(self.body).decode("ascii"),
        }


@dataclass(frozen=True, slots=True)
class MailboxPage:
    items: tuple[MailboxItem, ...]
    has_next: bool
    #: ``state=all``: the ``after`` of the next page, when there is one
    next_cursor: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [item.as_dict() for item in self.items],
            "has_next": self.has_next,
            "next_cursor": self.next_cursor,
        }
