"""Return-shipping, refund-timing, fee and date claims of refund_rule (the terms of a return).

`RefundChecks` holds the shared helpers; `RefundRuleGuard` (refund_rule.py) adds the window and
eligibility checks on top.
"""

from __future__ import annotations

import re
from datetime import date

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.refund_claims import (
    Claim,
    RefundPatterns,
    Route,
    is_hypothetical,
    known_route,
    route_for,
    sentence_of,
)
from service.policy.facts import Window

# 5 working days can span a weekend: 7 calendar days
_UNIT_DAYS = {
    "小时": 1 / 24,
    "hours": 1 / 24,
    "周": 7,
    "星期": 7,
    "个月": 30,
    "工作日": 7 / 5,
    "business days": 7 / 5,
    "working days": 7 / 5,
}


def _unit_days(unit: str) -> float:
    """Days in one of a duration's units (English plurals and singulars alike)."""
    if unit in _UNIT_DAYS:
        return _UNIT_DAYS[unit]
    singular = unit.rstrip("s")
    for name, days in (("hour", 1 / 24), ("week", 7), ("month", 30), ("business day", 7 / 5), ("working day", 7 / 5)):
        if singular == name:
            return days
    return 1


_EXCHANGE = re.compile(r"换(?:一|个|件|台|只|双|套|新|货)|更换|exchange|replace")


