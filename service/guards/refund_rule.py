"""refund_rule: return and refund claims checked against the shop's effective rules and the order.

Claims (window lengths, eligibility today, excluded categories, who pays return shipping and
运费险, quality return vs exchange windows, refund timing, unshipped orders, fees, day counts)
are found by `refund_claims`; each is checked here against `ctx.shop.rules` and `ctx.facts`.
Wrongly denying a right is as much a violation as wrongly granting one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from service.guards import text_scan
from service.guards.base import GuardContext, Violation
from service.guards.documented_denials import DocumentedDenials
from service.guards.documented_payers import DocumentedPayers
from service.guards.payer import PayerClaims
from service.guards.refund_after_sales import AfterSalesChecks
from service.guards.refund_claims import (
    CLAIM_KINDS,
    Claim,
    RefundPatterns,
    Route,
    all_items_excluded,
    excluded_items,
    excluded_mentioned,
    is_hypothetical,
    known_route,
    route_for,
    sentence_of,
)
from service.guards.refund_conditions import ConditionChecks
from service.guards.refund_terms import fmt_date
from service.policy.facts import Window

_STRICT = re.compile(r"只|仅|only")
_EXCHANGE_KIND = re.compile(r"换")
_RETURN_KIND = re.compile(r"退")
_NO_REASON = re.compile(r"无理由|无条件|no[- ]reason|no[- ]questions?|hassle[- ]free", re.IGNORECASE)


class RefundRuleGuard(AfterSalesChecks):
    """Checks a reply's return/refund statements against the shop's rules and the order's facts."""

    name = "refund_rule"

    def __init__(self, data: dict[str, Any] | None = None, data_dir: Path | None = None) -> None:
        super().__init__(RefundPatterns(data if data is not None else text_scan.load_data("refund_rule", data_dir)))
        self.conditions = ConditionChecks(self.p)
        self.documented_cancel = DocumentedDenials(self.p, "deny_cancel")
        self.payers = PayerClaims(text_scan.load_data("payer", data_dir))
        self.documented_payers = DocumentedPayers(self.p, self.payers)

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Every return/refund claim of the reply that the shop's rules or the order contradict."""
        claims = {kind: [c for c in self.p.find(kind, ctx.reply) if not self._exempt(ctx, c)] for kind in CLAIM_KINDS}
        said = claims["buyer_pays"] + claims["seller_pays"]
        for claim in self.payers.find(ctx.reply):
            if not any(c.start < claim.end and claim.start < c.end for c in said) and not self._exempt(ctx, claim):
                claims[claim.kind].append(claim)
        for kind in ("buyer_pays", "seller_pays"):
            # the shop's documents put this cost on this payer in the situation the sentence describes
            claims[kind] = [c for c in claims[kind] if not self.documented_payers.states(ctx, c)]
        out: list[Violation] = []
        checks = (
            self._lengths,
            self._eligibility,
            self._shipping,
            self._timing_and_fees,
            self._dates,
            self._after_sales,
        )
        for check in checks:
            out.extend(check(ctx, claims))
        out.extend(self.conditions.check(ctx, claims["grant_return"], claims["deny_return"]))
        return _dedupe(out)

    # -- helpers -------------------------------------------------------------------------------
    def _exempt(self, ctx: GuardContext, claim: Claim) -> bool:
        text = ctx.reply
        if text_scan.is_quoted(text, claim.start):
            return True
        if claim.kind in ("window_length", "path_window", "refund_time", "closed", "deadline"):
            start, end = sentence_of(text, claim.start)
            if self.p.not_this_shop.search(text, start, end):
                return True
        if claim.kind.startswith("deny"):
            clause_start = text_scan.clause_bounds(text, claim.start)[0]
            if self.p.fee_object.search(text, clause_start, claim.start):
                return True  # "上楼费是不退的": a fee not refunded, not the goods' return refused
        window = 4 if claim.kind.startswith(("deny", "closed")) else 8
        if claim.kind.startswith("grant"):
            text = self._mask_goods_states(text, claim.start)
        return text_scan.is_negated(text, claim.start, window=window)

    def _mask_goods_states(self, text: str, pos: int) -> str:
        """The text with the negated goods states before `pos` in its clause blanked out: "没拆的能退",
        "没开封的那罐直接申请退货" state the goods' condition (unopened), they do not negate the grant."""
        clause_start = text_scan.clause_bounds(text, pos)[0]
        reader = self.conditions.reader
        for mention in reader.read(text, clause_start, pos):
            if mention.affirmed:
                continue
            cue = reader.negation.search(text, max(clause_start, mention.start - 6), mention.start)
            begin = cue.start() if cue else mention.start
            text = text[:begin] + " " * (mention.end - begin) + text[mention.end :]
        return text

    # -- window lengths --------------------------------------------------------------------------
    def _lengths(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        rules = ctx.shop.rules
        out = []
        for claim in claims["window_length"]:
            n = claim.number()
            if n is not None and self._quality_window(ctx, claim):
                # "if it has a defect, you can return it within 15 days": the quality path's window
                if n not in (rules.quality_return_days, rules.quality_exchange_days):
                    out.append(
                        self._v(
                            "path_window",
                            "path_window",
                            claim,
                            qr=rules.quality_return_days,
                            qe=rules.quality_exchange_days,
                        )
                    )
                continue
            if n is not None and n != rules.no_reason_return_days:
                out.append(
                    self._v(
                        "window_length",
                        "window_length",
                        claim,
                        self._replace_number(ctx, claim, rules.no_reason_return_days),
                        days=rules.no_reason_return_days,
                    )
                )
        lengths = claims["window_length"]
        for claim in claims["path_window"]:
            n = claim.number()
            if n is None or any(c.start < claim.end and claim.start < c.end for c in lengths):
                continue
            expected = self._path_days(ctx, claim)
            if n not in expected:
                fix = next(iter(expected)) if len(expected) == 1 else None
                out.append(
                    self._v(
                        "path_window",
                        "path_window",
                        claim,
                        self._replace_number(ctx, claim, fix) if fix is not None else None,
                        qr=rules.quality_return_days,
                        qe=rules.quality_exchange_days,
                    )
                )
        for claim in claims["count_start"]:
            out.append(self._v("count_start", "count_start", claim))
        for claim in claims["hours_limit"]:
            n = claim.number()
            if n is None or n < rules.no_reason_return_days * 24:
                out.append(self._v("hours_limit", "hours_limit", claim, days=rules.no_reason_return_days))
        return out

    def _quality_window(self, ctx: GuardContext, claim: Claim) -> bool:
        """A window stated without "no-reason" wording ("returns within 15 days") in a sentence about a defect."""
        if _NO_REASON.search(ctx.reply, claim.start, claim.end):
            return False
        start, end = sentence_of(ctx.reply, claim.start)
        return bool(
            self.p.routes[Route.quality].search(ctx.reply, start, end)
            and not self.p.routes[Route.no_reason].search(ctx.reply, start, end)
        )

    def _path_days(self, ctx: GuardContext, claim: Claim) -> set[int]:
        rules = ctx.shop.rules
        kind = claim.groups.get("kind", "")
        start, end = sentence_of(ctx.reply, claim.start)
        # "超过15天就不能换" states a limit: the route may come from the buyer's messages too
        limit = "limit" in claim.groups
        explicit = (
            self.p.routes[Route.quality].search(ctx.reply, start, end)
            or "质量" in kind
            or (limit and known_route(ctx, self.p, claim.start) is Route.quality)
        )
        is_exchange = bool(_EXCHANGE_KIND.search(kind))
        is_return = bool(_RETURN_KIND.search(kind))
        if explicit:
            if is_exchange and not is_return:
                strict = limit or _STRICT.search(ctx.reply, start, end)
                return (
                    {rules.quality_exchange_days}
                    if strict
                    else {rules.quality_return_days, rules.quality_exchange_days}
                )
            if is_exchange:
                return {rules.quality_return_days, rules.quality_exchange_days}
            return {rules.quality_return_days}
        base = {rules.no_reason_return_days, rules.quality_return_days}
        return base | {rules.quality_exchange_days} if is_exchange else base

    # -- eligibility: denials and grants -----------------------------------------------------------
    def _eligibility(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        facts = ctx.facts
        out: list[Violation] = []
        for claim in claims["deny_all"]:
            start, end = sentence_of(ctx.reply, claim.start)
            if not self.p.escalation.search(ctx.reply, start, end):
                out.append(self._v("wrong_denial", "deny_all", claim))
        out.extend(self._refused_handling(ctx, claims["deny_handling"], claims["deny_all"]))
        for kind in ("deny_return", "deny_exchange", "deny_cancel"):
            for claim in claims[kind]:
                out.extend(self._denial(ctx, claim))
        for claim in claims["grant_return"]:
            out.extend(self._grant(ctx, claim))
        for claim in claims["grant_exchange"]:
            out.extend(self._grant_exchange(ctx, claim))
        denials = [c for kind in ("deny_all", "deny_return", "deny_exchange") for c in claims[kind]]
        for claim in claims["closed"]:
            window, name = self._claimed_window(ctx, claim)
            if window is None or is_hypothetical(ctx, self.p, claim.start) or facts.days_since_delivery is None:
                continue
            n = claim.number()
            false_claim = window.open if n is None else facts.days_since_delivery <= n
            if not false_claim and n is not None and window.open and _same_sentence(ctx.reply, claim, denials):
                # "超过7天了,没法退": the day count is right, but the refusal uses a window that is not the shop's
                out.append(
                    self._v(
                        "closed_claim",
                        "closed_denial",
                        claim,
                        day=facts.days_since_delivery,
                        window=name,
                        deadline=fmt_date(window.deadline),
                    )
                )
                continue
            if false_claim and (n is None or window.open or "kind" not in claim.groups):
                out.append(
                    self._v(
                        "closed_claim",
                        "closed_false",
                        claim,
                        day=facts.days_since_delivery,
                        window=name,
                        deadline=fmt_date(window.deadline),
                    )
                )
        return out

    def _refused_handling(self, ctx: GuardContext, claims: list[Claim], said: list[Claim]) -> list[Violation]:
        """Handling refused ("签收后出现的问题本店概不负责") to a buyer who reports a problem with the goods
        while the quality return or exchange window is open: the shop must handle it (消法24)."""
        facts = ctx.facts
        if ctx.order is None or not (facts.quality_return.open or facts.quality_exchange.open):
            return []
        buyer = [t.text for t in ctx.conversation if t.role == "customer"]
        if not buyer or any(self.p.routes[r].search(buyer[-1]) for r in (Route.no_reason, Route.cancel)):
            return []  # a change of mind or a cancellation: not a problem with the goods
        fault = bool(self.p.routes[Route.quality].search(buyer[-1]))
        out = []
        for claim in claims:
            if any(c.start < claim.end and claim.start < c.end for c in said):
                continue
            start, end = sentence_of(ctx.reply, claim.start)
            if not fault and not self.p.handling_subject.search(ctx.reply, start, end):
                continue
            if self.p.handling_buyer_cause.search(ctx.reply, start, claim.start):
                continue  # grounded on a stated buyer fault: the blame guard's claim
            if self.p.escalation.search(ctx.reply, start, end) or is_hypothetical(ctx, self.p, claim.start):
                continue
            if self.p.routes[Route.quality].search(ctx.reply, end) or self.p.routes[Route.wrong_item].search(
                ctx.reply, start, end
            ):
                continue  # the reply goes on to the quality route, or the refusal is about something else named
            out.append(self._v("wrong_denial", "deny_all", claim))
        return out

    def _denial(self, ctx: GuardContext, claim: Claim) -> list[Violation]:
        facts = ctx.facts
        route = route_for(ctx, self.p, claim.start)
        start, end = sentence_of(ctx.reply, claim.start)
        if route is Route.cancel:
            if self.documented_cancel.covers(ctx):
                return []  # the shop's documents refuse to cancel this item in the situation the buyer describes
            return [self._v("unshipped_refund", "deny_cancel", claim)]
        if claim.kind == "deny_cancel" or is_hypothetical(ctx, self.p, claim.start):
            return []
        if route is Route.wrong_item:
            return [self._v("wrong_denial", "deny_all", claim)]
        if route is Route.quality:
            rules = ctx.shop.rules
            # a quality exchange (or return) refused while its window is still open
            window, message = {
                "deny_exchange": (facts.quality_exchange, "deny_quality_exchange"),
                "deny_return": (facts.quality_return, "deny_quality_return"),
            }.get(claim.kind, (None, ""))
            if window is None or not window.open:
                return []
            return [
                self._v(
                    "quality_denial",
                    message,
                    claim,
                    deadline=fmt_date(window.deadline),
                    qe=rules.quality_exchange_days,
                    qr=rules.quality_return_days,
                )
            ]
        if claim.kind != "deny_return" or self.p.not_complete.search(ctx.reply, start, end):
            return []
        if self._refuses_open_quality_return(ctx, claim, start, end):
            return [
                self._v(
                    "quality_denial",
                    "deny_quality_return",
                    claim,
                    deadline=fmt_date(facts.quality_return.deadline),
                    qe=ctx.shop.rules.quality_exchange_days,
                    qr=ctx.shop.rules.quality_return_days,
                )
            ]
        # the order's items decide: "扫地机是定制类商品" does not make an ordinary item excluded
        known_items = bool(ctx.order and ctx.order.items)
        excluded = all_items_excluded(ctx, self.p) or (
            (not known_items or bool(excluded_items(ctx, self.p))) and excluded_mentioned(ctx, self.p, start, end)
        )
        if facts.no_reason_return.open and not excluded and not facts.unmet_conditions:
            return [
                self._v(
                    "wrong_denial",
                    "deny_open_no_reason",
                    claim,
                    day=_day(facts.days_since_delivery),
                    days=ctx.shop.rules.no_reason_return_days,
                    deadline=fmt_date(facts.no_reason_return.deadline),
                )
            ]
        return []

    def _refuses_open_quality_return(self, ctx: GuardContext, claim: Claim, start: int, end: int) -> bool:
        """Every return refused ("退不了了,过了10天,给您换个新的") to a buyer who reports a problem (no
        change of mind said anywhere) while the quality return is open, and the reply never turns to it."""
        facts = ctx.facts
        if not facts.quality_return.open or facts.no_reason_return.open or ctx.order is None:
            return False
        buyer = [t.text for t in ctx.conversation if t.role == "customer"]
        if not buyer or any(self.p.routes[Route.no_reason].search(t) for t in buyer):
            return False
        named = self.p.routes[Route.no_reason].search(ctx.reply, start, end)
        turns_to_quality = self.p.routes[Route.quality].search(ctx.reply)
        return not named and not turns_to_quality and not is_hypothetical(ctx, self.p, claim.start)

    def _grant(self, ctx: GuardContext, claim: Claim) -> list[Violation]:
        facts = ctx.facts
        route = route_for(ctx, self.p, claim.start)
        clause_start, clause_end = text_scan.clause_bounds(ctx.reply, claim.start)
        if route is Route.cancel and facts.can_refund_directly and self.p.routes[Route.no_reason].search(
            ctx.reply, clause_start, max(clause_end, claim.end)
        ):
            # "衣柜到货后7天内不满意一样可以退" for an unshipped order: the clause grants the later no-reason return
            route = Route.no_reason
        if route in (Route.cancel, Route.wrong_item) or (ctx.order and ctx.order.status.value == "refunding"):
            return []
        start, end = sentence_of(ctx.reply, claim.start)
        statement = _window_statement(ctx.reply[clause_start : claim.end])
        hypothetical = is_hypothetical(ctx, self.p, claim.start)
        if route is Route.quality:
            if self._exchange_window_state(ctx, claim):
                return []  # "过了30天的退货期,但还在90天内,可以换货": the open exchange window's state
            if not facts.quality_return.open and not statement and not hypothetical:
                return [self._v("quality_grant", "grant_quality_closed", claim, qr=ctx.shop.rules.quality_return_days)]
            return []
        if all_items_excluded(ctx, self.p) or excluded_mentioned(ctx, self.p, start, end):
            items = "、".join(excluded_items(ctx, self.p)) or "该商品"
            return [self._v("excluded_grant", "grant_excluded", claim, items=items)]
        if not facts.no_reason_return.open and not statement and not hypothetical:
            reason = facts.no_reason_return.reason or "无理由退货期已过"
            return [self._v("wrong_grant", "grant_closed_no_reason", claim, reason=reason)]
        return []

    def _exchange_window_state(self, ctx: GuardContext, claim: Claim) -> bool:
        """A window state whose length is the quality exchange window's (not the return window's), in a
        sentence that offers an exchange, while that window is open: it says where the exchange stands."""
        rules = ctx.shop.rules
        number = _WINDOW_DAYS.search(ctx.reply, claim.start, claim.end)
        days = text_scan.parse_number(number.group("n")) if number else None
        if days is None or days != rules.quality_exchange_days or days == rules.quality_return_days:
            return False
        start, end = sentence_of(ctx.reply, claim.start)
        return ctx.facts.quality_exchange.open and bool(_EXCHANGE_KIND.search(ctx.reply, start, end))

    def _grant_exchange(self, ctx: GuardContext, claim: Claim) -> list[Violation]:
        """An exchange granted after the exchange window; wrong items and unsaid no-reason swaps aside."""
        facts = ctx.facts
        if ctx.order is None or facts.days_since_delivery is None or facts.quality_exchange.open:
            return []
        route = known_route(ctx, self.p, claim.start)
        if route in (Route.cancel, Route.wrong_item) or (route is Route.no_reason and facts.no_reason_return.open):
            return []
        clause_start, _ = text_scan.clause_bounds(ctx.reply, claim.start)
        if _window_statement(ctx.reply[clause_start : claim.end]) or is_hypothetical(ctx, self.p, claim.start):
            return []
        return [self._v("exchange_grant", "grant_exchange_closed", claim, qe=ctx.shop.rules.quality_exchange_days)]

    def _claimed_window(self, ctx: GuardContext, claim: Claim) -> tuple[Window | None, str]:
        facts = ctx.facts
        if ctx.order is None:
            return None, ""
        kind = claim.groups.get("kind", "")
        route = route_for(ctx, self.p, claim.start)
        if "换" in kind:
            return facts.quality_exchange, "质量问题换货期"
        if "质量" in kind or (route is Route.quality and "无理由" not in kind):
            return facts.quality_return, "质量问题退货期"
        if route in (Route.cancel, Route.wrong_item):
            return None, ""
        return facts.no_reason_return, "无理由退货期"


_WINDOW_DAYS = re.compile(rf"(?P<n>{text_scan.NUM})\s*(?:个)?(?:自然)?天")
_WINDOW_STATEMENT = re.compile(rf"(?P<pre>.{{0,3}}?)(?<![第\d]){text_scan.NUM}\s*(?:个)?天(?:内|之内|以内)")


def _window_statement(text: str) -> bool:
    """Whether the text states the rule ("15天内可以退") rather than this order's state ("还在7天内")."""
    for match in _WINDOW_STATEMENT.finditer(text):
        if not re.search(
            r"还|仍|已|都过", text[max(0, match.start("pre") - 2) : match.start() + len(match.group("pre"))]
        ):
            return True
    return False


def _same_sentence(text: str, claim: Claim, others: list[Claim]) -> bool:
    start, end = sentence_of(text, claim.start)
    return any(start <= other.start < end for other in others)


def _day(value: int | None) -> str:
    return "-" if value is None else str(value)


def _dedupe(violations: list[Violation]) -> list[Violation]:
    """One violation per overlapping span and rule."""
    kept: list[Violation] = []
    for v in sorted(violations, key=lambda v: (v.span[0], -(v.span[1] - v.span[0]))):
        if not any(k.rule == v.rule and k.span[0] < v.span[1] and v.span[0] < k.span[1] for k in kept):
            kept.append(v)
    return kept
