"""refund_rule, conditions: no-reason returns granted or refused against the shop's goods conditions.

A shop's `no_reason_conditions` (unopened, unused, tags on, complete set) apply to the order's items;
what the buyer said about the goods is in `facts.item_states`. A reply that grants a no-reason return
although the buyer's own words fail a condition ("吊牌剪了" with tags_on), that waives a condition
itself ("拆封了也能退" with unopened), or that refuses one for a state the buyer denied or the shop does
not require, breaks the shop's rule.
"""

from __future__ import annotations

from collections.abc import Callable

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Violation
from service.guards.refund_claims import Claim, RefundPatterns, Route, is_hypothetical, known_route, sentence_of
from service.policy.item_state import StateMention, item_state_reader

Make = Callable[[str, Claim, str], Violation]


class ConditionChecks:
    """The three condition checks over a reply's grant and denial claims."""

    def __init__(self, patterns: RefundPatterns) -> None:
        self.p = patterns
        self.reader = item_state_reader()

    def check(self, ctx: GuardContext, grants: list[Claim], denials: list[Claim]) -> list[Violation]:
        """Violations of the shop's no-reason conditions by the reply's grants and denials."""
        out: list[Violation] = []
        for claim in grants:
            out.extend(self._grant(ctx, claim))
        for claim in denials:
            out.extend(self._denial(ctx, claim))
        return out

    def _no_reason(self, ctx: GuardContext, claim: Claim) -> bool:
        route = known_route(ctx, self.p, claim.start)
        return route in (None, Route.no_reason) and not ctx.facts.can_refund_directly

    def _said(self, ctx: GuardContext, claim: Claim) -> list[StateMention]:
        start, end = sentence_of(ctx.reply, claim.start)
        return [m for m in self.reader.read(ctx.reply, start, end) if m.affirmed]

    def _grant(self, ctx: GuardContext, claim: Claim) -> list[Violation]:
        facts = ctx.facts
        if not facts.no_reason_conditions or not self._no_reason(ctx, claim):
            return []
        # "没拆的那袋可以退": a grant for the goods in the compliant state keeps the condition the buyer failed
        clause_start = text_scan.clause_bounds(ctx.reply, claim.start)[0]
        kept = {
            self.reader.breaks(m.state)
            for m in self.reader.read(ctx.reply, clause_start, claim.start)
            if not m.affirmed
        }
        unmet = [c for c in facts.unmet_conditions if c.requires not in kept]
        if unmet and not is_hypothetical(ctx, self.p, claim.start):
            text = ";".join(c.text for c in unmet)
            return [self._v("condition_grant", "condition_grant", claim, condition=text)]
        # "拆封了也可以退": the reply waives a condition in the sentence that grants the return
        for mention in self._said(ctx, claim):
            failed = self.reader.breaks(mention.state)
            if failed in kept:
                continue  # "拆开的那袋不支持…,没拆的那袋可以退": the grant is for the goods that keep it
            broken = [c for c in facts.no_reason_conditions if c.requires == failed]
            if broken and not self.p.conditional.search(ctx.reply, sentence_of(ctx.reply, claim.start)[0], claim.start):
                return [self._v("condition_waived", "condition_grant", claim, condition=broken[0].text)]
        return []

    def _denial(self, ctx: GuardContext, claim: Claim) -> list[Violation]:
        facts = ctx.facts
        if not facts.no_reason_return.open or facts.excluded_items or not self._no_reason(ctx, claim):
            return []
        required = {c.requires for c in facts.no_reason_conditions}
        for mention in self._said(ctx, claim):
            failed = self.reader.breaks(mention.state)
            if failed is None or self._conceded(ctx, mention):
                continue
            denied_by_buyer = facts.item_states.get(mention.state) is False
            not_required = bool(ctx.shop.rules.no_reason_conditions) and failed not in required
            if denied_by_buyer or not_required:
                said = ctx.reply[mention.start : mention.end]
                return [self._v("condition_denial", "condition_denial", claim, state=said)]
        return []

    def _conceded(self, ctx: GuardContext, mention: StateMention) -> bool:
        """The reply says the state does not matter ("拆开检查不影响退货"): it is not the refusal's reason."""
        clause_end = text_scan.clause_bounds(ctx.reply, mention.start)[1]
        nxt = text_scan.clause_bounds(ctx.reply, min(len(ctx.reply) - 1, clause_end + 1))[1]
        return bool(self.p.state_conceded.search(ctx.reply, mention.end, max(clause_end, nxt)))

    def _v(self, rule: str, message: str, claim: Claim, **values: str) -> Violation:
        return Violation(
            category=Category.refund_rule,
            rule=f"refund_rule.{rule}",
            message=self.p.messages[message].format(**values),
            span=(claim.start, claim.end),
        )
