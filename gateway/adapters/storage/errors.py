"""Database failures translated at the adapter's boundary into the gateway's error tree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from gateway.core.errors import InvalidParameter, Unavailable

#: PostgreSQL's SQLSTATE class 22, "data exception"
DATA_EXCEPTION = "22"
UNREACHABLE = "the database is not reachable; nothing was accepted, try again"


@asynccontextmanager
async def translate_database_errors() -> AsyncIterator[None]:
    """The database being away is the client's ``UNAVAILABLE``; nothing was accepted."""
    try:
        yield
    except IntegrityError:
        raise
    except (OperationalError, InterfaceError, OSError, TimeoutError) as exc:
        raise Unavailable(UNREACHABLE) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise Unavailable(UNREACHABLE) from exc
        if str(getattr(exc.orig, "sqlstate", None) or "").startswith(DATA_EXCEPTION):
            # a value the database cannot hold (too long, out of range, a NUL character): the
            # client's, since what the gateway writes of its own fits its columns
            raise InvalidParameter(f"a value the database cannot hold: {exc.orig}") from exc
        raise