class RefundChecks:
    """Checks of what a return costs and when it happens; subclasses add the eligibility checks."""

    def __init__(self, patterns: RefundPatterns) -> None:
        self.p = patterns

    def _v(
        self,
        rule: str,
        key: str,
        claim: Claim,
        suggestion: str | None = None,
        severity: Severity = Severity.error,
        **values: object,
    ) -> Violation:
        return Violation(
            category=Category.refund_rule,
            rule=f"refund_rule.{rule}",
            severity=severity,
            message=self.p.messages[key].format(**values),
            span=(claim.start, claim.end),
            suggestion=suggestion,
        )

    @staticmethod
    def _replace_number(ctx: GuardContext, claim: Claim, value: int, group: str = "n") -> str | None:
        """The claim's text with its number replaced: the suggestion for a wrong day count."""
        text = ctx.reply[claim.start : claim.end]
        raw = claim.groups.get(group)
        offset = text.find(raw) if raw else -1
        if raw is None or offset < 0:
            return None
        return text[:offset] + str(value) + text[offset + len(raw) :]

    # -- shipping --------------------------------------------------------------------------------
    def _shipping(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        rules = ctx.shop.rules
        out: list[Violation] = []
        for claim in claims["buyer_pays"]:
            start, end = sentence_of(ctx.reply, claim.start)
            if self.p.reimbursed.search(ctx.reply, start, end) and "垫付" in ctx.reply[start:end]:
                continue
            if known_route(ctx, self.p, claim.start) is None and not self._after_sales_talk(ctx, start, end):
                continue  # a delivery or payment cost ("不满79元运费8元需要您出"), not a return's shipping
            route = route_for(ctx, self.p, claim.start)
            if route in (Route.quality, Route.wrong_item):
                out.append(self._v("return_shipping", "buyer_pays_quality", claim))
            elif route is Route.no_reason and rules.no_reason_return_shipping == "seller":
                out.append(self._v("return_shipping", "buyer_pays_no_reason", claim))
            elif route is Route.no_reason and self._insurance_left_out(ctx, claims["insurance_claimed"]):
                out.append(self._v("shipping_insurance", "insurance_denied", claim))
        for claim in claims["seller_pays"]:
            clause_start, clause_end = text_scan.clause_bounds(ctx.reply, claim.start)
            sentence_start, sentence_end = sentence_of(ctx.reply, claim.start)
            if self.p.outbound_leg.search(ctx.reply, clause_start, clause_end) or (
                not self.p.return_leg.search(ctx.reply, clause_start, clause_end)
                and self.p.outbound_leg.search(ctx.reply, sentence_start, sentence_end)
            ):
                continue  # the shop's leg (补发, 寄出新的) says nothing about the return leg
            # unknown path ("这次运费我们出" after an apology): say nothing
            said = known_route(ctx, self.p, claim.start)
            if said is None and any(
                self.p.return_request.search(t.text) for t in ctx.conversation if t.role == "customer"
            ):
                said = Route.no_reason  # a return asked for with no fault named anywhere is a no-reason return
            if said is Route.no_reason and self._quality_exchange(ctx, sentence_start, sentence_end):
                continue  # "质量问题…(不能无理由退)…给您换一件,来回运费我们出": the exchange's shipping
            if said is Route.no_reason and rules.no_reason_return_shipping == "buyer":
                insurance = "(这单有运费险,可由运费险理赔)" if ctx.facts.insurance_covers_return_shipping else ""
                out.append(self._v("return_shipping", "seller_pays_no_reason", claim, insurance=insurance))
        if ctx.order is not None:
            insured = ctx.order.shipping_insurance
            for claim in claims["insurance_denied"] if insured else claims["insurance_claimed"]:
                if not is_hypothetical(ctx, self.p, claim.start):
                    key = "insurance_denied" if insured else "insurance_claimed"
                    out.append(self._v("shipping_insurance", key, claim))
        return out

    def _insurance_left_out(self, ctx: GuardContext, said: list[Claim]) -> bool:
        """The order's insurance covers the return leg, the reply or the buyer's last message names the
        insurance, and the reply never says it pays: the buyer is told to bear a cost the insurance covers
        ("运费险哪能管无理由退货呢?寄回运费还得您这边出")."""
        if ctx.order is None or not ctx.order.shipping_insurance or not ctx.facts.insurance_covers_return_shipping:
            return False
        buyer = [t.text for t in ctx.conversation if t.role == "customer"]
        named = self.p.insurance_word.search(ctx.reply) or (buyer and self.p.insurance_word.search(buyer[-1]))
        return bool(named) and not said and not self._insurance_pays(ctx.reply)

    def _insurance_pays(self, text: str) -> bool:
        """A clause of the text says the insurance pays, unnegated and unrestricted."""
        for match in self.p.insurance_word.finditer(text):
            start, end = text_scan.clause_bounds(text, match.start())
            pays = self.p.insurance_pays.search(text, match.end(), end)
            if (
                pays
                and not self.p.insurance_restricted.search(text, start, pays.start())
                and not text_scan.is_negated(text, pays.start(), window=6)
            ):
                return True
        return False

    def _quality_exchange(self, ctx: GuardContext, start: int, end: int) -> bool:
        """The sentence is about exchanging an item with a quality problem."""
        return bool(
            self.p.routes[Route.quality].search(ctx.reply, start, end) and _EXCHANGE.search(ctx.reply, start, end)
        )

    # -- refund timing and fees --------------------------------------------------------------------
    def _timing_and_fees(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        limit = ctx.shop.rules.refund_within_days
        out: list[Violation] = []
        for claim in claims["refund_time"]:
            clause_start, clause_end = text_scan.clause_bounds(ctx.reply, claim.start)
            if self.p.refund_channel.search(ctx.reply, clause_start, max(clause_end, claim.end)):
                continue
            values = [v for v in (claim.number("a"), claim.number("b")) if v is not None]
            unit = claim.groups.get("unit", "天")
            days = max(values, default=0) * _UNIT_DAYS.get(unit, 1)
            if days > limit:
                out.append(self._v("refund_timing", "refund_time", claim, days=limit))
        out.extend(self._refund_durations(ctx, claims["refund_time"]))
        for claim in claims["fee"]:
            start, end = sentence_of(ctx.reply, claim.start)
            if not self._after_sales_talk(ctx, start, end):
                continue  # a payment or delivery fee ("货到付款另收5元服务费"), not a charge on a return
            if not self.p.fee_exempt.search(ctx.reply, start, end):
                out.append(self._v("extra_fee", "fee", claim))
        return out

    def _refund_durations(self, ctx: GuardContext, found: list[Claim]) -> list[Violation]:
        """Durations the refund phrases missed ("大概一到两周", "within 7 to 10 working days", "要一周左右"),
        read by structure: a duration in a clause that names the refund money, or in any clause of a reply
        to a buyer who asks when the money comes back, is how long the refund takes; longer than the shop's
        refund_within_days is wrong. A clause about a window, an insurer's payout or a parcel is not."""
        limit = ctx.shop.rules.refund_within_days
        text = ctx.reply
        buyer = [t.text for t in ctx.conversation if t.role == "customer"]
        asked = bool(buyer) and bool(self.p.refund_question.search(buyer[-1]))
        out: list[Violation] = []
        for match in self.p.duration.finditer(text):
            start, end = match.span()
            if any(c.start < end and start < c.end for c in found):
                continue
            clause_start, clause_end = text_scan.clause_bounds(text, start)
            sentence_start, sentence_end = sentence_of(text, start)
            if not (asked or self.p.refund_money.search(text, clause_start, clause_end)):
                continue
            if (
                self.p.not_refund_duration.search(text, sentence_start, sentence_end)
                or self.p.refund_channel.search(text, sentence_start, sentence_end)
                or self.p.not_this_shop.search(text, sentence_start, sentence_end)
                or text_scan.is_quoted(text, start)
                or is_hypothetical(ctx, self.p, start)
            ):
                continue
            claim = Claim("refund_time", start, end, {k: v for k, v in match.groupdict().items() if v})
            values = [v for v in (claim.number("a"), claim.number("b")) if v is not None]
            unit = claim.groups.get("unit", "天").lower()
            days = max(values, default=0) * _unit_days(unit)
            if days > limit:
                out.append(self._v("refund_timing", "refund_time", claim, days=limit))
        return out

    def _after_sales_talk(self, ctx: GuardContext, start: int, end: int) -> bool:
        """The reply's sentence [start, end) or the buyer's messages speak of after-sales."""
        buyer = "\n".join(t.text for t in ctx.conversation if t.role == "customer")
        sentence = ctx.reply[start:end]
        return bool(
            self._about_after_sales(sentence) or self.p.return_leg.search(sentence) or self._about_after_sales(buyer)
        )

    def _about_after_sales(self, text: str) -> bool:
        """The text speaks of a return, exchange, refund or cancellation, or of a problem with the goods."""
        return bool(self.p.after_sales_context.search(text)) or any(r.search(text) for r in self.p.routes.values())

    # -- day counts and dates ----------------------------------------------------------------------
    def _dates(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        facts = ctx.facts
        out: list[Violation] = []
        if facts.days_since_delivery is None:
            return out
        for claim in claims["day_count"]:
            n = claim.number()
            if n is not None and int(n) != facts.days_since_delivery:
                fix = self._replace_number(ctx, claim, facts.days_since_delivery)
                out.append(self._v("day_count", "day_count", claim, fix, day=facts.days_since_delivery))
        for claim in claims["last_day"]:
            window, name = self._sentence_window(ctx, claim)
            if window.deadline is not None and window.deadline != facts.today:
                out.append(self._v("deadline", "last_day", claim, window=name, deadline=fmt_date(window.deadline)))
        for claim in claims["deadline"]:
            clause_start, clause_end = text_scan.clause_bounds(ctx.reply, claim.start)
            previous_start = text_scan.clause_bounds(ctx.reply, max(0, clause_start - 2))[0]
            if not self.p.window_words.search(ctx.reply, previous_start, clause_end):
                continue
            window, name = self._sentence_window(ctx, claim)
            claimed = _claimed_date(claim, facts.today)
            if claimed is not None and window.deadline is not None and claimed != window.deadline:
                out.append(self._v("deadline", "deadline", claim, window=name, deadline=fmt_date(window.deadline)))
        return out

    def _sentence_window(self, ctx: GuardContext, claim: Claim) -> tuple[Window, str]:
        start, end = sentence_of(ctx.reply, claim.start)
        sentence = ctx.reply[start:end]
        if "换" in sentence and "无理由" not in sentence:
            return ctx.facts.quality_exchange, "质量问题换货期"
        if "质量" in sentence and "无理由" not in sentence:
            return ctx.facts.quality_return, "质量问题退货期"
        return ctx.facts.no_reason_return, "无理由退货期"


def _claimed_date(claim: Claim, today: date) -> date | None:
    """The month/day a claim names, in the year that puts it nearest to today."""
    try:
        month, day = int(claim.groups["m"]), int(claim.groups["d"])
        claimed = date(today.year, month, day)
    except (KeyError, ValueError):
        return None
    if (today - claimed).days > 180:
        claimed = date(today.year + 1, month, day)
    elif (claimed - today).days > 180:
        claimed = date(today.year - 1, month, day)
    return claimed


def fmt_date(value: date | None) -> str:
    """11月5日 (or "-" when unknown)."""
    return f"{value.month}月{value.day}日" if value else "-"
