"""Engine and sessions: SQLite (embedded default) or PostgreSQL, chosen by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from gateway.config import DatabaseSettings


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = settings.url
    if is_sqlite(url):
        engine = create_async_engine(url, echo=settings.echo, connect_args={"timeout": 30})
        _serialise_sqlite_writes(engine)
        return engine
    return create_async_engine(
        url,
        echo=settings.echo,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_size,
        pool_pre_ping=True,
    )


def _serialise_sqlite_writes(engine: AsyncEngine) -> None:
    # WAL lets readers go on while one writer writes; synchronous=FULL makes a commit survive a
    # power cut, which is what a 2xx promises.  BEGIN IMMEDIATE takes the write lock up front so
    # that a read-then-write transaction cannot fail half-way on a lock upgrade.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Returns when the database answers; raises what the driver raises when it does not."""
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
