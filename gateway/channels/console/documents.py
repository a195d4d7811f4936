"""The signed-in account's documents (with the API's read rules: the same service), each one's
signed receipt with its offline verification, and the mailbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from aiohttp import web

from gateway.channels.console.web import page, services, signed_in
from gateway.core.domain import SYSTEMS, Status
from gateway.core.errors import BadRequest, NotFound
from gateway.core.mailbox import MailboxState
from gateway.core.receipts.verify import ReceiptNotVerified, VerifiedReceipt
from gateway.core.timefmt import parse_rfc3339
from gateway.core.verdicts import receipt_json
from gateway.services.documents import DocumentFilter
from gateway.services.mailbox import MailboxRequest

PAGE_SIZE = 20


def add_routes(app: web.Application) -> None:
    app.router.add_get("/documents", documents)
    app.router.add_get("/documents/{reference}", document)
    app.router.add_get("/documents/{reference}/receipt", receipt_download)
    app.router.add_get("/mailbox", mailbox)
    app.router.add_get("/mailbox/{id}", mailbox_item)


def _since(value: str | None) -> datetime | None:
    """A date (``YYYY-MM-DD``, the date input's) meaning 00:00 UTC, or an RFC 3339 date-time."""
    if not value:
        return None
    try:
        return parse_rfc3339(value, date_only=True)
    except ValueError:
        raise BadRequest("since must be a date (YYYY-MM-DD) or an RFC 3339 date-time") from None


def _reference(request: web.Request) -> str:
    raw = request.match_info["reference"]
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(f"no document {raw}") from None


async def documents(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    query = request.query
    wanted = DocumentFilter(
        system=query.get("system") or None,
        status=query.get("status") or None,
        since=_since(query.get("since")),
        cursor=query.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    found = await services(request).documents.list(sender, wanted)
    filters = {name: query.get(name, "") for name in ("system", "status", "since")}
    return page(
        "documents.html",
        request,
        items=[receipt_json(r) for r in found.items],
        has_next=found.has_next,
        next_cursor=found.next_cursor,
        filters=filters,
        systems=SYSTEMS,
        statuses=[str(s) for s in Status],
        first_page=wanted.cursor is None,
    )


async def document(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    reference = _reference(request)
    running = services(request)
    receipt = await running.documents.status(sender, reference)
    body = await running.documents.receipt(sender, reference)
    verified: VerifiedReceipt | None = None
    failure: str | None = None
    try:
        verified = await asyncio.to_thread(running.receipts.verify, body)
    except ReceiptNotVerified as refused:
        failure = str(refused)
    fields = {**receipt_json(receipt), "responses": list(receipt.responses)}
    return page(
        "document.html",
        request,
        document=fields,
        verified=verified.as_dict() if verified else None,
        digest_matches=verified is not None and verified.digest == fields["digest"],
        failure=failure,
    )


async def receipt_download(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    reference = _reference(request)
    running = services(request)
    receipt = await running.documents.status(sender, reference)
    body = await running.documents.receipt(sender, reference)
    kind = "NPP" if receipt.status is Status.REJECTED else "UPO"
    return web.Response(
        body=body,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{reference}.xml"'},
    )


async def mailbox(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    after = request.query.get("after")
    if after is not None and not (after.isascii() and after.isdigit()):
        raise BadRequest("after must be a whole number")
    wanted = MailboxRequest(state=MailboxState.ALL, after=int(after) if after else None, limit=PAGE_SIZE)
    found = await services(request).mailbox.take(sender, wanted)
    return page(
        "mailbox.html", request, items=found.items, has_next=found.has_next, next_cursor=found.next_cursor
    )


async def mailbox_item(request: web.Request) -> web.StreamResponse:
    sender = signed_in(request)
    raw = request.match_info["id"]
    if not raw.isascii() or not raw.isdigit():
        raise NotFound(f"no response {raw}")
    item = await services(request).mailbox.get(sender, int(raw))
    return web.Response(
        body=item.body,
        content_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{item.message_type or "response"}-{item.id}.xml"'
        },
    )
