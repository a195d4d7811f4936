"""``/api/v1/admin/outbox/...``: the outbox's dead letters for operators (operator token), the same
as ``gateway outbox list|requeue``.

- ``GET /api/v1/admin/outbox/dead?limit=N``: the dead letters, oldest first
- ``POST /api/v1/admin/outbox/dead/{reference}/requeue``: one back in the queue (404 if it is none)
- ``POST /api/v1/admin/outbox/requeue`` with ``{"references": [...]}`` or ``{"all": true}``
"""

from __future__ import annotations

from aiohttp import web

from gateway.channels.http.requests import caller, json_body, services, whole_number
from gateway.core.domain import Sender
from gateway.core.errors import BadRequest, Forbidden
from gateway.services.outbox import dead_letters_json

PREFIX = "/api/v1/admin/outbox"


def add_outbox_routes(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/dead", list_dead_letters)
    app.router.add_post(f"{PREFIX}/dead/{{reference}}/requeue", requeue_one)
    app.router.add_post(f"{PREFIX}/requeue", requeue_many)


async def _operator(request: web.Request) -> Sender:
    sender = await caller(request)
    if not sender.operator:
        raise Forbidden("the outbox administration needs the token of an operator's account")
    return sender


async def list_dead_letters(request: web.Request) -> web.StreamResponse:
    await _operator(request)
    limit = whole_number(request.query.get("limit"), "limit", 100)
    letters = await services(request).outbox.dead_letters(limit)
    return web.json_response(dead_letters_json(letters))


async def requeue_one(request: web.Request) -> web.StreamResponse:
    await _operator(request)
    requeued = await services(request).outbox.requeue([request.match_info["reference"]])
    return web.json_response(requeued.as_dict())


async def requeue_many(request: web.Request) -> web.StreamResponse:
    await _operator(request)
    body = await json_body(request, {})
    references = body.get("references")
    if body.get("all") is True and references is None:
        wanted = None
    elif isinstance(references, list) and all(isinstance(r, str) for r in references) and references:
        wanted = references
    else:
        raise BadRequest('send {"references": ["<reference>", ...]} or {"all": true}')
    requeued = await services(request).outbox.requeue(wanted)
    return web.json_response(requeued.as_dict())
