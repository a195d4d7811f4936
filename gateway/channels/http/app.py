"""The HTTP channel (aiohttp): routes, the one problem renderer, and the running services."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from gateway.bootstrap import running
from gateway.channels.console.app import add_console
from gateway.channels.http import keys
from gateway.channels.http.admin import add_admin_routes
from gateway.channels.http.apidocs import add_apidocs_routes
from gateway.channels.http.documents import add_document_routes
from gateway.channels.http.health import add_health_routes
from gateway.channels.http.mailbox import add_mailbox_routes
from gateway.channels.http.me import add_me_routes
from gateway.channels.http.outbox import add_outbox_routes
from gateway.channels.http.problems import error_response, problem_response
from gateway.channels.http.requests import refuse_unstorable_parameters
from gateway.channels.http.server import BodyTimedOut
from gateway.channels.seap.routes import add_seap_routes
from gateway.config import Settings
from gateway.core.errors import GatewayError, RequestTimeout
from gateway.extensions import load_extensions

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(settings: Settings, *, run_relay: bool = True) -> web.Application:
    """The gateway's HTTP application; its services start with it (``run_relay``: this process also
    relays the outbox and consumes responses)."""
    app = web.Application(
        middlewares=[problems_middleware], client_max_size=settings.server.max_body_bytes + 1
    )
    app[keys.SETTINGS] = settings

    async def services(app: web.Application) -> AsyncIterator[None]:
        async with running(settings, run_relay=run_relay) as started:
            app[keys.SERVICES] = started
            yield

    app.cleanup_ctx.append(services)
    add_document_routes(app)
    add_mailbox_routes(app)
    add_me_routes(app)
    add_admin_routes(app)
    add_outbox_routes(app)
    add_health_routes(app)
    add_seap_routes(app)
    add_apidocs_routes(app)
    add_console(app, settings)
    for extension in load_extensions():
        extension.add_routes(app, settings)
    return app


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        refuse_unstorable_parameters(request)
        response = await handler(request)
    except GatewayError as error:
        response = error_response(error)
    except BodyTimedOut as exc:
        response = error_response(RequestTimeout(str(exc)))
        response.force_close()  # the rest of the body is not waited for
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = exc.reason.upper().replace(" ", "_")
        response = problem_response(code, exc.status, exc.reason, exc.text or exc.reason, ())
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = problem_response("INTERNAL", 500, "Internal error", "unexpected error; see the logs", ())
    if request.content.exception() is not None:
        # a body that broke off or could not be decoded (a corrupt gzip stream): the connection's
        # framing is lost, so it is not kept alive for another request
        response.force_close()
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"
    if keys.SERVICES in request.app:
        request.app[keys.SERVICES].metrics.requests.labels(
            route, request.method, str(response.status)
        ).observe(time.perf_counter() - started)
    return response
