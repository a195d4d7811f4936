"""``GET /api/v1/mailbox``: the customs systems' responses, for the traders' software to poll."""

from __future__ import annotations

import uuid

from aiohttp import web

from gateway.channels.http.requests import caller, services
from gateway.core.errors import BadRequest, NotFound
from gateway.core.mailbox import RESPONSE_CONTENT_TYPE, MailboxState
from gateway.core.paging import DEFAULT_PAGE
from gateway.services.mailbox import MailboxRequest

# Each call changes what the next one answers: no cache may keep an answer.
NOT_CACHED = {"Cache-Control": "no-store"}


def add_mailbox_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/mailbox", take_mailbox)
    app.router.add_get("/api/v1/mailbox/{id}", get_mailbox_response)


async def take_mailbox(request: web.Request) -> web.StreamResponse:
    sender = await caller(request)
    query = request.query
    state = query.get("state") or MailboxState.UNREAD
    if state not in {s.value for s in MailboxState}:
        raise BadRequest(f"state must be one of {', '.join(s.value for s in MailboxState)}")
    limit = count(query.get("limit"), "limit")
    wanted = MailboxRequest(
        reference=document_reference(query.get("reference")),
        acting_for=query.get("acting_for") or None,
        system=query.get("system") or None,
        state=MailboxState(state),
        after=count(query.get("after"), "after"),
        limit=DEFAULT_PAGE if limit is None else limit,
    )
    page = await services(request).mailbox.take(sender, wanted)
    return web.json_response(page.as_dict(), headers=NOT_CACHED)


async def get_mailbox_response(request: web.Request) -> web.StreamResponse:
    """The response's bytes exactly as the customs system sent them."""
    sender = await caller(request)
    raw_id = request.match_info["id"]
    if not raw_id.isascii() or not raw_id.isdigit():
        raise NotFound(f"no response {raw_id}")
    item = await services(request).mailbox.get(sender, int(raw_id))
    return web.Response(body=item.body, content_type=RESPONSE_CONTENT_TYPE, headers=NOT_CACHED)


def count(value: str | None, name: str) -> int | None:
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
