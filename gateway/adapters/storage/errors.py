"""Database failures translated at the adapter's boundary into the gateway's error tree.

Two answers for a database in trouble (SPEC.md section 2): ``UNAVAILABLE`` when it is known that
nothing was stored, ``OUTCOME_UNKNOWN`` when the connection failed while a COMMIT was on its way
or its answer was, so that the transaction may have been committed.  :func:`commit` is the one
place that tells them apart; whatever writes a document commits through it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.core.errors import GatewayError, InvalidParameter, OutcomeUnknown, Unavailable

#: PostgreSQL's SQLSTATE class 22, "data exception"
DATA_EXCEPTION = "22"
UNREACHABLE = "the database is not reachable; nothing was accepted, try again"
UNKNOWN = (
    "the connection to the database was lost while the document was being committed: it may have "
    "been stored.  Send the same bytes again to learn its reference"
)

#: SQLSTATE classes that mean "not now" rather than "not this": connection exception, insufficient
#: resources, operator intervention (a cancelled statement, a server shutting down), a
#: serialisation failure or deadlock, and the database itself gone (dropped or renamed: invalid
#: catalog name) or refusing the gateway's credentials.  The transaction did not commit.
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "28", "3D", "40", "53", "57"})


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot serve now (as opposed to a refusal of the request's
    own statement, such as a constraint it violates)."""
    if isinstance(exc, Unavailable):
        return True  # already told as such
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | OSError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or _sqlstate(exc)[:2] in _TRANSIENT_SQLSTATE_CLASSES
    return False


def _sqlstate(exc: DBAPIError) -> str:
    for source in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(source, "sqlstate", None) or getattr(source, "pgcode", None)
        if isinstance(code, str):
            return code
    return ""


def commit_outcome_unknown(exc: BaseException, *, remote: bool) -> bool:
    """Whether a COMMIT that raised ``exc`` may nevertheless have been committed.

    Only a server across a connection (``remote``: PostgreSQL) leaves that open, and only when the
    connection failed or ran out of time after the COMMIT was sent: the server may have committed
    and its answer been lost.  An answer from the server (a constraint, a serialisation failure)
    means it did not commit; SQLite commits in this process and says which."""
    if not remote or not database_away(exc):
        return False
    # an error the server answered with (it has a SQLSTATE) means the transaction was rolled back
    return not answered_by_server(exc)


def answered_by_server(exc: BaseException) -> bool:
    """Whether ``exc`` is the server's answer to a statement (it has a SQLSTATE) over a connection
    that is still in use, as opposed to a connection that failed or timed out."""
    return isinstance(exc, DBAPIError) and bool(_sqlstate(exc)) and not exc.connection_invalidated


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` left the transaction it happened in unusable: the database is away and did
    not answer (a statement that the server refused leaves a savepoint to roll back to)."""
    return database_away(exc) and not answered_by_server(exc)


async def commit(session: AsyncSession) -> None:
    """Commit ``session``'s transaction: :class:`OutcomeUnknown` when its outcome cannot be known,
    :class:`Unavailable` when it is known that nothing was committed.

    Everything pending is flushed first, so that a failure before the COMMIT itself is told as
    what it is: nothing was stored."""
    try:
        await session.flush()
    except Exception as exc:
        if database_away(exc):
            raise Unavailable(UNREACHABLE) from exc
        raise
    remote = session.get_bind().dialect.name != "sqlite"
    try:
        await session.commit()
    except Exception as exc:
        if commit_outcome_unknown(exc, remote=remote):
            raise OutcomeUnknown(UNKNOWN) from exc
        if database_away(exc):
            raise Unavailable(UNREACHABLE) from exc
        raise


@asynccontextmanager
async def translate_database_errors() -> AsyncIterator[None]:
    """The database being away is the client's ``UNAVAILABLE``; nothing was accepted.

    A pool that has no free connection in time (SQLAlchemy's own ``TimeoutError``), a statement or
    a connection attempt that timed out, a lost connection: all ``503 UNAVAILABLE`` with
    ``Retry-After``."""
    try:
        yield
    except (IntegrityError, GatewayError):
        raise  # a refusal of the statement, or already told in the gateway's terms
    except Exception as exc:
        if database_away(exc):
            raise Unavailable(UNREACHABLE) from exc
        original = getattr(exc, "orig", None)
        if isinstance(exc, UnicodeEncodeError) or isinstance(original, UnicodeEncodeError):
            # a lone surrogate, which the driver cannot encode in UTF-8 to send it
            raise InvalidParameter("a value holds text that cannot be encoded (a lone surrogate)") from exc
        if str(getattr(original, "sqlstate", None) or "").startswith(DATA_EXCEPTION):
            # a value the database cannot hold (too long, out of range, a NUL character): the
            # client's, since what the gateway writes of its own fits its columns
            raise InvalidParameter(f"a value the database cannot hold: {original}") from exc
        raise
