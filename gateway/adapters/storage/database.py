"""Engine and sessions: SQLite (embedded default) or PostgreSQL, chosen by URL.

Every database operation is bounded (``[database]`` timeouts): opening a connection, waiting for
one from the pool, and each statement, COMMIT included.  A request that meets a database which has
stopped answering gets ``503`` within about ``pool_timeout + max(connect_timeout,
statement_timeout)`` seconds instead of hanging (docs/operations-reliability.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from gateway.config import DatabaseSettings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` address asyncpg itself takes, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class BoundedConnection(asyncpg.Connection):  # type: ignore[misc]
    """An asyncpg connection that is closed, not cancelled, when a statement runs out of time.

    asyncpg answers a timeout by sending a cancel request over a second connection and waiting for
    the server to acknowledge it; a server that has stopped answering does neither, so every later
    use of the connection (the ROLLBACK, the pool's reset) would wait once more.  Closing it at
    once makes the timeout the whole wait; the pool opens a new connection when one is needed."""

    def _cancel_current_command(
        self, waiter: asyncio.Future[None], cancel_waiter: asyncio.Future[None] | None = None
    ) -> None:
        if not waiter.done():
            waiter.set_result(None)
        # after the protocol has failed the statement's own waiter with the TimeoutError
        self._loop.call_soon(self.terminate)


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = settings.url
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            echo=settings.echo,
            pool_timeout=settings.pool_timeout_seconds,
            connect_args={"timeout": settings.statement_timeout_seconds},
        )
        _serialise_sqlite_writes(engine, busy_ms=int(settings.statement_timeout_seconds * 1000))
        return engine
    engine = create_async_engine(
        url,
        echo=settings.echo,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=True,
        pool_timeout=settings.pool_timeout_seconds,
        connect_args={
            "timeout": settings.connect_timeout_seconds,
            "command_timeout": settings.statement_timeout_seconds,
            "connection_class": BoundedConnection,
        },
    )
    _timeouts_end_connections(engine)
    return engine


def _timeouts_end_connections(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A statement that timed out closed its connection (BoundedConnection): the pool must not
        # take it back as if it were fine.
        if isinstance(context.original_exception, TimeoutError):
            context.is_disconnect = True


def _serialise_sqlite_writes(engine: AsyncEngine, busy_ms: int) -> None:
    # WAL lets readers go on while one writer writes; synchronous=FULL makes a commit survive a
    # power cut, which is what a 2xx promises.  BEGIN IMMEDIATE takes the write lock up front so
    # that a read-then-write transaction cannot fail half-way on a lock upgrade; busy_timeout
    # bounds the wait for it.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        pragmas = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", f"busy_timeout={busy_ms}")
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def connection_limit(url: str, timeout: float) -> int | None:
    """How many client connections the PostgreSQL server takes (``max_connections`` less the ones
    kept for superusers); None for SQLite, which has no such limit."""
    if is_sqlite(url):
        return None
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=timeout)
    try:
        total = int(await connection.fetchval("SHOW max_connections"))
        reserved = int(await connection.fetchval("SHOW superuser_reserved_connections"))
    finally:
        await connection.close()
    return total - reserved


def connections_per_process(settings: DatabaseSettings) -> int:
    """The most connections one gateway process opens: its pool (``pool_size`` plus as many
    overflow connections, see :func:`create_engine`) and the one that listens for NOTIFY."""
    return 2 * settings.pool_size + 1


async def ping(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Returns when the database answers; raises what the driver raises when it does not."""
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
