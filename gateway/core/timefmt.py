"""RFC 3339 date-times, the one way the gateway writes and reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def rfc3339(moment: datetime) -> str:
    """UTC with milliseconds and a Z, whatever zone ``moment`` is in; naive times are taken as UTC."""
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # at the very ends of the calendar: kept with its own offset
        return moment


def parse_rfc3339(text: str, *, date_only: bool = False) -> datetime:
    """An RFC 3339 date-time (``Z`` or an offset; without one, UTC), in UTC.  ``date_only``: a plain
    ``YYYY-MM-DD`` is also taken, as the start of that day in UTC.  ``ValueError`` otherwise."""
    value = text.strip()
    if date_only and len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), UTC)
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    return as_utc(datetime.fromisoformat(value))
