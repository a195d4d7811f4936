"""A TCP proxy of the tests' own between the gateway and PostgreSQL or RabbitMQ, to fault them
without touching the real servers.

- :meth:`TcpProxy.cut` drops every connection and refuses new ones (a server that died);
  :meth:`TcpProxy.restore` listens again.
- :meth:`TcpProxy.stall` keeps every connection open, accepts new ones, and passes no byte either
  way (a server that hangs, a network that black-holes); :meth:`TcpProxy.resume` lets the held bytes
  through.
- :meth:`TcpProxy.break_on` cuts one connection at a chosen point of the conversation: before a
  request reaches the server, or after it did and before its answer reaches the client.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass
class _Break:
    #: bytes of the client's request that trigger the break
    marker: bytes
    #: only on a connection that already carried these bytes (None: any connection)
    after: bytes | None
    #: True: the request reaches the server and its answer is lost; False: the request is lost
    deliver: bool
    fired: asyncio.Future[None]


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    seen: bytearray = field(default_factory=bytearray)
    #: set when the next answer from the server must be swallowed and the connection cut
    lose_answer: asyncio.Future[None] | None = None

    def abort(self) -> None:
        self.client.transport.abort()
        self.upstream.transport.abort()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[_Connection] = set()
        self._pending: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._breaks: list[_Break] = []
        self.port = 0
        #: connections accepted so far (to tell that a client did reconnect)
        self.accepted = 0

    @property
    def url_host(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and drop every connection, like a server that died."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self._connections):
            connection.abort()
        for writer in list(self._pending):
            writer.transport.abort()
        self._connections.clear()
        self._pending.clear()

    async def restore(self) -> None:
        self._flowing.set()
        await self.start()

    def stall(self) -> None:
        """Pass no more bytes, either way, and hold new connections unanswered."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def drop_connections(self) -> None:
        """Cut every open connection but go on accepting new ones (a server restart, a network blip)."""
        for connection in list(self._connections):
            connection.abort()
        self._connections.clear()

    def break_on(self, marker: bytes, *, after: bytes | None = None, deliver: bool) -> asyncio.Future[None]:
        """Cut the first connection whose client sends ``marker`` (on a connection that carried
        ``after`` before it, when given).  ``deliver=False``: the bytes never reach the server.
        ``deliver=True``: they do, and the server's answer is lost with the connection.  The future
        is done once the break happened."""
        fired: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._breaks.append(_Break(marker, after, deliver, fired))
        return fired

    async def close(self) -> None:
        await self.cut()
        self._flowing.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._pending.add(writer)
        try:
            await self._flowing.wait()  # a stalled server does not even answer the handshake
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except (OSError, asyncio.CancelledError):
            writer.transport.abort()
            return
        finally:
            self._pending.discard(writer)
        if writer.transport.is_closing():
            upstream_writer.transport.abort()
            return
        connection = _Connection(writer, upstream_writer)
        self._connections.add(connection)
        await asyncio.gather(
            self._pipe(connection, reader, upstream_writer, from_client=True),
            self._pipe(connection, upstream_reader, writer, from_client=False),
        )
        self._connections.discard(connection)

    async def _pipe(
        self,
        connection: _Connection,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        *,
        from_client: bool,
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await source.read(65536):
                await self._flowing.wait()
                if from_client:
                    if not self._client_bytes(connection, data):
                        return
                elif connection.lose_answer is not None:
                    fired, connection.lose_answer = connection.lose_answer, None
                    connection.abort()
                    if not fired.done():
                        fired.set_result(None)
                    return
                sink.write(data)
                await sink.drain()
        sink.transport.abort()

    def _client_bytes(self, connection: _Connection, data: bytes) -> bool:
        """Whether ``data`` may go on to the server (after arming or firing a break)."""
        if any(fault.after is not None for fault in self._breaks):
            connection.seen += data
        for fault in list(self._breaks):
            if fault.marker not in data:
                continue
            if fault.after is not None and fault.after not in connection.seen:
                continue
            self._breaks.remove(fault)
            if fault.deliver:
                connection.lose_answer = fault.fired
                return True
            connection.abort()
            fault.fired.set_result(None)
            return False
        return True
