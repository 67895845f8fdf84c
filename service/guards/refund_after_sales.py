"""refund_rule checks of the return leg's postage promised back and of after-sales declared over.

- "运费您先垫付,收到货后连同货款一起退给您" on a no-reason return: the shop pays the return leg after
  all, which contradicts a shop whose buyers pay it (unless 运费险 covers it).
- "售后期已过" / "超过15天就没有售后了" while the quality exchange window or the product's 保修 still
  runs (counted from the day after 签收), or for a period shorter than those windows.
"""

from __future__ import annotations

import re

from service.guards.base import GuardContext, Violation
from service.guards.product_match import order_products
from service.guards.refund_claims import Claim, Route, is_hypothetical, route_for, sentence_of
from service.guards.refund_terms import RefundChecks

_WARRANTY_KEY = re.compile(r"保修|质保")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(年|个月|月|天|日)")
_DAYS = {"年": 365.0, "个月": 30.0, "月": 30.0, "天": 1.0, "日": 1.0}
_CLAIMED_DAYS = re.compile(r"(\d+)\s*(?:个)?(?:天|日)")


def warranty_days(ctx: GuardContext) -> float | None:
    """The longest 保修 period (in days) of the order's products, if their documents give one."""
    found = [
        float(m.group(1)) * _DAYS[m.group(2)]
        for product in order_products(ctx)
        for key, value in product.specs.items()
        if _WARRANTY_KEY.search(key)
        for m in _DURATION.finditer(value)
    ]
    return max(found) if found else None


class AfterSalesChecks(RefundChecks):
    """Postage reimbursed on a buyer-paid return leg; after-sales declared over too early."""

    def _after_sales(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        return [*self._reimbursed_postage(ctx, claims), *self._after_sales_over(ctx, claims)]

    def _reimbursed_postage(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        rules = ctx.shop.rules
        if rules.no_reason_return_shipping != "buyer" or ctx.facts.insurance_covers_return_shipping:
            return []
        out = []
        for claim in claims["buyer_pays"]:
            start, end = sentence_of(ctx.reply, claim.start)
            sentence = ctx.reply[start:end]
            if "垫付" not in sentence or not self.p.reimbursed.search(sentence):
                continue
            if route_for(ctx, self.p, claim.start) is Route.no_reason and not is_hypothetical(ctx, self.p, claim.start):
                out.append(self._v("return_shipping", "reimbursed_postage", claim, insurance=""))
        return out

    def _after_sales_over(self, ctx: GuardContext, claims: dict[str, list[Claim]]) -> list[Violation]:
        facts = ctx.facts
        rules = ctx.shop.rules
        warranty = warranty_days(ctx)
        longest = max(rules.quality_exchange_days, rules.quality_return_days, int(warranty or 0))
        out = []
        for claim in claims["after_sales_over"]:
            start, end = sentence_of(ctx.reply, claim.start)
            stated = [int(m.group(1)) for m in _CLAIMED_DAYS.finditer(ctx.reply, start, end)]
            still_open = []
            if facts.quality_exchange.open and facts.days_since_delivery is not None:
                still_open.append(
                    f"{rules.quality_exchange_days} 天质量问题换货期截止 {facts.quality_exchange.deadline}"
                )
            if warranty is not None and facts.days_since_delivery is not None and facts.days_since_delivery <= warranty:
                still_open.append(f"商品保修 {int(warranty)} 天,签收才 {facts.days_since_delivery} 天")
            if not still_open and stated and max(stated) < longest:
                # a general rule ("超过15天就没有售后了") shorter than the shop's windows
                still_open.append(
                    f"本店质量问题换货期 {rules.quality_exchange_days} 天"
                    + (f",保修 {int(warranty)} 天" if warranty else "")
                )
            if still_open:
                out.append(self._v("closed_claim", "after_sales_over", claim, open=";".join(still_open)))
        return out
