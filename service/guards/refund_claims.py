"""Finding the return/refund claims of a reply, and which return path each one is about.

The patterns live in `data/refund_rule.yaml`; `refund_rule.py` checks the claims found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.phrases import expand_macros
from service.guards.product_match import find_mentions, order_products
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge
from service.policy.facts import statutory_exclusion_terms

CLAIM_KINDS = (
    "window_length",
    "path_window",
    "closed",
    "deny_all",
    "deny_handling",
    "after_sales_over",
    "deny_return",
    "deny_exchange",
    "deny_cancel",
    "grant_return",
    "grant_exchange",
    "buyer_pays",
    "seller_pays",
    "insurance_denied",
    "insurance_claimed",
    "refund_time",
    "fee",
    "count_start",
    "hours_limit",
    "day_count",
    "last_day",
    "deadline",
)
_NOT_A = re.compile(r"(不是|不属于|不算|并非|没有|非|无)$")
_ANAPHORA = re.compile(
    r"\s*(?:in (?:that|this|which) case|if so|那样的话|这样的话|这种情况下?|那种情况下?|那么|此时)", re.IGNORECASE
)
_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "five": 5, "seven": 7, "ten": 10, "fifteen": 15, "thirty": 30}


class Route(StrEnum):
    """Which return path a claim is about."""

    no_reason = "no_reason"
    quality = "quality"
    wrong_item = "wrong_item"
    cancel = "cancel"


@dataclass(frozen=True)
class Claim:
    """One claim found in the reply."""

    kind: str
    start: int
    end: int
    groups: dict[str, str]

    def number(self, name: str = "n") -> float | None:
        """A named group as a number (digits, Chinese numerals or an English number word)."""
        raw = self.groups.get(name)
        if not raw:
            return None
        return float(_EN_NUMBERS[raw.lower()]) if raw.lower() in _EN_NUMBERS else text_scan.parse_number(raw)


class RefundPatterns:
    """The compiled contents of refund_rule.yaml."""

    def __init__(self, data: dict[str, Any]) -> None:
        macros: dict[str, str] = data.get("macros", {})
        claims: dict[str, Any] = data["claims"]

        def one(pattern: str) -> re.Pattern[str]:
            return re.compile(expand_macros(pattern, macros), re.IGNORECASE)

        self.claims = {kind: [one(p) for p in claims[kind]] for kind in CLAIM_KINDS}
        self.routes = {Route(name): one(p) for name, p in data["routes"].items()}
        self.not_complete = one(data["not_complete"])
        self.not_this_shop = one(data["not_this_shop"])
        self.conditional = one(data["conditional"])
        self.escalation = one(data["escalation"])
        self.after_sales_context = one(data["after_sales_context"])
        self.fee_object = one(data["fee_object"])
        self.state_conceded = one(data["state_conceded"])
        self.return_request = one(data["return_request"])
        self.complement_prefix = one(data["complement_prefix"])
        # one list for the service: the policy's statutory exclusions (消法25), matched in category or title
        self.statutory_excluded = re.compile("|".join(map(re.escape, statutory_exclusion_terms())))
        self.outbound_leg = one(claims["outbound_leg"])
        self.return_leg = one(macros["RETURN_LEG"])
        self.window_words = one(claims["window_words"])
        self.reimbursed = one(claims["reimbursed"])
        self.refund_channel = one(claims["refund_channel"])
        self.insurance_word = one(claims["insurance_word"])
        self.handling_subject = one(claims["handling_subject"])
        self.handling_buyer_cause = one(claims["handling_buyer_cause"])
        self.insurance_pays = one(claims["insurance_pays"])
        self.insurance_restricted = one(claims["insurance_restricted"])
        self.duration = one(claims["duration"])
        self.refund_money = one(claims["refund_money"])
        self.refund_question = one(claims["refund_question"])
        self.not_refund_duration = one(claims["not_refund_duration"])
        self.fee_exempt = one(claims["fee_exempt"])
        self.messages: dict[str, str] = data["messages"]

    def find(self, kind: str, text: str) -> list[Claim]:
        """Non-overlapping matches of one claim kind, in order."""
        found: list[Claim] = []
        for pattern in self.claims[kind]:
            for match in pattern.finditer(text):
                start, end = match.span()
                if start == end or any(c.start < end and start < c.end for c in found):
                    continue
                groups = {k: v for k, v in match.groupdict().items() if v is not None}
                found.append(Claim(kind, start, end, groups))
        return sorted(found, key=lambda c: c.start)


def sentence_of(text: str, pos: int) -> tuple[int, int]:
    """The [start, end) of the sentence around `pos`."""
    return text_scan.sentence_bounds(text, pos)


def _route_in(patterns: RefundPatterns, text: str, start: int, end: int, anchor: int) -> Route | None:
    """The route whose cue is nearest to `anchor` in text[start:end]; negated quality cues mean no_reason."""
    best: tuple[int, Route] | None = None
    for route in (Route.wrong_item, Route.quality, Route.no_reason):
        for match in patterns.routes[route].finditer(text, start, end):
            picked = route
            if route is not Route.no_reason and _NOT_A.search(text[max(0, match.start() - 4) : match.start()]):
                picked = Route.no_reason
            distance = abs(match.start() - anchor) + (0 if match.start() <= anchor else 5)
            if best is None or distance < best[0]:
                best = (distance, picked)
    return best[1] if best else None


def route_for(ctx: GuardContext, patterns: RefundPatterns, pos: int) -> Route:
    """The return path of a claim at `pos` (no_reason when nothing says otherwise)."""
    return known_route(ctx, patterns, pos) or Route.no_reason


def known_route(ctx: GuardContext, patterns: RefundPatterns, pos: int) -> Route | None:
    """The return path of a claim: its clause, sentence, the buyer's messages, the reply; None if unsaid."""
    if ctx.facts.can_refund_directly:
        return Route.cancel
    text = ctx.reply
    for start, end in (text_scan.clause_bounds(text, pos), sentence_of(text, pos)):
        found = _route_in(patterns, text, start, end, pos)
        if found:
            return found
    start, _ = sentence_of(text, pos)
    if start > 0 and _ANAPHORA.match(text, start):
        # "...our no-reason return; in that case the postage is on you": the previous sentence's path
        previous_start, previous_end = sentence_of(text, start - 1)
        found = _route_in(patterns, text, previous_start, previous_end, previous_end)
        if found:
            return found
    customer = [t.text for t in ctx.conversation if t.role == "customer"]
    for turn in reversed(customer):
        found = _route_in(patterns, turn, 0, len(turn), len(turn))
        if found:
            return found
    return _route_in(patterns, text, 0, len(text), pos)


