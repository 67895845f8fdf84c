"""The reports' use case: a shop's records of the last N days (in its time zone) turned into reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.feedback.report import FeedbackReport, build_report
from service.feedback.stats import ServiceStats, build_stats
from service.feedback.store import FeedbackStore


class ReportService:
    """GET /v1/shops/{shop}/feedback/report and /stats; `titles(shop)` names the shop's products (and raises
    NotFoundError for an unknown shop)."""

    def __init__(self, store: FeedbackStore, titles: Callable[[str], Mapping[str, str]], zone: ZoneInfo,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self._titles = titles
        self.zone = zone
        self._clock = clock

    def _window(self, days: int) -> tuple[date, datetime]:
        """The first day of the window (today is its last) and the moment it starts."""
        first = self._clock().astimezone(self.zone).date() - timedelta(days=days - 1)
        return first, datetime.combine(first, time.min, tzinfo=self.zone)

    def report(self, shop_id: str, days: int) -> FeedbackReport:
        titles = self._titles(shop_id)
        _, since = self._window(days)
        return build_report(shop_id, days, self.store.report_rows(shop_id, since=since), titles)

    def overview(self, shop_id: str, days: int) -> tuple[ServiceStats, FeedbackReport]:
        """Both, from one read of the records (the stats page)."""
        titles = self._titles(shop_id)
        first, since = self._window(days)
        rows = self.store.report_rows(shop_id, since=since)
        return build_stats(shop_id, days, first, rows, self.zone), build_report(shop_id, days, rows, titles)

    def stats(self, shop_id: str, days: int) -> ServiceStats:
        self._titles(shop_id)  # 404 for an unknown shop
        first, since = self._window(days)
        return build_stats(shop_id, days, first, self.store.report_rows(shop_id, since=since), self.zone)
