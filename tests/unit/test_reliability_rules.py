"""The small rules the reliability rests on: when a COMMIT's outcome is unknown, which database
failures are "not now", and the outbox's backoff and cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.adapters.storage.errors import commit_outcome_unknown, database_away
from gateway.adapters.storage.outbox import RetryPolicy


class DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def wrapped(cls: type[DBAPIError], sqlstate: str | None = None, invalidated: bool = False) -> DBAPIError:
    return cls("COMMIT", None, DriverError("boom", sqlstate), connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        TimeoutError(),  # the COMMIT's answer did not come in time
        ConnectionResetError(),
        wrapped(InterfaceError, invalidated=True),  # connection closed in the middle of the COMMIT
        wrapped(OperationalError),
    ],
    ids=["timeout", "reset", "closed", "operational"],
)
def test_a_connection_failing_during_a_remote_commit_leaves_its_outcome_unknown(error: Exception) -> None:
    assert commit_outcome_unknown(error, remote=True)
    assert not commit_outcome_unknown(error, remote=False)  # SQLite tells which


@pytest.mark.parametrize(
    "error",
    [
        wrapped(IntegrityError, "23505"),  # the server refused: rolled back
        wrapped(DBAPIError, "40001"),  # serialisation failure: rolled back
        wrapped(OperationalError, "57014"),  # cancelled by the server: rolled back
        ValueError("a bug, not the database"),
    ],
    ids=["integrity", "serialisation", "cancelled", "bug"],
)
def test_an_answer_from_the_server_is_a_known_outcome(error: Exception) -> None:
    assert not commit_outcome_unknown(error, remote=True)


def test_which_failures_mean_the_database_is_away() -> None:
    assert database_away(PoolTimeout("QueuePool limit reached"))
    assert database_away(TimeoutError())
    assert database_away(wrapped(DBAPIError, "57P01"))  # admin shutdown
    assert database_away(wrapped(DBAPIError, "53300"))  # too many connections
    assert database_away(wrapped(DBAPIError, invalidated=True))
    assert not database_away(wrapped(IntegrityError, "23505"))
    assert not database_away(wrapped(DBAPIError, "22P02"))  # the statement's own fault
    assert not database_away(ValueError())


def test_backoff_doubles_up_to_its_maximum_and_the_cap_dead_letters() -> None:
    policy = RetryPolicy(max_attempts=4, initial_seconds=1.0, max_seconds=5.0)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 50)] == [
        timedelta(seconds=s) for s in (1, 2, 4, 5, 5)
    ]
    assert [policy.dead(n) for n in (1, 3, 4, 5)] == [False, False, True, True]
