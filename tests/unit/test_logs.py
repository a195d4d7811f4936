"""gateway.adapters.logs: the two formats, and a dependency's state told once per change."""

from __future__ import annotations

import json
import logging
import sys

import aiormq
import pytest

from gateway.adapters.logs import (
    Dependency,
    JsonFormatter,
    TextFormatter,
    broker_dependency,
    explain_broker_error,
    hide_password,
)


def record(message: str, **fields: object) -> logging.LogRecord:
    made = logging.LogRecord("gateway.access", logging.INFO, __file__, 1, message, (), None)
    made.fields = fields
    return made


def test_text_lines_are_key_value_pairs_with_quoted_values_where_needed() -> None:
    line = TextFormatter(worker=2).format(record("GET /x 200", method="GET", path="/a b", status=200))
    assert line.startswith("time=")
    assert ' level=INFO worker=2 logger=gateway.access msg="GET /x 200" ' in line
    assert line.endswith('method=GET path="/a b" status=200')


def test_json_lines_are_one_object_with_the_fields() -> None:
    event = json.loads(JsonFormatter().format(record("document", reference="r-1", ms=1.5)))
    assert event["level"] == "INFO" and event["logger"] == "gateway.access"
    assert event["msg"] == "document"
    assert (event["reference"], event["ms"]) == ("r-1", 1.5)
    assert event["time"].endswith("Z")


def test_a_traceback_goes_into_one_json_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        failed = logging.LogRecord("gateway", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(failed)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_dependency_is_told_once_when_it_goes_and_once_when_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    logger = logging.getLogger("gateway.test.state")
    state = Dependency(logger, "outbox relay", "the broker", "amqp://h/", "[amqp] url", clock=clock)
    with caplog.at_level(logging.DEBUG, logger="gateway.test.state"):
        for _ in range(50):
            state.failed(ConnectionRefusedError("refused"), 2.0)
        clock.now = 112.0
        for _ in range(5):
            state.succeeded()
        state.failed(ConnectionRefusedError("refused"), 2.0)
    told = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.levelname for r in told] == ["WARNING", "INFO", "WARNING"]
    assert "amqp://h/ ([amqp] url) unavailable: ConnectionRefusedError: refused" in told[0].getMessage()
    assert "available again after 12 s" in told[1].getMessage()
    assert not any(r.exc_info for r in caplog.records)


def test_failing_other_ways_while_away_is_not_told_again(caplog: pytest.LogCaptureFixture) -> None:
    # a database coming and going fails alternately "refused" and "closed": still one line
    state = Dependency(logging.getLogger("gateway.test.state"), "c", "the database", "db", "url")
    with caplog.at_level(logging.INFO, logger="gateway.test.state"):
        for _ in range(20):
            state.failed(ConnectionRefusedError("refused"), 1)
            state.failed(ConnectionResetError("closed in the middle of operation"), 1)
    assert len(caplog.records) == 1


def test_a_missing_virtual_host_is_told_as_such() -> None:
    frame_error = aiormq.exceptions.InvalidFrameError(
        "Expected one of ['Connection.OpenOk'], got <Connection.Close object at 0x7f>"
    )
    assert "virtual host does not exist" in explain_broker_error(frame_error)
    refused = aiormq.exceptions.ProbableAuthenticationError("ACCESS_REFUSED - Login was refused")
    assert "user name or password" in explain_broker_error(refused)


def test_passwords_are_hidden_from_logged_addresses(caplog: pytest.LogCaptureFixture) -> None:
    assert hide_password("amqp://guest:secret@h:5672/v") == "amqp://guest:***@h:5672/v"
    assert hide_password("postgresql+asyncpg://gw@db/gw") == "postgresql+asyncpg://gw@db/gw"
    with caplog.at_level(logging.WARNING, logger="gateway.state"):
        broker_dependency("relay", "amqp://u:topsecret@h/").failed(ConnectionRefusedError("x"), 1)
    assert "amqp://u:***@h/" in caplog.text
    assert "topsecret" not in caplog.text
