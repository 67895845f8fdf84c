"""Small server-rendered SVG bar charts (no script, no CDN): one bar group per day, stacked series."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

_LEFT, _BOTTOM, _TOP, _BAR, _GAP = 48, 22, 10, 14, 4
_MIN_WIDTH, _LABEL_WIDTH = 290, 34  # px: room for the legend; an x label ("12-04") needs about this much


@dataclass(frozen=True)
class Series:
    """One stacked layer of the chart: a value per label (None: no data that day)."""

    name: str
    values: Sequence[float | None]
    color: str


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, height: int = 140,
              fmt: Callable[[float], str] = _number, top: float | None = None) -> str:
    """An SVG of stacked bars, one per label, with a legend; `top` fixes the y axis maximum (e.g. 1 for rates)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    peak = top if top is not None else max(totals, default=0) or 1
    width = max(_MIN_WIDTH, _LEFT + len(labels) * (_BAR + _GAP) + 10)
    plot = height - _BOTTOM - _TOP
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="{width}" height="{height + 18}" viewBox="0 0 {width} {height + 18}" class="chart">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{_LEFT - 2}" y1="{_TOP + plot}" x2="{width - 6}" y2="{_TOP + plot}" stroke="#999"/>',
             f'<text x="{_LEFT - 6}" y="{_TOP + 8}" text-anchor="end" font-size="10">{escape(fmt(peak))}</text>',
             f'<text x="{_LEFT - 6}" y="{_TOP + plot}" text-anchor="end" font-size="10">{escape(fmt(0))}</text>']
    every = max(1, -(-_LABEL_WIDTH // (_BAR + _GAP)), len(labels) // 8)  # labels never overlap
    for i, label in enumerate(labels):
        x = _LEFT + i * (_BAR + _GAP)
        base = float(_TOP + plot)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot * min(value, peak) / peak
            base -= h
            parts.append(f'<rect x="{x}" y="{base:.1f}" width="{_BAR}" height="{h:.1f}" fill="{s.color}">'
                         f"<title>{escape(label)} {escape(s.name)}: {escape(fmt(value))}</title></rect>")
        if i % every == 0:
            parts.append(f'<text x="{x + _BAR / 2}" y="{height - 6}" text-anchor="middle" font-size="9">'
                         f"{escape(label)}</text>")
    x = _LEFT
    for s in series:
        parts.append(f'<rect x="{x}" y="{height + 6}" width="10" height="10" fill="{s.color}"/>'
                     f'<text x="{x + 14}" y="{height + 15}" font-size="11">{escape(s.name)}</text>')
        x += 14 + 7 * len(s.name) + 12  # ~7 px per character at 11 px
    parts.append("</svg>")
    return "".join(parts)
