"""A received document shown with line numbers, its errors marked at their line and column.

Only for showing: the bytes are decoded leniently and never go anywhere else.  A long document
is shown around its errors; a very long line around the error's column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: a document up to this many lines is shown whole
WHOLE_LINES = 1500
#: lines shown before and after an error in a longer document
CONTEXT = 4
#: characters of a line shown; a longer one is cut around the error's column
LINE_CHARS = 400


@dataclass(frozen=True, slots=True)
class Mark:
    #: the error's place in the verdict's list (1-based), to link the table and the listing
    number: int
    code: str
    message: str
    column: int | None


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    text: str
    #: where the shown text starts in the line (0 unless the line was cut)
    offset: int
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    first: int
    last: int


def marks_by_line(errors: Iterable[Mapping[str, object]]) -> dict[int, list[Mark]]:
    marks: dict[int, list[Mark]] = {}
    for number, error in enumerate(errors, start=1):
        line, column = error.get("line"), error.get("column")
        if isinstance(line, int):
            marks.setdefault(line, []).append(
                Mark(
                    number,
                    str(error.get("code", "")),
                    str(error.get("message", "")),
                    column if isinstance(column, int) else None,
                )
            )
    return marks


def listing(body: bytes, errors: Iterable[Mapping[str, object]]) -> list[Line | Gap]:
    """The lines to show, with gaps where lines are left out."""
    lines = body.decode("utf-8", errors="replace").split("\n")
    marks = marks_by_line(errors)
    if len(lines) <= WHOLE_LINES:
        shown = set(range(1, len(lines) + 1))
    else:
        shown = {
            n for line in marks for n in range(line - CONTEXT, line + CONTEXT + 1) if 1 <= n <= len(lines)
        } or set(range(1, min(len(lines), 2 * CONTEXT) + 1))
    result: list[Line | Gap] = []
    previous = 0
    for number in sorted(shown):
        if number > previous + 1:
            result.append(Gap(previous + 1, number - 1))
        result.append(_line(number, lines[number - 1], tuple(marks.get(number, ()))))
        previous = number
    if previous < len(lines):
        result.append(Gap(previous + 1, len(lines)))
    return result


def _line(number: int, text: str, marks: tuple[Mark, ...]) -> Line:
    text = text.rstrip("\r")
    if len(text) <= LINE_CHARS:
        return Line(number, text, 0, marks)
    column = next((m.column for m in marks if m.column), 1)
    start = max(0, min(column - LINE_CHARS // 2, len(text) - LINE_CHARS))
    return Line(number, text[start : start + LINE_CHARS], start, marks)
