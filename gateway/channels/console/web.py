"""What every console handler uses: the running services, the signed-in account, the posted form,
and rendering a template with the page's security headers."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import quote

import jinja2
from aiohttp import web

from gateway.bootstrap import Services
from gateway.channels.console.forms import Form
from gateway.channels.console.sessions import Session, SessionKeeper
from gateway.channels.http import keys
from gateway.core.domain import Sender
from gateway.core.errors import ErrorDetail, Forbidden

PREFIX = "/console"
SESSIONS = web.AppKey("console_sessions", SessionKeeper)
SESSION: web.RequestKey[Session] = web.RequestKey("console_session", Session)
#: the signed-in account (absent for a visitor)
SENDER: web.RequestKey[Sender] = web.RequestKey("console_sender", Sender)
FORM: web.RequestKey[Form] = web.RequestKey("console_form", Form)
#: a session to send as the cookie with this answer (new, or changed by signing in or out)
NEW_SESSION: web.RequestKey[Session] = web.RequestKey("console_new_session", Session)

#: no inline script or style, nothing from elsewhere, no framing, forms only to the console
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@functools.cache
def templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("gateway.channels.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["urlpart"] = lambda value: quote(str(value), safe="")
    return environment


def services(request: web.Request) -> Services:
    running: Services = request.config_dict[keys.SERVICES]
    return running


def max_body(request: web.Request) -> int:
    limit: int = request.config_dict[keys.SETTINGS].server.max_body_bytes
    return limit


def signed_in(request: web.Request) -> Sender:
    """The signed-in account; a visitor is sent to the sign-in page (and back here after)."""
    if SENDER not in request:
        target = request.path_qs if request.method == "GET" else PREFIX
        raise web.HTTPSeeOther(f"{PREFIX}/signin?next={quote(target, safe='')}")
    return request[SENDER]


def operator(request: web.Request) -> Sender:
    sender = signed_in(request)
    if not sender.operator:
        raise Forbidden("these pages are for operator accounts")
    return sender


def form(request: web.Request) -> Form:
    """The posted form, its CSRF token already checked (gateway/channels/console/app.py)."""
    return request[FORM]


def context(request: web.Request, **values: Any) -> dict[str, Any]:
    session = request[SESSION]
    return {
        "me": request.get(SENDER),
        "csrf": request.app[SESSIONS].csrf_token(request.get(NEW_SESSION, session)),
        "path": request.path,
        **values,
    }


def page(template: str, request: web.Request, http_status: int = 200, **values: Any) -> web.Response:
    html = templates().get_template(template).render(context(request, **values))
    return web.Response(text=html, status=http_status, content_type="text/html", charset="utf-8")


def error_page(
    request: web.Request, status: int, code: str, detail: str, errors: tuple[ErrorDetail, ...] = ()
) -> web.Response:
    shown = [e for e in errors if e.message != detail]
    return page("error.html", request, status, code=code, detail=detail, errors=shown)
