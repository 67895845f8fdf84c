"""false_promise: promises the shop cannot keep or did not authorise.

Phrase rules (delivery guarantees, absolute quality claims, multiplied compensation, instant
refunds, future prices, posing as a manager) come from `data/false_promise.yaml`; money offered
to the buyer is checked against the shop's `compensation_limit_yuan`, and a shipping guarantee
that the shop's own `ship_within_hours` backs is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.commitments import CommitmentChecks
from service.guards.concessions import ConcessionLimit
from service.guards.offers_claimed import OfferChecks
from service.guards.phrases import (
    PhraseHit,
    PhraseSet,
    buyer_numbers,
    expand_macros,
    ordered_names,
    shop_wording,
)
from service.guards.product_match import find_mentions, products_at
from service.guards.shop_cache import ShopCache

_HOURS_RE = re.compile(rf"(?P<n>{text_scan.NUM})\s*个?(?P<unit>小时|天|工作日)")
_LEAD_RE = re.compile(rf"(?P<a>{text_scan.NUM})(?:\s*[-~到至]\s*(?P<b>{text_scan.NUM}))?\s*个?(?P<unit>小时|天)")
_CJK = re.compile(r"[\u4e00-\u9fff](?<![作给哦吧啊呀呢])")
_OUTCOME = "false_promise.outcome_guarantee"
_REVIEW = re.compile(r"好评|差评|中评|评价|晒图|追评|五星|review")
_GIFT_RE = re.compile(
    r"(?:(?:再|额外|另外)?(?:给(?:您|你))?(?:送|赠送|赔|补)(?:您|你)?|(?:再|额外|另外)?给(?:您|你))"
    r"(?:一|两|1|2)?(?:副|个|台|件|支|只|盒|套|顶|对|条|根|份)?"
)


class FalsePromiseGuard:
    """Flags promises beyond policy: arrival dates, absolute quality, compensation over the limit."""

    name = "false_promise"

    def __init__(self, data: dict[str, Any] | None = None, data_dir: Path | None = None) -> None:
        data = data if data is not None else text_scan.load_data("false_promise", data_dir)
        self.phrases = PhraseSet.from_data(data)
        comp = data["compensation"]
        macros = {**data.get("macros", {}), "AMOUNT": comp["amount"]}
        self._fraction = re.compile(comp["fraction"])
        self._comp_patterns = [re.compile(expand_macros(p, macros), re.IGNORECASE) for p in comp["patterns"]]
        self._not_comp = re.compile(comp["not_compensation"])
        self._escalation = re.compile(comp["escalation"])
        self._granted = re.compile(comp["granted"])
        self._comp_message: str = comp["message"]
        self._comp_suggestion: str = comp["suggestion"]
        commitments = text_scan.load_data("commitments", data_dir)
        self.commitments = CommitmentChecks(commitments, commitments["messages"])
        self.offers = OfferChecks(data)
        self.concessions = ConcessionLimit(data)
        self.wording = ShopCache(shop_wording)

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Phrase-rule hits plus compensation offered beyond the shop's limit."""
        context = "\n".join(t.text for t in ctx.conversation)
        wording = self.wording.get(ctx.shop)
        violations = [
            hit.violation(Category.false_promise)
            for hit in self.phrases.scan(
                ctx.reply, context, wording, buyer_numbers(ctx), ordered_names(ctx, wording)
            )
            if not self._ship_guarantee_backed(hit, ctx)
        ]
        violations.extend(self._compensation(ctx))
        violations.extend(self.commitments.check(ctx))
        violations.extend(self.offers.check(ctx))
        violations.extend(self.concessions.check(ctx))
        # the general outcome rule only where no specific rule (delivery, quality, price) said it already
        specific = [v for v in violations if v.rule != _OUTCOME]
        return [
            v
            for v in violations
            if v.rule != _OUTCOME or not any(o.span[0] < v.span[1] and v.span[0] < o.span[1] for o in specific)
        ]

    @staticmethod
    def _ship_guarantee_backed(hit: PhraseHit, ctx: GuardContext) -> bool:
        """A shipping guarantee that the policy or the product's lead time already makes (48小时内发货)."""
        if hit.rule.id != "false_promise.ship_guarantee":
            return False
        match = _HOURS_RE.search(ctx.reply, hit.start, hit.end)
        if match is None:
            return False
        value = text_scan.parse_number(match.group("n")) or 0
        hours = value if match.group("unit") == "小时" else value * 24
        needed = float(ctx.shop.rules.ship_within_hours)
        for product in products_at(ctx, hit.start):
            for key, spec in product.specs.items():
                if "发货" in key or "周期" in key:
                    for lead in _LEAD_RE.finditer(spec):
                        raw = lead.group("b") or lead.group("a")
                        days = text_scan.parse_number(raw) or 0
                        needed = max(needed, days if lead.group("unit") == "小时" else days * 24)
        return hours >= needed

    def _compensation(self, ctx: GuardContext) -> list[Violation]:
        reply = ctx.reply
        limit = ctx.facts.compensation_limit_yuan
        offers: list[tuple[int, int, float]] = self._gifts(ctx) + self._shares(ctx)
        for pattern in self._comp_patterns:
            for match in pattern.finditer(reply):
                start, end = match.span()
                if any(a < end and start < b for a, b, _ in offers) or self._not_an_offer(reply, start, end):
                    continue
                amounts = text_scan.find_amounts(match.group("amt"))
                value = amounts[0].value if amounts else text_scan.parse_number(match.group("amt"))
                if value is not None:
                    offers.append((start, end, value))
        offers.sort()
        violations: list[Violation] = []
        total = 0.0
        for start, end, value in offers:
            total += value
            if value > limit or total > limit:
                violations.append(
                    Violation(
                        category=Category.false_promise,
                        rule="false_promise.compensation_over_limit",
                        severity=Severity.error,
                        message=self._comp_message.format(limit=f"{limit:g}"),
                        span=(start, end),
                        suggestion=self._comp_suggestion,
                    )
                )
        return violations

    def _gifts(self, ctx: GuardContext) -> list[tuple[int, int, float]]:
        """A product of the shop given away ("再送您一副 AB3 耳机作为补偿") counts at its price."""
        gifts: list[tuple[int, int, float]] = []
        mentions = find_mentions(ctx.reply, ctx.shop)
        for match in _GIFT_RE.finditer(ctx.reply):
            if self._not_an_offer(ctx.reply, match.start(), match.end()):
                continue
            sentence_start, sentence_end = text_scan.sentence_bounds(ctx.reply, match.start())
            if _REVIEW.search(ctx.reply, sentence_start, sentence_end):
                continue  # a gift for a review is platform_rule's concern
            for mention in mentions:
                gap = ctx.reply[match.end() : mention.start]
                if mention.start < match.end() or gap.strip() or not mention.product.price:
                    continue
                # a tag word must be the whole noun ("一盒能量棒~"), not part of one ("数据线收纳扎带")
                if mention.strong or not _CJK.match(ctx.reply, mention.end):
                    gifts.append((match.start(), mention.end, float(mention.product.price)))
                    break
        return gifts

    def _shares(self, ctx: GuardContext) -> list[tuple[int, int, float]]:
        """ "退您一半货款作为补偿": a share of the order's value (known only with an order)."""
        shares: list[tuple[int, int, float]] = []
        value = ctx.facts.order_value_yuan
        for match in self._fraction.finditer(ctx.reply):
            if not value or self._not_an_offer(ctx.reply, match.start(), match.end(), refund_words=False):
                continue
            sentence_start, sentence_end = text_scan.sentence_bounds(ctx.reply, match.start())
            if _REVIEW.search(ctx.reply, sentence_start, sentence_end):
                continue  # money for a review change is platform_rule's concern
            if match.group("pct"):
                share = float(match.group("pct")) / 100
            elif match.group("cnpct"):
                share = (text_scan.parse_number(match.group("cnpct")) or 0) / 100
            elif match.group("tenth"):
                share = (text_scan.parse_number(match.group("tenth")) or 0) / 10
            else:
                share = 0.5
            shares.append((match.start(), match.end(), share * value))
        return shares

    def _not_an_offer(self, reply: str, start: int, end: int, refund_words: bool = True) -> bool:
        """Money that is not a goodwill offer: shipping costs or the order's own refund (when
        `refund_words`), an escalation to a supervisor, a negated or quoted amount."""
        clause_start, clause_end = text_scan.clause_bounds(reply, start)
        if refund_words and self._not_comp.search(reply, clause_start, max(clause_end, end)):
            return True
        sentence_start, sentence_end = text_scan.sentence_bounds(reply, start)
        if self._escalation.search(reply, sentence_start, max(sentence_end, end)) and not self._granted.search(
            reply, sentence_start, max(sentence_end, end)
        ):
            return True
        return text_scan.is_negated(reply, start, end) or text_scan.is_quoted(reply, start)
