"""Signing in (login and password, or an API token) and out."""

from __future__ import annotations

from aiohttp import web

from gateway.channels.console.web import (
    NEW_SESSION,
    PREFIX,
    SENDER,
    SESSION,
    SESSIONS,
    form,
    page,
    services,
)
from gateway.core.domain import Sender
from gateway.core.errors import Unauthenticated

HOME = f"{PREFIX}/check"


def add_routes(app: web.Application) -> None:
    app.router.add_get("", home)
    app.router.add_get("/", home)
    app.router.add_get("/signin", signin_form)
    app.router.add_post("/signin", signin)
    app.router.add_post("/signout", signout)


def safe_next(target: str | None) -> str:
    """Back to a console page only: never a full URL or another site (``//host``)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther(HOME if request.get(SENDER) else f"{PREFIX}/signin")


async def signin_form(request: web.Request) -> web.StreamResponse:
    return page("signin.html", request, next=safe_next(request.query.get("next")), failed=None)


async def signin(request: web.Request) -> web.StreamResponse:
    posted = form(request)
    accounts = services(request).accounts
    target = safe_next(posted.get("next"))
    try:
        sender: Sender
        if posted.get("token"):
            sender = await accounts.authenticate_token(posted.get("token"))
        else:
            sender = await accounts.authenticate_password(
                posted.get("login"), posted.fields.get("password", "")
            )
    except Unauthenticated as refused:
        return page("signin.html", request, 401, next=target, failed=refused.detail)
    keeper = request.app[SESSIONS]
    keeper.end(request[SESSION])
    request[NEW_SESSION] = keeper.new(sender.account_id)
    raise web.HTTPSeeOther(target)


async def signout(request: web.Request) -> web.StreamResponse:
    keeper = request.app[SESSIONS]
    keeper.end(request[SESSION])
    request[NEW_SESSION] = keeper.new(None)
    raise web.HTTPSeeOther(f"{PREFIX}/signin")
