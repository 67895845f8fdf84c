"""The stats page: the service stats and the feedback report as HTML with server-rendered SVG charts."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.feedback.charts import Series, bar_chart
from service.feedback.report import FeedbackReport
from service.feedback.stats import ServiceStats

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


class StatsPage:
    """Renders templates/stats.html (HTML autoescaped; the charts are SVG built here)."""

    def __init__(self, templates: Path = TEMPLATES) -> None:
        self._env = Environment(loader=FileSystemLoader(templates), autoescape=select_autoescape(["html"]))

    def render(self, stats: ServiceStats, report: FeedbackReport) -> str:
        days = stats.per_day
        labels = [d.day.strftime("%m-%d") for d in days]
        charts = [
            ("接待量 requests and conversations", bar_chart("requests per day", labels, [
                Series("conversations", [d.conversations for d in days], "#4e79a7"),
                Series("repeat requests", [d.requests - d.conversations for d in days], "#a0cbe8")])),
            ("首次响应时长 first response (kefu, median ms)", bar_chart("first response ms", labels, [
                Series("first response ms", [d.first_response_ms for d in days], "#f28e2b")])),
            ("采纳 adoption (requests with feedback)", bar_chart("adoption per day", labels, [
                Series("as-is", [d.as_is for d in days], "#59a14f"),
                Series("edited", [d.edited for d in days], "#edc948"),
                Series("ignored", [d.ignored for d in days], "#e15759")])),
            ("解决率 resolution rate", bar_chart("resolution rate", labels, [
                Series("resolved", [d.resolution_rate for d in days], "#76b7b2")], top=1.0, fmt=_pct_axis)),
        ]
        return self._env.get_template("stats.html").render(stats=stats, report=report, charts=charts, pct=_pct,
                                                            ms=_ms)


def _pct_axis(value: float) -> str:
    return f"{value * 100:.0f}%"
