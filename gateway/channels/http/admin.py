"""``/api/v1/admin/...``: the registry administration API, one route per operation of
:data:`gateway.channels.operations.OPERATIONS` (nothing here is about any one operation).

Every call needs the token of an account with role ``operator``; the operator's login is the actor
recorded in the registry's audit trail.  Path parameters come from the route, the others from the
JSON body (POST, PUT, PATCH) or the query string (GET, DELETE); an operation with a ``body``
parameter takes the whole body (``text/csv`` for the PDR import).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.channels.http.requests import caller, read_body, services
from gateway.channels.operations import OPERATIONS, Operation
from gateway.core.errors import BadRequest, Forbidden, InvalidParameter, UnsupportedMediaType
from gateway.core.text import require_storable

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_admin_routes(app: web.Application) -> None:
    for operation in OPERATIONS:
        app.router.add_route(operation.method, operation.route, _handler(operation))


def _handler(operation: Operation) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        sender = await caller(request)
        if not sender.operator:
            raise Forbidden("the registry administration API needs the token of an operator's account")
        params = operation.parse(await _raw_params(operation, request))
        result = await operation.run(services(request).administration, sender.login, params)
        return web.json_response(result, status=operation.status)

    handle.__name__ = "admin_" + "_".join(operation.command).replace("-", "_")
    return handle


async def _raw_params(operation: Operation, request: web.Request) -> dict[str, object]:
    """The parameters as given: text from the path and query string, JSON values from the body."""
    raw: dict[str, object] = {}
    body_params = [p for p in operation.params if p.body]
    if body_params:
        if request.content_type != operation.media_type:
            given = request.content_type or "(none)"
            raise UnsupportedMediaType(f"Content-Type {given} is not accepted; send {operation.media_type}")
        raw[body_params[0].name] = await read_body(request)
    elif request.method in ("GET", "DELETE"):
        for name in request.query:
            param = next((p for p in operation.params if p.name == name), None)
            raw[name] = request.query.getall(name) if param and param.many else request.query[name]
    else:
        raw.update(await _json_object(request))
    for name, value in request.match_info.items():
        if name in raw:
            raise BadRequest(f"{name} is given by the path; leave it out of the request")
        raw[name] = value
    return raw


async def _json_object(request: web.Request) -> dict[str, object]:
    try:
        text = (await read_body(request)).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameter("the body must be JSON in UTF-8") from None
    if not text.strip():
        return {}
    try:
        body = json.loads(text)
    except ValueError:
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    require_storable(body.items(), "JSON field")
    return body
