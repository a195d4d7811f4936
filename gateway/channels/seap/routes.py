"""``POST /ws/pull`` (the SEAP pull service), ``GET /ws/pull?wsdl``, ``GET /ws/push?wsdl`` and the
schema they import.  Every answer to a POST is a SOAP envelope: the operation's answer, or a fault
from the one table of gateway/channels/seap/faults.py, never an error of another shape."""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.channels.http.requests import services
from gateway.channels.seap import description
from gateway.channels.seap.envelope import (
    message_id,
    operation_of,
    parse_envelope,
    read_envelope,
    username_token,
    validate_payload,
)
from gateway.channels.seap.faults import INTERNAL_FAULT, fault_for
from gateway.channels.seap.handlers import HANDLERS, RefusedSubmission
from gateway.channels.seap.render import answer, fault
from gateway.channels.seap.render import description as fault_description
from gateway.core.errors import BadRequest, GatewayError

log = logging.getLogger(__name__)

PULL_PATH = "/ws/pull"
PUSH_PATH = "/ws/push"
SCHEMA_PATH = f"/ws/{description.CHANNEL_SCHEMA}"


def add_seap_routes(app: web.Application) -> None:
    app.router.add_post(PULL_PATH, pull_service)
    app.router.add_get(PULL_PATH, pull_description)
    app.router.add_get(PUSH_PATH, push_description)
    app.router.add_get(SCHEMA_PATH, channel_schema)


async def pull_service(request: web.Request) -> web.StreamResponse:
    running = services(request)
    settings = running.settings
    operation: str | None = None
    relates_to: str | None = None
    try:
        envelope = parse_envelope(await read_envelope(request, settings), settings.parsing)
        relates_to = message_id(envelope)
        operation, payload = operation_of(envelope)
        sender = await running.web_service.authenticate(username_token(envelope))
        validate_payload(payload, description.body_schema())
        return answer(operation, relates_to, await HANDLERS[operation](running, sender, payload))
    except RefusedSubmission as refused:
        error = refused.error
        text = fault_description(error.code, error.detail, error.errors, refused.reference)
        return fault(
            fault_for(error.code),
            status=error.status,
            title=error.title,
            description=text,
            operation=operation,
            relates_to=relates_to,
        )
    except GatewayError as error:
        return fault(
            fault_for(error.code),
            status=error.status,
            title=error.title,
            description=fault_description(error.code, error.detail, error.errors, None),
            operation=operation,
            relates_to=relates_to,
        )
    except Exception:
        log.exception("unexpected error in SEAP %s", operation or "request")
        return fault(
            INTERNAL_FAULT,
            status=500,
            title="Internal error",
            description="INTERNAL: unexpected error; see the gateway's logs",
            operation=operation,
            relates_to=relates_to,
        )


def base_url(request: web.Request) -> str:
    """Where clients reach the gateway: the configured public address, else the request's own."""
    configured = services(request).settings.seap.public_base_url.rstrip("/")
    return configured or f"{request.scheme}://{request.host}"


def _wants_wsdl(request: web.Request) -> None:
    if not any(key.lower() == "wsdl" for key in request.query):
        raise BadRequest("ask for the service description with ?wsdl")


async def pull_description(request: web.Request) -> web.StreamResponse:
    _wants_wsdl(request)
    base = base_url(request)
    body = description.served_wsdl(description.PULL_WSDL, base, base + PULL_PATH)
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


async def push_description(request: web.Request) -> web.StreamResponse:
    """WS_PUSH as a trader implements it to receive pushed responses (the address is theirs)."""
    _wants_wsdl(request)
    body = description.served_wsdl(description.PUSH_WSDL, base_url(request), None)
    return web.Response(body=body, content_type="text/xml", charset="utf-8")


async def channel_schema(request: web.Request) -> web.StreamResponse:
    return web.Response(body=description.channel_schema(), content_type="text/xml", charset="utf-8")
