"""The relay's doorbell: rung in this process at once, and in every other gateway process on the
same PostgreSQL through ``LISTEN``/``NOTIFY``.

A commit of an outbox row rings it (:meth:`OutboxSignal.ring`); the relay of this process wakes on
the spot, and one ``NOTIFY`` (coalesced: at most one in flight, one more after it when rung
meanwhile) wakes the relays of the others.  Notifications are a hint, never the only way: a relay
also polls, and each (re)connection of the listener rings the local doorbell in case one was
missed.  SQLite has one process relaying (gateway serve), so only the local doorbell there.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

import asyncpg

from gateway.adapters.storage.database import BoundedConnection, asyncpg_dsn, is_sqlite
from gateway.adapters.storage.outbox import OUTBOX_CHANNEL
from gateway.config import DatabaseSettings

log = logging.getLogger(__name__)

_CONNECTION_ERRORS = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def _set(event: asyncio.Event, *_: object) -> None:
    event.set()


class OutboxSignal:
    def __init__(self, settings: DatabaseSettings, reconnect_seconds: float = 2.0) -> None:
        self.doorbell = asyncio.Event()
        self._settings = settings
        self._dsn = None if is_sqlite(settings.url) else asyncpg_dsn(settings.url)
        self._reconnect_seconds = reconnect_seconds
        self._connection: asyncpg.Connection | None = None
        self._notifying: asyncio.Task[None] | None = None
        self._again = False

    @property
    def shared(self) -> bool:
        """Whether other processes hear it (PostgreSQL)."""
        return self._dsn is not None

    def ring(self) -> None:
        self.doorbell.set()
        if self._connection is None:
            return
        if self._notifying is not None and not self._notifying.done():
            self._again = True
            return
        self._notifying = asyncio.create_task(self._notify())

    async def _notify(self) -> None:
        again = True
        while again and self._connection is not None:
            self._again = False
            try:
                await self._connection.execute(f"NOTIFY {OUTBOX_CHANNEL}")
            except _CONNECTION_ERRORS as exc:
                log.debug("NOTIFY failed (other processes poll): %s", exc)
                return
            again = self._again

    async def listen(self) -> None:
        """Hear the other processes' notifications until cancelled; reconnects after failures."""
        if self._dsn is None:
            return
        while True:
            closed = asyncio.Event()
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    self._dsn,
                    timeout=self._settings.connect_timeout_seconds,
                    command_timeout=self._settings.statement_timeout_seconds,
                    connection_class=BoundedConnection,
                )
                connection.add_termination_listener(functools.partial(_set, closed))
                await connection.add_listener(OUTBOX_CHANNEL, self._heard)
                self._connection = connection
                self.doorbell.set()  # rows may have been committed while nobody listened
                await closed.wait()
            except _CONNECTION_ERRORS as exc:
                log.debug("outbox notifications: not listening (%s)", exc)
            finally:
                self._connection = None
                if connection is not None:
                    connection.terminate()
            await asyncio.sleep(self._reconnect_seconds)

    def _heard(self, connection: object, pid: int, channel: str, payload: object) -> None:
        own = self._connection
        if own is not None and pid == own.get_server_pid():
            return  # our own NOTIFY: this process's doorbell rang already
        self.doorbell.set()

    async def close(self) -> None:
        if self._notifying is not None:
            self._notifying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._notifying
