"""The operator's pages: readiness, the outbox and its dead letters, throughput and refusals by
code (charts from the gateway's metrics), the applications waiting for approval, the audit trail."""

from __future__ import annotations

from aiohttp import web

from gateway.channels.console.charts import bar_chart, rate_chart
from gateway.channels.console.web import PREFIX, form, operator, page, services
from gateway.channels.operations import OPERATIONS
from gateway.core.errors import BadRequest

AUDIT_PAGE = 50


def add_routes(app: web.Application) -> None:
    app.router.add_get("/operator", overview)
    app.router.add_post("/operator/dead-letters/{reference}/requeue", requeue)
    app.router.add_get("/operator/applications", applications)
    app.router.add_get("/operator/audit", audit)


async def overview(request: web.Request) -> web.StreamResponse:
    operator(request)
    seen = await services(request).operator.overview()
    return page(
        "operator.html",
        request,
        overview=seen,
        checks=seen.readiness.checks,
        refusals=bar_chart(seen.totals.refused_by_code),
        outcomes=bar_chart(seen.totals.by_outcome),
        rates=rate_chart(seen.throughput),
    )


async def requeue(request: web.Request) -> web.StreamResponse:
    operator(request)
    form(request)  # its CSRF token was checked
    await services(request).operator.requeue(request.match_info["reference"])
    raise web.HTTPSeeOther(f"{PREFIX}/operator")


_APPLICATION_LIST = next(op for op in OPERATIONS if op.command == ("application", "list"))


async def applications(request: web.Request) -> web.StreamResponse:
    """The registration applications (SZPROT) of a status, pending first: approve or reject."""
    sender = operator(request)
    running = services(request)
    params = _APPLICATION_LIST.parse({"status": request.query.get("status") or "pending"})
    found = await _APPLICATION_LIST.run(running.administration, sender.login, params)
    return page("applications.html", request, applications=found, wanted=params["status"])


async def audit(request: web.Request) -> web.StreamResponse:
    operator(request)
    before = request.query.get("before")
    if before is not None and not (before.isascii() and before.isdigit()):
        raise BadRequest("before must be a whole number")
    events = await services(request).operator.audit(before=int(before) if before else None, limit=AUDIT_PAGE)
    next_before = events[-1].id if len(events) == AUDIT_PAGE else None
    return page("audit.html", request, events=events, next_before=next_before)
