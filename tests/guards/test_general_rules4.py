"""General rules from the fourth development shop (evals/guards_dev) (own examples): short model codes, English units,
set counts, heat resistance, temperature levels, origin and aroma terms; postage promised back on a
buyer-paid return leg, 运费险 said to cover only quality returns, after-sales declared over while the
shop's windows or the product's 保修 run, and English refund/return timings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from service.guards.base import GuardContext, Turn
from service.guards.refund_rule import RefundRuleGuard
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.policy.facts import compute_order_facts
from service.policy.order import Order
from tests.guards.shops import NOW, order

_DOCS = {
    "policy-returns": """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_return_days: 7
  no_reason_return_shipping: buyer
  quality_return_days: 7
  quality_exchange_days: 15
  refund_within_days: 3
---
签收次日起 7 天无理由退货,寄回运费由买家承担。
""",
    "pot": """---
id: pot
type: product
title: 陶瓷养生蒸锅 S3
sku: ZG-3
category: 厨房电器
price: 299
tags: [蒸锅, 养生锅, 电蒸锅]
---
## 规格
- 容量: 3 L
- 功率: 800 W
- 温控档位: 3 档
- 耐温: 0 ℃ 至 200 ℃
- 件数: 5 件
- 产地: 广东潮州
- 材质: 陶瓷
- 保修: 整机 2 年
- 适用炉具: 可用燃气灶; 不可用电磁炉
""",
    "tea": """---
id: tea
type: product
title: 安溪乌龙茶 罐装
sku: WL-1
category: 茶叶
price: 99
tags: [乌龙茶]
---
## 规格
- 净含量: 200 g
- 产地: 福建安溪
- 香型: 清香型
""",
}
SHOP = ShopKnowledge.build("kitchen", [parse_document(t, shop_id="kitchen", path=n) for n, t in _DOCS.items()])
FACT = UngroundedFactGuard()
REFUND = RefundRuleGuard()


def ctx(
    reply: str, order_data: dict[str, Any] | None = None, buyer: tuple[str, ...] = (), now: str = NOW
) -> GuardContext:
    parsed = Order.model_validate(order_data) if order_data else None
    moment = datetime.fromisoformat(now)
    return GuardContext(
        reply=reply,
        shop=SHOP,
        facts=compute_order_facts(SHOP.rules, parsed, moment),
        order=parsed,
        conversation=[Turn(role="customer", text=t) for t in buyer],
        now=moment,
    )


@pytest.mark.parametrize(
    ("reply", "buyer"),
    [
        ("容量有5升,炖一锅汤没问题。", ("S3蒸锅能装多少?",)),  # short model code names the product
        ("The steamer holds 2 liters.", ("How big is the S3?",)),
        ("It's a 1200 W pot.", ("What's the wattage of the S3?",)),
        ("这套蒸锅一共7件。", ()),  # 件数: 5 件
        ("温控有5档,随便调。", ("S3能调几档?",)),
        ("这款蒸锅耐温能到400℃。", ()),
        ("我们的乌龙茶产自云南普洱。", ()),  # 产地: 福建安溪
        ("这款乌龙茶是浓香型的。", ()),  # 香型: 清香型
        ("S3可以直接放电磁炉上用。", ()),  # 不可用电磁炉
    ],
)
def test_contradicted_product_facts(reply: str, buyer: tuple[str, ...]) -> None:
    assert {v.category.value for v in FACT.check(ctx(reply, buyer=buyer))} == {"ungrounded_fact"}


@pytest.mark.parametrize(
    ("reply", "buyer"),
    [
        ("容量有3升,炖一锅汤没问题。", ("S3蒸锅能装多少?",)),
        ("The steamer holds 3 liters.", ("How big is the S3?",)),
        ("这套蒸锅一共5件。", ()),
        ("温控有3档,随便调。", ("S3能调几档?",)),
        ("这款蒸锅耐温能到200℃。", ()),
        ("我们的乌龙茶产自福建安溪。", ()),
        ("这款乌龙茶是清香型的。", ()),
        ("S3可以直接放燃气灶上用。", ()),
        ("泡的时候放5克茶叶,加200毫升水。", ()),  # a dose, not the product's attribute
        ("我们的蒸锅产自哪里我帮您查一下。", ()),  # no place claimed
    ],
)
def test_grounded_or_unstated_facts_pass(reply: str, buyer: tuple[str, ...]) -> None:
    assert FACT.check(ctx(reply, buyer=buyer)) == []


POT = order("ZG-3", "厨房电器")
INSURED = order("ZG-3", "厨房电器", insurance=True)
LATE = order("ZG-3", "厨房电器", delivered="2026-10-20T15:00:00+08:00")  # day 21: exchange over, 保修 runs


@pytest.mark.parametrize(
    ("reply", "order_data", "buyer", "rule"),
    [
        ("寄回的运费您先垫付,退款时会随货款一起退还给您。", POT, ("不想要了",), "refund_rule.return_shipping"),
        (
            "运费险仅限质量问题时才能用,无理由退回的运费您自己出。",
            INSURED,
            ("不喜欢",),
            "refund_rule.shipping_insurance",
        ),
        ("已经三个星期了,保修期已过,没法处理了。", LATE, ("锅不加热了",), "refund_rule.closed_claim"),
        ("超过10天就没有售后了。", None, (), "refund_rule.closed_claim"),
        ("No-reason returns are only accepted within 24 hours of delivery.", POT, (), "refund_rule.hours_limit"),
        ("You'll get your refund in 7 business days after we receive it.", POT, (), "refund_rule.refund_timing"),
    ],
)
def test_refund_rule_violations(
    reply: str, order_data: dict[str, Any] | None, buyer: tuple[str, ...], rule: str
) -> None:
    assert rule in {v.rule for v in REFUND.check(ctx(reply, order_data, buyer))}


@pytest.mark.parametrize(
    ("reply", "order_data", "buyer"),
    [
        ("寄回的运费需要您自己承担,收到货后3天内退款。", POT, ("不想要了",)),
        ("质量问题的话运费您先垫付,我们会连同货款一起退给您。", POT, ("锅坏了",)),  # quality: shop pays
        ("这单有运费险,寄回运费可以由运费险理赔。", INSURED, ("不喜欢",)),
        ("超过15天就不能换货了,之后按保修维修。", LATE, ("锅不加热了",)),
        ("超过2年就没有保修了。", None, ()),  # as long as the longest window
        ("You'll get your refund in 3 days after we receive it.", POT, ()),
    ],
)
def test_refund_rule_statements_that_hold(
    reply: str, order_data: dict[str, Any] | None, buyer: tuple[str, ...]
) -> None:
    assert REFUND.check(ctx(reply, order_data, buyer)) == []
