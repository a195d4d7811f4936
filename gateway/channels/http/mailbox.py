"""``GET /api/v1/mailbox``: the customs systems' responses, for the traders' software to poll
(semantics in gateway/adapters/storage/mailbox.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web
from sqlalchemy import ColumnElement

from gateway.adapters.storage.access import readers_of
from gateway.adapters.storage.mailbox import (
    MAX_RESPONSE_ID,
    RESPONSE_CONTENT_TYPE,
    MailboxQuery,
    MailboxState,
)
from gateway.channels.http import keys
from gateway.channels.http.routes import DEFAULT_PAGE, MAX_PAGE, authenticate
from gateway.core.domain import SYSTEMS
from gateway.core.errors import BadRequest, NotFound

# Each call changes what the next one answers: no cache may keep an answer.
NOT_CACHED = {"Cache-Control": "no-store"}


def add_mailbox_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/mailbox", take_mailbox)
    app.router.add_get("/api/v1/mailbox/{id}", get_mailbox_response)


async def take_mailbox(request: web.Request) -> web.StreamResponse:
    sender = await authenticate(request)
    now = datetime.now(UTC)
    readers = await readers_of(request.app[keys.SESSIONS], sender.account_id, now)
    page = await request.app[keys.MAILBOX].take(mailbox_query(request.query, readers.condition()), now)
    return web.json_response(page.as_dict(), headers=NOT_CACHED)


async def get_mailbox_response(request: web.Request) -> web.StreamResponse:
    """The response's bytes exactly as the customs system sent them."""
    sender = await authenticate(request)
    raw_id = request.match_info["id"]
    if not raw_id.isascii() or not raw_id.isdigit():
        raise NotFound(f"no response {raw_id}")
    now = datetime.now(UTC)
    readers = await readers_of(request.app[keys.SESSIONS], sender.account_id, now)
    item = await request.app[keys.MAILBOX].get(int(raw_id), readers.condition(), now)
    return web.Response(body=item.body, content_type=RESPONSE_CONTENT_TYPE, headers=NOT_CACHED)


def mailbox_query(values: Mapping[str, str], readable: ColumnElement[bool]) -> MailboxQuery:
    """The query of the request's parameters; ``BAD_REQUEST`` for any value out of its range."""
    state_value = values.get("state") or MailboxState.UNREAD
    if state_value not in {s.value for s in MailboxState}:
        raise BadRequest(f"state must be one of {', '.join(s.value for s in MailboxState)}")
    state = MailboxState(state_value)
    system = values.get("system") or None
    if system is not None and system not in SYSTEMS:
        raise BadRequest(f"system must be one of {', '.join(SYSTEMS)}")
    limit = whole_number(values.get("limit"), "limit")
    if limit is None:
        limit = DEFAULT_PAGE
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    after = whole_number(values.get("after"), "after")
    if after is not None and after > MAX_RESPONSE_ID:
        raise BadRequest(f"after must be at most {MAX_RESPONSE_ID}")
    if after is not None and state is not MailboxState.ALL:
        # unread responses leave the mailbox as they are read: polling again is the next page
        raise BadRequest("after pages state=all only")
    return MailboxQuery(
        readable=readable,
        reference=document_reference(values.get("reference")),
        acting_for=values.get("acting_for") or None,
        system=system,
        state=state,
        after=after,
        limit=limit,
    )


def whole_number(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        raise BadRequest(f"{name} must be a whole number, 0 or more")
    return int(value)


def document_reference(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadRequest("reference must be a document reference (a UUID)") from None
