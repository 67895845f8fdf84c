"""A shop's daily shipping schedule read from its shipping policy: the cut-off (paid before 16:00 → ships
today) and the weekdays the warehouse rests. Read from the policy's own sentences by the general patterns
of data/shipping_schedule.yaml, so an editor changes it by editing the policy."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from service.knowledge.document import DocType, Document

SCHEDULE_FILE = Path(__file__).with_name("data") / "shipping_schedule.yaml"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_SENTENCES = re.compile(r"[^。;；\n]+")


class SchedulePatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cutoff: list[str]
    hedges: list[str]
    rest_day: str
    ships_on_rest_day: str
    workdays_only: str


@lru_cache(maxsize=2)
def load_schedule_patterns(path: Path = SCHEDULE_FILE) -> SchedulePatterns:
    return SchedulePatterns.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class ShippingSchedule(BaseModel):
    """When a paid order leaves the warehouse, as the shop's policy states it (nothing stated: unknown)."""

    model_config = ConfigDict(frozen=True)

    cutoff: time | None = None
    firm: bool = True  # False when the policy hedges ("一般当天发出")
    rest_weekdays: tuple[int, ...] = ()  # Monday = 0
    sentence: str = ""  # the policy's own words, for citation
    doc_id: str = ""

    def ship_day(self, paid: datetime) -> date | None:
        """The day an order paid at `paid` (shop-local time) leaves, or None without a cut-off."""
        if self.cutoff is None:
            return None
        day = paid.date() if paid.time() < self.cutoff else paid.date() + timedelta(days=1)
        for _ in range(7):
            if day.weekday() not in self.rest_weekdays:
                break
            day += timedelta(days=1)
        return day


def read_schedule(docs: Iterable[Document], patterns: SchedulePatterns | None = None) -> ShippingSchedule:
    """The first cut-off stated in the shop's policy documents, and the rest days they name."""
    patterns = patterns or load_schedule_patterns()
    for doc in sorted((d for d in docs if d.meta.type is DocType.policy), key=lambda d: d.id):
        for sentence in _SENTENCES.findall(doc.body):
            for pattern in patterns.cutoff:
                match = re.search(pattern, sentence)
                if match is None:
                    continue
                hour, minute = int(match.group(1)), int(match.group(2) or 0)
                if not (0 <= hour <= 23 and 0 <= minute <= 59):
                    continue
                return ShippingSchedule(cutoff=time(hour, minute),
                                        firm=not any(h in sentence for h in patterns.hedges),
                                        rest_weekdays=_rest_days(doc.body, patterns, sentence),
                                        sentence=sentence.strip(" -*"), doc_id=doc.id)
    return ShippingSchedule()


def _rest_days(body: str, patterns: SchedulePatterns, cutoff_sentence: str) -> tuple[int, ...]:
    days: set[int] = {5, 6} if re.search(patterns.workdays_only, cutoff_sentence) else set()
    for sentence in _SENTENCES.findall(body):
        if re.search(patterns.ships_on_rest_day, sentence):
            continue
        for match in re.finditer(patterns.rest_day, sentence):
            word = match.group(1)
            days |= {5, 6} if word.endswith("末") else {_WEEKDAYS[word[-1]]}
    return tuple(sorted(days))
