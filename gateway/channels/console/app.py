"""The console as a sub-application at ``/console``: sessions, CSRF, security headers, error pages
and its routes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from pathlib import Path

from aiohttp import web

from gateway.channels.console import auth, checks, documents, operator, registry
from gateway.channels.console.forms import read_form
from gateway.channels.console.samples import SAMPLES, SampleShelf
from gateway.channels.console.sessions import COOKIE, SessionKeeper, session_key
from gateway.channels.console.web import (
    CONTENT_SECURITY_POLICY,
    FORM,
    NEW_SESSION,
    PREFIX,
    SENDER,
    SESSION,
    SESSIONS,
    error_page,
    max_body,
    services,
)
from gateway.config import Settings
from gateway.core.errors import GatewayError, NotFound, Unauthenticated

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC = Path(__file__).parent / "static"
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


def add_console(app: web.Application, settings: Settings) -> None:
    if settings.console.enabled:
        app.add_subapp(PREFIX, console_app(settings))


def console_app(settings: Settings) -> web.Application:
    console = web.Application(middlewares=[console_middleware])
    console[SESSIONS] = SessionKeeper(
        session_key(settings.console.session_key_file), settings.console.session_minutes * 60
    )
    console[SAMPLES] = SampleShelf.read(settings.console.samples_dir)
    console.on_response_prepare.append(_headers)
    console.router.add_get("/static/{name}", static_file)
    auth.add_routes(console)
    checks.add_routes(console)
    documents.add_routes(console)
    operator.add_routes(console)
    registry.add_routes(console)
    return console


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    keeper = request.app[SESSIONS]
    session = keeper.decode(request.cookies.get(COOKIE))
    if session is None:
        session = request[NEW_SESSION] = keeper.new(None)
    request[SESSION] = session
    try:
        if session.account_id is not None:
            try:
                request[SENDER] = await services(request).accounts.sender(session.account_id)
            except Unauthenticated:
                session = request[SESSION] = request[NEW_SESSION] = keeper.new(None)
        if request.method == "POST":
            posted = await read_form(request, max_body(request))
            if not keeper.csrf_valid(session, posted.fields.get("csrf")):
                return error_page(
                    request,
                    403,
                    "CSRF_TOKEN_INVALID",
                    "This form was not sent from a page of this console session (its CSRF token is "
                    "missing or out of date). Reload the page and send it again.",
                )
            request[FORM] = posted
        return await handler(request)
    except GatewayError as error:
        return error_page(request, error.status, error.code, error.detail, error.errors)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    new = request.get(NEW_SESSION)
    if new is not None:
        # a header, not response.set_cookie: the response's cookies are already in its headers here
        response.headers.add("Set-Cookie", session_cookie(request.app[SESSIONS].encode(new), request.secure))


def session_cookie(value: str, secure: bool) -> str:
    """HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure over
    https; it ends with the browser, the session itself when its time is up."""
    cookie: SimpleCookie = SimpleCookie()
    cookie[COOKIE] = value
    morsel = cookie[COOKIE]
    morsel["path"] = PREFIX
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = STATIC / name
    if "/" in name or name.startswith(".") or path.suffix not in _STATIC_TYPES or not path.is_file():
        raise NotFound(f"no file {name}")
    return web.Response(
        body=path.read_bytes(),
        content_type=_STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "public, max-age=3600"},
    )
