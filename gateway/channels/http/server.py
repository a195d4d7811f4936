"""Serving the HTTP application, with the ``[server]`` timeouts that keep slow clients from holding
connections forever.

- **Headers**: a request's line and headers must be whole within ``header_timeout_seconds`` of the
  connection being opened, or of their first byte on a kept-alive connection.  Else the client
  gets ``408`` (when it sent anything) and the connection is closed: thousands of connections that
  never finish their headers cost nothing after that time.
- **Body**: a request's body must be whole within ``body_timeout_seconds`` of its headers.  Else
  the handler reading it gets :class:`BodyTimedOut`, answered ``408 REQUEST_TIMEOUT``, and the
  connection is closed.
- **Idle keep-alive**: a connection idle for ``keepalive_timeout_seconds`` after an answer is closed
  (aiohttp's own keep-alive timer).

aiohttp has the last; the first two are added to its connection handler here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_protocol import RequestHandler

from gateway.config import ServerSettings

log = logging.getLogger(__name__)
#: one line per answered request
ACCESS_LOG = logging.getLogger("gateway.access")

_HEAD_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


class PortInUse(OSError):
    """Another process listens on the address ``gateway serve`` was asked to serve on."""


def ensure_port_free(host: str, port: int) -> None:
    """:class:`PortInUse` when something already listens on ``host``:``port``.

    The workers of ``gateway serve --workers N`` share their port with ``SO_REUSEPORT``, which
    would also let them share it with a gateway already running there (each answering in turn):
    the parent binds the address once without it, which the kernel refuses while anyone listens."""
    if port == 0:
        return
    for family, kind, protocol, _, address in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    ):
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server's own bind
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise PortInUse(
                    f"port {port} on {host} is already in use (another gateway serve?); stop it, or "
                    "serve on another port: --port, [server] port or GATEWAY_SERVER_PORT",
                ) from exc


class BodyTimedOut(TimeoutError):
    """The request body did not arrive whole in time (what a body read raises then)."""


@dataclass(frozen=True, slots=True)
class ConnectionTimeouts:
    header_seconds: float
    body_seconds: float

    @classmethod
    def of(cls, settings: ServerSettings) -> ConnectionTimeouts:
        return cls(settings.header_timeout_seconds, settings.body_timeout_seconds)


class GuardedRequestHandler(RequestHandler):
    """aiohttp's connection handler with a deadline for each request's head and body."""

    def __init__(self, manager: web.Server, *, timeouts: ConnectionTimeouts, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._timeouts = timeouts
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_begun = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # bytes while waiting for a request (not a body being read): a head has begun
        if self._head_deadline is None and self._waiter is not None and not self._messages:
            self._arm_head_deadline()
        before = self._request_count
        super().data_received(data)
        self._head_begun = True
        parsed = self._request_count - before
        if parsed > 0:
            self._disarm_head_deadline()
            for _, payload in list(self._messages)[-parsed:]:
                self._watch_body(payload)

    def _arm_head_deadline(self) -> None:
        self._head_begun = False
        self._head_deadline = self._loop.call_later(self._timeouts.header_seconds, self._head_late)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        self._head_deadline = None
        if self._request_in_progress or self._messages:
            return
        if self._head_begun and self.transport is not None:
            self.transport.write(_HEAD_TIMED_OUT)
        self.force_close()

    def _watch_body(self, payload: Any) -> None:
        if not hasattr(payload, "is_eof") or payload.is_eof():
            return
        deadline = self._loop.call_later(self._timeouts.body_seconds, _body_late, payload)
        payload.on_eof(deadline.cancel)


def _body_late(payload: Any) -> None:
    if not payload.is_eof():
        payload.set_exception(BodyTimedOut("the request body did not arrive in time"))


class AccessLogger(AbstractAccessLogger):
    """One line per request, after its answer was sent: method, path (without the query, where
    a client might put what it should not), status, milliseconds and bytes of the body sent."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        milliseconds = round(time * 1000, 1)
        self.logger.info(
            "%s %s %d %.1f ms",
            request.method,
            request.path,
            response.status,
            milliseconds,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status,
                    "ms": milliseconds,
                    "bytes": response.body_length,
                    "client": request.remote,
                }
            },
        )


def access_logging(enabled: bool) -> dict[str, Any]:
    """The runner's arguments for the access log (aiohttp's own when disabled: none)."""
    return {"access_log_class": AccessLogger, "access_log": ACCESS_LOG if enabled else None}


class GuardedServer(web.Server):
    def __init__(self, *args: Any, timeouts: ConnectionTimeouts, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timeouts = timeouts

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, loop=self._loop, timeouts=self._timeouts, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    """An ``AppRunner`` whose connections have the ``[server]`` timeouts."""

    def __init__(self, app: web.Application, settings: ServerSettings, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=settings.keepalive_timeout_seconds, **kwargs)
        self._timeouts = ConnectionTimeouts.of(settings)

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # the application started, as aiohttp does it
        return GuardedServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=asyncio.get_running_loop(),
            timeouts=self._timeouts,
            **{k: v for k, v in self._kwargs.items() if k != "handler_cancellation"},
        )


async def start_site(
    app: web.Application, settings: ServerSettings, *, reuse_port: bool | None = None, **runner: Any
) -> tuple[GuardedAppRunner, web.TCPSite]:
    """The application served on ``settings.host``/``port`` (``port`` 0: a free one)."""
    guarded = GuardedAppRunner(app, settings, **runner)
    await guarded.setup()
    site = web.TCPSite(guarded, settings.host, settings.port, reuse_port=reuse_port)
    try:
        await site.start()
    except BaseException:
        await guarded.cleanup()
        raise
    return guarded, site


def serve(
    app: web.Application,
    settings: ServerSettings,
    *,
    reuse_port: bool | None,
    access_log: bool = True,
    announce: Callable[[str], None] = log.info,
) -> None:
    """Serve until SIGINT or SIGTERM, then shut down gracefully (what ``web.run_app`` does)."""

    async def main() -> None:
        runner, _ = await start_site(
            app, settings, reuse_port=reuse_port, handle_signals=True, **access_logging(access_log)
        )
        try:
            announce(f"serving on http://{settings.host}:{settings.port}")
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
        asyncio.run(main())
