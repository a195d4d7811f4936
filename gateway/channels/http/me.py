"""``/api/v1/me``: the calling account, and linking it to the person migrated from PDR."""

from __future__ import annotations

from aiohttp import web

from gateway.channels.http.requests import caller, json_body, services


def add_me_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/me", me)
    app.router.add_post("/api/v1/me/link", link_me)


async def me(request: web.Request) -> web.StreamResponse:
    """The account, its person and the Podmioty it acts for with its rights: what a user checks
    after linking migrated PDR data."""
    return web.json_response((await services(request).accounts.me(await caller(request))).as_dict())


async def link_me(request: web.Request) -> web.StreamResponse:
    """Links the calling account to the person migrated from PDR: ``{"pesel": ..., "code": ...}``."""
    sender = await caller(request)
    body = await json_body(request, {"pesel": str, "code": str})
    linked = await services(request).accounts.link(sender, body["pesel"], body["code"])
    return web.json_response(linked.as_dict())
