"""Small inline SVG charts for the operator's page, laid out here so that the templates only draw
(no script: the page's Content-Security-Policy allows none inline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.services.operator import SAMPLES_KEPT, ThroughputPoint

WIDTH, HEIGHT = 600, 160
_BAR_HEIGHT, _BAR_GAP, _LABEL_WIDTH = 18, 6, 220


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    y: int
    width: int


@dataclass(frozen=True, slots=True)
class Column:
    x: float
    width: float
    received_height: float
    refused_height: float
    title: str


@dataclass(frozen=True, slots=True)
class BarChart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = _LABEL_WIDTH


@dataclass(frozen=True, slots=True)
class RateChart:
    columns: tuple[Column, ...]
    width: int
    height: int
    peak_per_minute: float


def bar_chart(values: Mapping[str, float], width: int = WIDTH) -> BarChart:
    """Horizontal bars, largest first (e.g. refusals by code)."""
    ordered = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    top = max((v for _, v in ordered), default=0.0) or 1.0
    room = width - _LABEL_WIDTH - 60
    bars = tuple(
        Bar(label, value, i * (_BAR_HEIGHT + _BAR_GAP), max(1, round(room * value / top)))
        for i, (label, value) in enumerate(ordered)
    )
    return BarChart(bars, width, max(len(bars) * (_BAR_HEIGHT + _BAR_GAP), _BAR_HEIGHT))


def rate_chart(
    points: Sequence[ThroughputPoint], width: int = WIDTH, height: int = HEIGHT, slots: int = SAMPLES_KEPT
) -> RateChart:
    """Documents received per minute in each interval, the refused part drawn over it; the newest
    on the right, each interval as wide as one of the ``slots`` the history keeps."""
    per_minute = [(p, 60 * p.received / p.seconds, 60 * p.refused / p.seconds) for p in points]
    peak = max((received for _, received, _ in per_minute), default=0.0)
    scale = (height - 10) / peak if peak else 0.0
    slot = width / max(len(points), slots)
    first = width - len(points) * slot
    columns = tuple(
        Column(
            x=first + i * slot,
            width=max(slot - 1, 1),
            received_height=received * scale,
            refused_height=refused * scale,
            title=f"{point.at:%H:%M:%S}: {received:.1f}/min received, {refused:.1f}/min refused",
        )
        for i, (point, received, refused) in enumerate(per_minute)
    )
    return RateChart(columns, width, height, peak)
