"""What the gateway writes to stderr: one line per event, ``key=value`` pairs or JSON (``[log]``).

Events carry their fields in ``extra={"fields": {...}}``; both formats write them as fields of
their own, so that a log collector can filter on ``status`` or ``reference`` without parsing prose.

A dependency that goes away (the database, the broker) is told by :class:`Dependency`: one line
when it goes (what was tried, which setting names it, why), one when it is back, and between the
two only DEBUG lines, however often the component retries.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from gateway.config import LogSettings

#: libraries that report failures the gateway reports itself (once, with the setting), or chatter
_QUIETED = {"aiormq.connection": logging.CRITICAL, "alembic": logging.WARNING}


def fields_of(record: logging.LogRecord) -> Mapping[str, object]:
    fields = getattr(record, "fields", None)
    return fields if isinstance(fields, Mapping) else {}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text_value(value: object) -> str:
    text = "" if value is None else str(value)
    if text and not any(c.isspace() or c in '"=' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time=... level=INFO logger=gateway.access msg="request" method=POST status=202 ...``"""

    def __init__(self, worker: int | None = None) -> None:
        super().__init__()
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        pairs: dict[str, object] = {"time": _timestamp(record), "level": record.levelname}
        if self._worker is not None:
            pairs["worker"] = self._worker
        pairs["logger"] = record.name
        pairs["msg"] = record.getMessage()
        pairs.update(fields_of(record))
        line = " ".join(f"{key}={_text_value(value)}" for key, value in pairs.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback, when there is one, in ``exception``."""

    def __init__(self, worker: int | None = None) -> None:
        super().__init__()
        self._worker = worker

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {"time": _timestamp(record), "level": record.levelname}
        if self._worker is not None:
            event["worker"] = self._worker
        event["logger"] = record.name
        event["msg"] = record.getMessage()
        event.update(fields_of(record))
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False, default=str)


def configure_logging(settings: LogSettings, *, worker: int | None = None) -> None:
    """Every logger writes through one stderr handler in the configured format and level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(worker) if settings.format == "json" else TextFormatter(worker))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    for name, level in _QUIETED.items():
        logging.getLogger(name).setLevel(max(level, root.level))


class Dependency:
    """A dependency's availability as one component sees it, logged once per change.

    ``failed`` after each failed attempt, ``succeeded`` after each good one: the first failure is a
    WARNING naming what was tried (``target``, passwords hidden), the setting that names it and
    why; later ones are DEBUG, whatever their reason; the first success after them is an INFO."""

    def __init__(
        self,
        logger: logging.Logger,
        component: str,
        what: str,
        target: str,
        setting: str,
        explain: Callable[[BaseException], str] = lambda exc: f"{type(exc).__name__}: {exc}",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log = logger
        self._component = component
        self._what = what
        self._target = target
        self._setting = setting
        self._explain = explain
        self._clock = clock
        self._reason: str | None = None
        self._since = 0.0

    @property
    def down(self) -> bool:
        return self._reason is not None

    def failed(self, exc: BaseException, retry_seconds: float) -> None:
        reason = self._explain(exc)
        fields = {"component": self._component, "dependency": self._what, "reason": reason}
        if self._reason is not None:
            # still away (perhaps failing another way as connections come and go): not again
            self._log.debug("%s: %s still unavailable: %s", self._component, self._what, reason)
            return
        self._since = self._clock()
        self._reason = reason
        self._log.warning(
            "%s: %s at %s (%s) unavailable: %s; trying again every %g s",
            self._component,
            self._what,
            self._target,
            self._setting,
            reason,
            retry_seconds,
            extra={"fields": {**fields, "state": "down"}},
        )

    def succeeded(self) -> None:
        if self._reason is None:
            return
        self._reason = None
        seconds = self._clock() - self._since
        self._log.info(
            "%s: %s at %s available again after %.0f s",
            self._component,
            self._what,
            self._target,
            seconds,
            extra={
                "fields": {
                    "component": self._component,
                    "dependency": self._what,
                    "state": "up",
                    "down_seconds": round(seconds, 1),
                }
            },
        )


def explain_broker_error(exc: BaseException) -> str:
    """What a failed broker connection means, in words a user can act on."""
    cause = exc.__cause__ or exc
    text = f"{exc} {cause}"
    if "Connection.OpenOk" in text:
        return (
            "the broker closed the connection while it was being opened: "
            "its virtual host does not exist, or the user may not use it"
        )
    if "ACCESS_REFUSED" in text or "Authentication" in type(cause).__name__:
        return "the broker refused the user name or password"
    return _first_line(cause)


def explain_database_error(exc: BaseException) -> str:
    """What a failed database operation means: the driver's own words, without SQLAlchemy's frame."""
    cause: BaseException = exc
    while (inner := getattr(cause, "orig", None) or cause.__cause__) is not None and inner is not cause:
        cause = inner  # the gateway's UNAVAILABLE, then SQLAlchemy's frame, then the driver's own
    if isinstance(cause, TimeoutError):
        return "no answer in time"
    return _first_line(cause)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def hide_password(url: str) -> str:
    """``scheme://user:***@host/...``: a URL fit for a log line."""
    scheme, separator, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{place}"


#: where the dependencies' state changes are told, whichever component saw them
STATE_LOG = logging.getLogger("gateway.state")


def database_dependency(component: str, url: str) -> Dependency:
    return Dependency(
        STATE_LOG,
        component,
        "the database",
        hide_password(url),
        "[database] url, GATEWAY_DATABASE_URL",
        explain_database_error,
    )


def broker_dependency(component: str, url: str) -> Dependency:
    return Dependency(
        STATE_LOG,
        component,
        "the broker",
        hide_password(url),
        "[amqp] url, GATEWAY_AMQP_URL",
        explain_broker_error,
    )


class Repeats:
    """An unexpected failure of a loop that retries, told once with its traceback; the same failure
    again (same kind, same first line) only at DEBUG until a pass succeeds."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self._last: tuple[str, str] | None = None

    def failed(self, exc: BaseException) -> None:
        key = (type(exc).__name__, str(exc).strip().split("\n", 1)[0])
        if key == self._last:
            self._log.debug("%s failed again: %s: %s", self._what, *key)
            return
        self._last = key
        self._log.error("%s failed (told once until it succeeds)", self._what, exc_info=exc)

    def succeeded(self) -> None:
        self._last = None
