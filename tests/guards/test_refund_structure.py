"""refund_rule: a return asked for with no fault named is a no-reason one; refusing every return to a
buyer who reports a problem while the quality return is open."""

from __future__ import annotations

import pytest

from service.guards.refund_rule import RefundRuleGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.policy.facts import compute_order_facts
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
EARBUDS = order("SB1", "耳机")  # short_refunds: 7-day returns paid by the buyer; day 6

_POLICY = """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_return_days: 7
  quality_return_days: 15
  quality_exchange_days: 30
---
签收后 7 天无理由退货;质量问题 15 天内可退货,30 天内可换货。
"""
_KETTLE = """---
id: kettle
type: product
title: 电水壶 KT1
sku: KT1
category: 水壶
price: 159
tags: [水壶]
---
## 规格
- 容量: 1.5 L
"""
WINDOWS = ShopKnowledge.build(
    "windows",
    [
        parse_document(_POLICY, shop_id="windows", path="policy-returns"),
        parse_document(_KETTLE, shop_id="windows", path="kettle"),
    ],
)
KETTLE_DAY_10 = order("KT1", "水壶", delivered="2026-10-31T12:00:00+08:00")


def _rules(shop: ShopKnowledge | str, reply: str, data: dict[str, object], buyer: tuple[str, ...]) -> set[str]:
    ctx = make_ctx("short_refunds" if isinstance(shop, ShopKnowledge) else shop, reply, data, buyer)
    if isinstance(shop, ShopKnowledge):  # the order's facts under this shop's own windows
        facts = compute_order_facts(shop.rules, ctx.order, ctx.now, buyer_texts=list(buyer))
        ctx = ctx.model_copy(update={"shop": shop, "facts": facts})
    return {v.rule for v in GUARD.check(ctx)}


def test_the_shop_pays_a_return_asked_for_without_a_fault() -> None:
    found = _rules("short_refunds", "运费我们出,您寄回来就行~", EARBUDS, ("这耳机我想退了,运费怎么算",))
    assert "refund_rule.return_shipping" in found


@pytest.mark.parametrize("reply", ["退不了了亲,过了7天,给您换个新的吧。", "亲,已经过了退货期,只能给您换货哦。"])
def test_every_return_refused_while_the_quality_return_is_open(reply: str) -> None:
    found = _rules(WINDOWS, reply, KETTLE_DAY_10, ("水壶底座有一圈锈斑,我要退",))
    assert "refund_rule.quality_denial" in found


@pytest.mark.parametrize(
    ("reply", "buyer"),
    [
        ("无理由退货已经过了 7 天,办不了了;如果是质量问题,15 天内可以退。", ("水壶底座有一圈锈斑,我要退",)),
        ("已经超过 7 天,不能无理由退了哦。", ("不想要了,能退吗",)),
    ],
)
def test_a_refusal_that_names_the_path_or_a_change_of_mind_passes(reply: str, buyer: tuple[str, ...]) -> None:
    assert "refund_rule.quality_denial" not in _rules(WINDOWS, reply, KETTLE_DAY_10, buyer)
