"""Service stats the seeds ask for, per day in the shop's time zone, from kefu's own records:
接待量 (requests and conversations), 首次响应时长 (first response time), 解决率 (resolution rate), adoption."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from service.feedback.models import Outcome, ReportRow

DEFINITIONS = {
    "requests": "接待量: draft requests kefu answered",
    "conversations": "接待量: distinct conversations (requests sharing their first turn are one conversation), "
                     "counted on the day of their first request",
    "first_response_ms": "首次响应时长: conversation turns carry no timestamps, so this is kefu's response time to "
                         "the first request of each conversation (median), not the agent's time to reply",
    "resolution_rate": "解决率: of the requests with feedback, the share whose draft was sent as-is or edited "
                       "(the draft resolved the turn); an ignored draft did not",
    "adoption": "as_is / edited / ignored: shares of the requests with feedback",
}


class DayStats(BaseModel):
    day: date
    requests: int
    conversations: int
    first_response_ms: float | None = Field(description="median over the conversations started that day")
    with_feedback: int
    as_is: int
    edited: int
    ignored: int
    resolution_rate: float | None = Field(description="(as_is + edited) / with_feedback")
    adoption_rate: float | None = Field(description="as_is / with_feedback")


class ServiceStats(BaseModel):
    shop_id: str
    days: int
    timezone: str
    first_response_source: str = Field(description="kefu_response_time: turns carry no timestamps")
    totals: DayStats = Field(description="the whole window (`day` is its first day)")
    per_day: list[DayStats]
    definitions: dict[str, str]


@dataclass
class _Day:
    requests: int = 0
    conversations: int = 0
    first_ms: list[float] = field(default_factory=list)
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))

    def merge(self, other: _Day) -> None:
        self.requests += other.requests
        self.conversations += other.conversations
        self.first_ms.extend(other.first_ms)
        for outcome, n in other.outcomes.items():
            self.outcomes[outcome] += n

    def stats(self, day: date) -> DayStats:
        with_feedback = sum(self.outcomes.values())
        as_is, edited = self.outcomes[Outcome.as_is], self.outcomes[Outcome.edited]
        return DayStats(
            day=day, requests=self.requests, conversations=self.conversations,
            first_response_ms=round(statistics.median(self.first_ms), 1) if self.first_ms else None,
            with_feedback=with_feedback, as_is=as_is, edited=edited, ignored=self.outcomes[Outcome.ignored],
            resolution_rate=round((as_is + edited) / with_feedback, 4) if with_feedback else None,
            adoption_rate=round(as_is / with_feedback, 4) if with_feedback else None)


def build_stats(shop_id: str, days: int, first_day: date, rows: Iterable[ReportRow], zone: ZoneInfo) -> ServiceStats:
    """Per-day stats from `first_day` for `days` days (records in time order; days without any are zeros)."""
    per_day: dict[date, _Day] = {}
    seen: set[str] = set()
    for row in rows:
        bucket = per_day.setdefault(row.created_at.astimezone(zone).date(), _Day())
        bucket.requests += 1
        if row.conversation_key not in seen:
            seen.add(row.conversation_key)
            bucket.conversations += 1
            bucket.first_ms.append(row.response_ms)
        if row.outcome is not None:
            bucket.outcomes[row.outcome] += 1
    total = _Day()
    days_out: list[DayStats] = []
    for offset in range(days):
        day = date.fromordinal(first_day.toordinal() + offset)
        bucket = per_day.get(day, _Day())
        total.merge(bucket)
        days_out.append(bucket.stats(day))
    return ServiceStats(shop_id=shop_id, days=days, timezone=str(zone), first_response_source="kefu_response_time",
                        totals=total.stats(first_day), per_day=days_out, definitions=DEFINITIONS)
