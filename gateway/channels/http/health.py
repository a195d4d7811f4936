"""``/healthz``, ``/readyz`` and ``/metrics``: for operators and orchestrators, no token."""

from __future__ import annotations

from aiohttp import web

from gateway.channels.http.requests import services


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.StreamResponse:
    readiness = await services(request).health.readiness()
    body = {"status": readiness.status, "checks": readiness.checks}
    return web.json_response(body, status=200 if readiness.accepting else 503)


async def metrics(request: web.Request) -> web.StreamResponse:
    body = await services(request).health.metrics()
    return web.Response(body=body, content_type="text/plain", charset="utf-8")
