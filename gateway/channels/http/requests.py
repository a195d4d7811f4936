"""Reading requests: the caller's account, bodies and query values, translated into the services'
terms.  Nothing here decides anything about documents."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from gateway.bootstrap import Services
from gateway.channels.http import keys
from gateway.core.domain import Sender
from gateway.core.errors import BadRequest, GatewayError, InvalidParameter, PayloadTooLarge
from gateway.core.text import require_storable
from gateway.core.timefmt import parse_rfc3339

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
READ_CHUNK = 256 * 1024


def services(request: web.Request) -> Services:
    return request.app[keys.SERVICES]


async def caller(request: web.Request) -> Sender:
    """The account of the request's ``Authorization: Bearer`` token."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return await services(request).accounts.authenticate_token(token if scheme.lower() == "bearer" else None)


def refuse_unstorable_parameters(request: web.Request) -> None:
    """``INVALID_PARAMETER`` for a path or query value (or query name) that no store can hold: a NUL
    character or a lone surrogate.  Checked once for every route, before its handler."""
    require_storable([("path", request.path)], "request")  # also where no route matches it
    require_storable(request.match_info.items(), "path parameter")
    require_storable(request.query.items(), "query parameter")


async def read_body(
    request: web.Request,
    limit: int | None = None,
    *,
    undecodable: type[GatewayError] = InvalidParameter,
) -> bytes:
    """The body, refused as soon as it is known to pass ``limit`` (default ``max_body_bytes``):
    never read whole when too large.  A body its ``Content-Encoding`` cannot decode (a corrupt
    gzip stream) is refused with ``undecodable``."""
    limit = request.app[keys.SETTINGS].server.max_body_bytes if limit is None else limit
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the body has {request.content_length} bytes; at most {limit} are accepted")
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := await request.content.read(READ_CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the body passes {limit} bytes, the most that is accepted")
            chunks.append(chunk)
    except web.RequestPayloadError as exc:
        encoding = request.headers.get("Content-Encoding", "(none)")
        raise undecodable(f"the body cannot be decoded (Content-Encoding {encoding}): {exc}") from None
    return b"".join(chunks)


async def json_body(request: web.Request, fields: Mapping[str, type]) -> dict[str, Any]:
    """A JSON object body with (at least) ``fields`` of the given types; no text in it may hold a
    NUL character or a lone surrogate (``INVALID_PARAMETER``)."""
    try:
        body = json.loads(await read_body(request))
    except ValueError:  # UnicodeDecodeError included
        raise BadRequest("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    require_storable(body.items(), "JSON field")
    for name, kind in fields.items():
        if not isinstance(body.get(name), kind):
            raise BadRequest(f"{name} is required ({kind.__name__})")
    return body


def wants_xml(request: web.Request) -> bool:
    """Whether the client put an XML type before JSON in ``Accept`` (no weights: first named wins)."""
    for item in request.headers.get("Accept", "").split(","):
        media_type = item.split(";")[0].strip().lower()
        if media_type in XML_MEDIA_TYPES:
            return True
        if media_type.endswith("json"):
            return False
    return False


def flag(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes"}


def whole_number(value: str | None, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


def moment(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_rfc3339(value)
    except ValueError:
        raise BadRequest(f"{name} must be an RFC 3339 date-time") from None