# "超过7天就不能无理由退货" states the rule, it does not refuse this order ("已经超过7天了" does)
_RULE_CONDITION = re.compile(
    r"(?<!已)(?<!已经)(?:超过|超出|过了)\s*(?P<n>\d+|[一二三四五六七八九十两]+)\s*(?:个)?(?:自然)?[天日]"
    r"(?:后|以后|之后)?\s*(?:就|则|便|后|以后|之后)"
)


def is_hypothetical(ctx: GuardContext, patterns: RefundPatterns, pos: int) -> bool:
    """The claim is not about this order's state: a 如果/若/if condition, or the shop's own window
    stated as a rule ("超过7天就不能退" with the shop's 7 days) earlier in the sentence."""
    start, end = sentence_of(ctx.reply, pos)
    if patterns.conditional.search(ctx.reply, start, pos):
        return True
    rules = ctx.shop.rules
    windows = {rules.no_reason_return_days, rules.quality_return_days, rules.quality_exchange_days}
    for match in _RULE_CONDITION.finditer(ctx.reply, start, end):
        token = match.group("n")
        if (int(token) if token.isdigit() else text_scan.parse_cn_number(token)) in windows:
            return True
    return False


def excluded_items(ctx: GuardContext, patterns: RefundPatterns) -> list[str]:
    """Titles of the order's items (without an order: the products named) excluded from no-reason returns."""
    items = [(i.title or i.sku, i.category) for i in ctx.order.items] if ctx.order else []
    if not items:
        products = order_products(ctx) or [m.product for m in find_mentions(ctx.reply, ctx.shop)]
        items = [(p.title, p.category) for p in products]
    configured = set(ctx.shop.rules.no_reason_excluded_categories)
    return [
        title
        for title, category in items
        if category in configured or patterns.statutory_excluded.search(f"{category} {title}")
    ]


def all_items_excluded(ctx: GuardContext, patterns: RefundPatterns) -> bool:
    """Every item of the order (or every product named) is excluded from no-reason returns."""
    excluded = excluded_items(ctx, patterns)
    total = len(ctx.order.items) if ctx.order and ctx.order.items else None
    return bool(excluded) and (total is None or len(excluded) == total)


def excluded_mentioned(ctx: GuardContext, patterns: RefundPatterns, start: int, end: int) -> bool:
    """The sentence names an excluded category (configured or by law), not negated."""
    configured = [c for c in ctx.shop.rules.no_reason_excluded_categories if c]
    words = list(configured) + _distinctive_tags(ctx)
    pattern = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    for regex in ([re.compile(pattern)] if pattern else []) + [patterns.statutory_excluded]:
        for match in regex.finditer(ctx.reply, start, end):
            around = ctx.reply[max(0, match.start() - 3) : match.end() + 4]
            if "除外" in around or "以外" in around or "除了" in around:
                continue  # "7天无理由退货(定制商品除外)" names the exception, not this item
            if patterns.complement_prefix.search(ctx.reply[max(0, match.start() - 4) : match.start()]):
                continue  # "K7 属于非活体商品": the prefix names everything but the excluded class
            if not text_scan.is_negated(ctx.reply, match.start(), window=4):
                return True
    return False


def _distinctive_tags(ctx: GuardContext) -> list[str]:
    """Tags of excluded products that name no other product (computed once per shop version)."""
    return _DISTINCTIVE.get(ctx.shop)


def _build_distinctive(shop: ShopKnowledge) -> list[str]:
    """Tags of excluded products that name no other product: "茶叶" is shared by a 散装茶叶 and a 茶叶礼盒
    product, so it does not identify the excluded one (exact categories, never a part of one)."""
    configured = {c for c in shop.rules.no_reason_excluded_categories if c}
    excluded_tags: set[str] = set()
    others: list[str] = []
    for product in shop.products.values():
        doc = shop.docs.get(product.doc_id)
        tags = list(doc.meta.tags) if doc else []
        if product.category in configured:
            excluded_tags.update(t for t in tags if len(t) >= 2 and t not in ("礼物",))
        else:
            others += [*tags, product.category or "", product.title or ""]
    return sorted(t for t in excluded_tags if not any(t in other for other in others))


_DISTINCTIVE: ShopCache[list[str]] = ShopCache(_build_distinctive)
