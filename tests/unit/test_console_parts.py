"""The console's pure parts: session cookies and CSRF tokens, the document listing with its marks,
the charts, and where sign-in may send the browser back to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.channels.console.auth import HOME, safe_next
from gateway.channels.console.charts import bar_chart, rate_chart
from gateway.channels.console.listing import CONTEXT, LINE_CHARS, WHOLE_LINES, Gap, Line, listing
from gateway.channels.console.sessions import SessionKeeper, session_key
from gateway.services.operator import ThroughputPoint

KEY = b"k" * 32


def test_a_session_round_trips_and_its_csrf_token_belongs_to_it() -> None:
    keeper = SessionKeeper(KEY, 60)
    session = keeper.new(7)
    assert keeper.decode(keeper.encode(session)) == session
    other = keeper.new(7)
    assert keeper.csrf_valid(session, keeper.csrf_token(session))
    assert not keeper.csrf_valid(session, keeper.csrf_token(other))
    assert not keeper.csrf_valid(session, None)
    assert not keeper.csrf_valid(session, "")


def test_a_tampered_foreign_expired_or_ended_cookie_is_no_session() -> None:
    keeper = SessionKeeper(KEY, 60)
    session = keeper.new(7)
    cookie = keeper.encode(session)
    _, signature = cookie.split(".")
    forged = keeper.encode(keeper.new(1)).split(".")[0] + "." + signature
    assert keeper.decode(forged) is None, "another payload under this signature"
    assert SessionKeeper(b"x" * 32, 60).decode(cookie) is None, "signed with another key"
    assert keeper.decode("garbage") is None and keeper.decode(None) is None
    ended = SessionKeeper(KEY, -1)
    assert ended.decode(ended.encode(ended.new(7))) is None, "past its end"
    keeper.end(session)
    assert keeper.decode(cookie) is None, "signed out"


def test_the_session_key_comes_from_its_file_and_must_be_long(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "key"  # type: ignore[operator]
    path.write_bytes(b"s" * 40 + b"\n")
    assert session_key(path) == b"s" * 40
    path.write_bytes(b"short")
    with pytest.raises(ValueError, match="needs 32"):
        session_key(path)
    assert session_key(None) != session_key(None), "made anew at start"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console/documents?status=rejected", "/console/documents?status=rejected"),
        ("https://elsewhere.example/console/x", HOME),
        ("//elsewhere.example/console/", HOME),
        ("/console", HOME),
        ("/consolex/evil", HOME),
        ("/console/\\\\evil", HOME),
        (None, HOME),
    ],
)
def test_sign_in_sends_back_to_console_pages_only(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def document(lines: int) -> bytes:
    return "\n".join(f"<line{n}/>" for n in range(1, lines + 1)).encode()


def test_a_short_document_is_shown_whole_with_its_errors_on_their_lines() -> None:
    errors = [
        {"code": "SCHEMA_INVALID", "message": "first", "line": 3, "column": 5},
        {"code": "SCHEMA_INVALID", "message": "second", "line": 3, "column": 9},
        {"code": "SCHEMA_INVALID", "message": "no place", "line": None, "column": None},
    ]
    shown = listing(document(10), errors)
    assert [item.number for item in shown if isinstance(item, Line)] == list(range(1, 11))
    third = shown[2]
    assert isinstance(third, Line) and third.text == "<line3/>"
    assert [(m.number, m.message, m.column) for m in third.marks] == [(1, "first", 5), (2, "second", 9)]
    assert not any(isinstance(item, Line) and item.marks for item in shown if item is not third)


def test_a_long_document_is_shown_around_its_errors() -> None:
    total = WHOLE_LINES + 500
    errors = [
        {"code": "X", "message": "m", "line": 900, "column": 1},
        {"code": "X", "message": "m", "line": total},
    ]
    shown = listing(document(total), errors)
    numbers = [item.number for item in shown if isinstance(item, Line)]
    assert numbers == [*range(900 - CONTEXT, 900 + CONTEXT + 1), *range(total - CONTEXT, total + 1)]
    gaps = [(g.first, g.last) for g in shown if isinstance(g, Gap)]
    assert gaps == [(1, 900 - CONTEXT - 1), (900 + CONTEXT + 1, total - CONTEXT - 1)]


def test_a_very_long_line_is_cut_around_the_errors_column() -> None:
    line = "a" * 5000 + "<bad/>" + "b" * 5000
    [shown] = listing(line.encode(), [{"code": "X", "message": "m", "line": 1, "column": 5001}])
    assert isinstance(shown, Line) and len(shown.text) == LINE_CHARS
    assert "<bad/>" in shown.text and shown.offset > 0


def test_undecodable_bytes_are_shown_not_refused() -> None:
    [shown] = listing(b"<a>\xff</a>", [])
    assert isinstance(shown, Line) and "\ufffd" in shown.text


def test_bars_are_scaled_to_the_largest_and_sorted() -> None:
    chart = bar_chart({"SCHEMA_INVALID": 10, "XML_MALFORMED": 5, "CERT_EXPIRED": 0})
    assert [b.label for b in chart.bars] == ["SCHEMA_INVALID", "XML_MALFORMED", "CERT_EXPIRED"]
    assert chart.bars[0].width == 2 * chart.bars[1].width
    assert bar_chart({}).bars == ()


def test_rates_are_per_minute_and_the_newest_is_on_the_right() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    points = [
        ThroughputPoint(now, 30.0, received=10, refused=5),
        ThroughputPoint(now + timedelta(seconds=30), 30.0, received=20, refused=0),
    ]
    chart = rate_chart(points, width=600, height=110, slots=10)
    assert chart.peak_per_minute == 40
    first, second = chart.columns
    assert second.received_height == 100 and first.received_height == 50 and first.refused_height == 25
    assert second.x + 60 == pytest.approx(600) and first.x + 60 == pytest.approx(second.x)


def test_the_workers_of_one_serve_share_a_session_key_only_they_can_read() -> None:
    from gateway.channels.cli.main import _shared_session_key
    from gateway.config import Settings

    with _shared_session_key(Settings()) as shared:
        path = shared.console.session_key_file
        assert path is not None and path.stat().st_mode & 0o777 == 0o600
        assert len(session_key(path)) >= 32
    assert not path.exists(), "removed when serve stops"
    configured = Settings().replace(console={"session_key_file": path})
    with _shared_session_key(configured) as kept:
        assert kept is configured
