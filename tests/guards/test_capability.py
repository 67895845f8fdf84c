"""ungrounded_fact, capabilities: situations beyond a product's spec, and uses its documents rule out."""

from __future__ import annotations

import pytest

from service.guards.base import Severity
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import SHOPS, make_ctx, order

GUARD = UngroundedFactGuard()
EARBUDS = order("SB1", "耳机")  # IPX4 (short_refunds shop)
POWERBANK = order("PM20", "充电宝")  # 65 W


def _rules(shop: str, reply: str, order_data: dict[str, object]) -> dict[str, Severity]:
    return {v.rule: v.severity for v in GUARD.check(make_ctx(shop, reply, order_data))}


@pytest.mark.parametrize(
    "reply",
    [
        "亲,可以戴着游泳的,SB1 是 IPX4 防水~",
        "亲,IPX4 的防水等级呢,游个泳还怕什么~",
        "游泳随便戴 不怕水的",
        "Yes, you can wear them swimming, no problem.",
    ],
)
def test_water_situation_above_the_rating(reply: str) -> None:
    assert _rules("short_refunds", reply, EARBUDS).get("ungrounded_fact.capability") is Severity.error


@pytest.mark.parametrize(
    "reply",
    [
        "亲,SB1 是 IPX4,防汗防溅没问题,但不能戴着洗澡、游泳哦。",
        "亲,下雨天跑步可以戴的,IPX4 防溅水。",
        "亲,游泳、潜水时都不能用哦~",
        "亲,这款能游泳吗?我帮您确认一下。",
    ],
)
def test_water_claims_within_the_rating_or_denied(reply: str) -> None:
    assert "ungrounded_fact.capability" not in _rules("short_refunds", reply, EARBUDS)


def test_power_below_what_the_device_needs() -> None:
    shop = SHOPS["short_refunds"]
    docs = {d.id: d for d in shop.docs.values()}
    text = docs["powerbank"].text.replace("65 W (iPhone 最大 20 W)", "20 W")
    small = ShopKnowledge.build(shop.shop_id, [*(d for i, d in docs.items() if i != "powerbank"),
                                               parse_document(text, shop_id=shop.shop_id, path="powerbank")])
    ctx = make_ctx("short_refunds", "亲,这款可以给笔记本快充的,放心。", POWERBANK).model_copy(update={"shop": small})
    assert "ungrounded_fact.capability" in {v.rule for v in GUARD.check(ctx)}
    assert "ungrounded_fact.capability" not in _rules("short_refunds", "亲,这款可以给笔记本快充的,放心。", POWERBANK)


def test_unsupported_situation_is_info_not_a_violation() -> None:
    rules = _rules("short_refunds", "亲,这款充电宝淋雨也没问题。", POWERBANK)
    assert rules.get("ungrounded_fact.unsupported") is Severity.info
