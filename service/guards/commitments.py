"""false_promise, commitment claims: outcomes, arrivals and turnaround times promised as certain.

A clause commits when it says an outcome nobody controls will not happen with certainty ("肯定不会
过敏", rhetorical "怎么可能会碎呢", "碎不了的"), names an arrival by a deadline ("后天就能收到"), or
names a making/repair time shorter than the documents state ("2 天就修好" against "维修周期 7 个工作日"),
or names a shipping day earlier than the shop's own schedule gives this order ("今晚就给您发出" for an order
paid on Saturday after the 15:00 cut-off, when the warehouse rests on Sunday: it leaves on Monday).
Hedged ("一般", "预计"), conditional ("如果") or quoted clauses commit to nothing. Data: commitments.yaml.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Violation
from service.guards.product_match import products_at
from service.knowledge.document import DocType
from service.policy.order import OrderStatus

_DURATION = re.compile(rf"(?P<n>{text_scan.NUM})\s*(?:个)?(?P<unit>工作日|天|小时|周)")
_UNIT_DAYS = {"天": 1.0, "工作日": 1.0, "小时": 1 / 24, "周": 7.0}


class CommitmentChecks:
    """Finds commitment claims in a reply and checks them against the shop's documents."""

    def __init__(self, data: dict[str, Any], messages: dict[str, str]) -> None:
        self.certainty = re.compile(data["certainty"], re.IGNORECASE)
        self.rhetorical = re.compile(data["rhetorical"])
        self.adverse = re.compile(data["adverse"])
        self.negation = re.compile(data["negation"])
        self.assured = re.compile(data["assured"])
        self.events = {name: re.compile(p, re.IGNORECASE) for name, p in data["events"].items()}
        self.deadline = re.compile(data["deadline"])
        self.days: dict[str, float] = {k: float(v) for k, v in data["days"].items()}
        self.hedge = re.compile(data["hedge"])
        self.refused = re.compile(data["refused"], re.IGNORECASE)
        self.conditional = re.compile(data["conditional"], re.IGNORECASE)
        self.after_event = re.compile(data["after_event"])
        self.duration_keys: dict[str, list[str]] = data["duration_keys"]
        self.policy_periods = set(data["policy_periods"])
        self.after_making_events = set(data["after_making_events"])
        self.after_making = re.compile(f"(?:{data['events']['make']})\\s*(?:后|以后|之后)")
        self.return_leg = re.compile(data["return_leg"])
        self.messages = messages

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Commitment claims of every clause of the reply."""
        reply = ctx.reply
        out: list[Violation] = []
        for start, end in text_scan.split_clauses(reply):
            clause = reply[start:end]
            sentence_start, _ = text_scan.sentence_bounds(reply, start)
            if self.hedge.search(clause) or self.refused.search(reply, sentence_start, end):
                continue
            if text_scan.is_quoted(reply, start) or text_scan.is_quoted(reply, end - 1):
                continue
            if self.conditional.search(reply, sentence_start, end):
                continue
            found = self._outcome(reply, start, end) or self._deadline(ctx, start, end)
            if found:
                out.append(found)
        return out

    def _certain(self, clause: str) -> bool:
        return bool(self.certainty.search(clause) or self.rhetorical.search(clause))

    def _outcome(self, reply: str, start: int, end: int) -> Violation | None:
        """An adverse outcome denied with certainty, or a good one assured with certainty."""
        clause = reply[start:end]
        if not self._certain(clause):
            return None
        for match in self.adverse.finditer(reply, start, end):
            before = reply[max(start, match.start() - 5) : match.start()]
            after = reply[match.end() : min(end, match.end() + 3)]
            denied = bool(self.negation.search(before)) or after.startswith(("不了", "不掉", "不到"))
            rhetorical = bool(self.rhetorical.search(reply, start, match.start()))
            if denied or rhetorical:
                return self._v("outcome_guarantee", (match.start(), match.end()), outcome=match.group())
        assured = self.assured.search(reply, start, end)
        if assured and self.certainty.search(clause):
            return self._v("outcome_guarantee", assured.span(), outcome=assured.group())
        return None

    def _deadline(self, ctx: GuardContext, start: int, end: int) -> Violation | None:
        """An arrival by a deadline, or making/repair sooner than the documents state."""
        reply = ctx.reply
        deadline = self.deadline.search(reply, start, end)
        if deadline is None:
            return None
        arrival = self._event("arrival", reply, deadline.end(), end)
        if arrival and not text_scan.is_negated(reply, arrival.start(), arrival.end(), window=4):
            return self._v("arrival_deadline", deadline.span(), claimed=reply[deadline.start() : arrival.end()])
        claimed = self._days(deadline)
        ship = self._event("ship", reply, deadline.end(), end)
        if ship is not None and claimed is not None and not self.return_leg.search(ship.group()):
            day = _schedule_day(ctx)
            if day is not None and _local(ctx.now).date() + timedelta(days=int(claimed)) < day:
                return self._v(
                    "ship_schedule", (deadline.start(), ship.end()), claimed=reply[deadline.start() : ship.end()],
                    day=f"{day.month}月{day.day}日",
                )
        for event in self.duration_keys:  # the events the documents give a period for (data)
            match = self._event(event, reply, deadline.end(), end)
            if match is None or claimed is None:
                continue
            if event in self.after_making_events and self.after_making.search(reply, start, deadline.start()):
                continue  # "做好后24小时内发货": counted from the end of the making, not from now
            stated = self._stated_days(ctx, event, start)
            if stated is not None and claimed < stated:
                return self._v(
                    "turnaround", (deadline.start(), match.end()), claimed=reply[deadline.start() : match.end()],
                    stated=f"{stated:g}",
                )
        return None

    def _event(self, name: str, reply: str, start: int, end: int) -> re.Match[str] | None:
        """The event after a deadline in the clause; "收到退货后..." is a time reference, not the event."""
        for match in self.events[name].finditer(reply, start, end):
            if not self.after_event.search(reply[match.end() : end]):
                return match
        return None

    def _days(self, deadline: re.Match[str]) -> float | None:
        when = deadline.group("when")
        if when in self.days:
            return self.days[when]
        if deadline.group("n"):
            token = deadline.group("n")
            number = 0.5 if token == "半" else text_scan.parse_number(token)
            return None if number is None else number * _UNIT_DAYS[deadline.group("unit")]
        return None

    def _stated_days(self, ctx: GuardContext, event: str, position: int) -> float | None:
        """The shortest duration the product's spec rows or the shop's policies give for the event."""
        keys = self.duration_keys[event]
        lines = [
            value for product in products_at(ctx, position) for key, value in product.specs.items()
            if any(k in key for k in keys)
        ]
        if not lines and event in self.policy_periods:
            lines = [
                line for doc in ctx.shop.docs.values() if doc.meta.type is DocType.policy
                for line in doc.body.splitlines() if any(k in line for k in keys)
            ]
        durations = [
            (text_scan.parse_number(m.group("n")) or 0) * _UNIT_DAYS[m.group("unit")]
            for line in lines for m in _DURATION.finditer(line)
        ]
        durations = [d for d in durations if d > 0]
        return min(durations) if durations else None

    def _v(self, rule: str, span: tuple[int, int], **values: str) -> Violation:
        return Violation(
            category=Category.false_promise,
            rule=f"false_promise.{rule}",
            message=self.messages[rule].format(**values),
            span=span,
        )


def _local(moment: datetime) -> datetime:
    zone = ZoneInfo("Asia/Shanghai")
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone)


def _schedule_day(ctx: GuardContext) -> date | None:
    """The day the order leaves by the shop's firm cut-off and rest days (paid, or paid now), if known."""
    order, schedule = ctx.order, ctx.shop.schedule
    if order is None or schedule.cutoff is None or not schedule.firm or order.shipped_at is not None:
        return None
    if order.status not in (OrderStatus.unpaid, OrderStatus.paid):
        return None
    basis = order.paid_at if order.status is OrderStatus.paid and order.paid_at else ctx.now
    return schedule.ship_day(_local(basis))
