"""The summary's chart as geometry for an SVG template: one column per year, stacked by type
of certificate, with a scale of round numbers. Drawn on the server: no script, and the page
reads the same without CSS (each bar carries its numbers as a tooltip title)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 32  # room for the scale and the years
TICKS = 5


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which type: the CSS class s0..s9 gives its colour
    label: str
    year: str
    value: int


@dataclass(frozen=True)
class Column:
    x: float  # centre
    year: str
    total: int
    top: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    left: float
    right: float
    bars: list[Bar]
    columns: list[Column]
    ticks: list[tuple[float, int]]  # (y, value)
    legend: list[tuple[int, str]]


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k (k ≥ 0) that is at least `value`."""
    if value <= 1:
        return 1
    power: int = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def stacked_columns(table: dict[str, Any], years: tuple[str, ...]) -> Chart:
    """`table` as `replies.mail.compose.quantity_table` gives it (rows × years)."""
    top = nice_ceiling(max(table["year_totals"], default=0))
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(years), 1)
    bar_w = slot * 0.6
    base = float(HEIGHT - BOTTOM)
    bars: list[Bar] = []
    columns: list[Column] = []
    for i, year in enumerate(years):
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = base
        for n, row in enumerate(table["rows"]):
            value = row["amounts"][i]
            h = plot_h * value / top
            if value:
                y -= h
                bars.append(Bar(round(x, 1), round(y, 1), round(bar_w, 1), round(h, 1), n % 10,
                                row["label"], year, value))
        columns.append(Column(round(x + bar_w / 2, 1), year, table["year_totals"][i],
                              round(y, 1)))
    ticks = [(round(base - plot_h * k / TICKS, 1), top * k // TICKS) for k in range(TICKS + 1)]
    legend = [(n % 10, row["label"]) for n, row in enumerate(table["rows"])]
    return Chart(WIDTH, HEIGHT, base, LEFT, WIDTH - RIGHT, bars, columns, ticks, legend)
