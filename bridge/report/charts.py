"""Small SVG charts for the HTML report: grouped bars and lines over the report's months.

Plain SVG in the page, so the report is one file that opens anywhere, offline, and prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 52  # margins: axis labels left, month labels and legend below
COLOURS = ("#2f6fb0", "#e0823d", "#4a9c5d", "#b0413e", "#7d5ba6", "#8c8c8c")

Series = tuple[str, Sequence[float | None]]  # a name for the legend, one value per label


def bars(labels: Sequence[str], series: Sequence[Series], *, unit: str = "") -> Markup:
    """Grouped bars: one group per label, one bar per series."""
    top = _nice_top(max((v for _, values in series for v in values if v is not None), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    group = plot_w / max(len(labels), 1)
    bar = group * 0.8 / max(len(series), 1)
    parts = _axes(labels, top, unit)
    for s, (name, values) in enumerate(series):
        for i, value in enumerate(values):
            if not value:
                continue
            x = LEFT + i * group + group * 0.1 + s * bar
            y = _y(value, top)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.92:.1f}" height="{HEIGHT - BOTTOM - y:.1f}" '
                f'fill="{COLOURS[s % len(COLOURS)]}"><title>{escape(name)} {escape(labels[i])}: {_number(value)}{unit}</title></rect>'
            )
    return _svg(parts, series)


def lines(labels: Sequence[str], series: Sequence[Series], *, unit: str = "", top: float | None = None) -> Markup:
    """One line per series; a missing value (None) breaks the line."""
    top = top or _nice_top(max((v for _, values in series for v in values if v is not None), default=0))
    group = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    parts = _axes(labels, top, unit)
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        run: list[str] = []
        for i, value in enumerate((*values, None)):
            if value is None:
                if len(run) > 1:
                    parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
                run = []
                continue
            x, y = LEFT + (i + 0.5) * group, _y(value, top)
            run.append(f"{x:.1f},{y:.1f}")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"><title>{escape(name)} '
                f'{escape(labels[i])}: {_number(value)}{unit}</title></circle>'
            )
    return _svg(parts, series)


def _axes(labels: Sequence[str], top: float, unit: str) -> list[str]:
    parts = []
    for step in range(5):
        value = top * step / 4
        y = _y(value, top)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(value)}{escape(unit)}</text>')
    group = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        parts.append(f'<text x="{LEFT + (i + 0.5) * group:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>')
    return parts


def _svg(parts: list[str], series: Sequence[Series]) -> Markup:
    legend, x = [], LEFT
    for s, (name, _) in enumerate(series):
        legend.append(f'<rect x="{x}" y="{HEIGHT - 20}" width="10" height="10" fill="{COLOURS[s % len(COLOURS)]}"/>')
        legend.append(f'<text x="{x + 14}" y="{HEIGHT - 11}">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    body = "".join(parts + legend)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="11" role="img">{body}</svg>'
    )


def _y(value: float, top: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / top)


def _nice_top(largest: float) -> float:
    """The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value."""
    if largest <= 0:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(power * f for f in (1, 2, 2.5, 5, 10) if power * f >= largest)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
