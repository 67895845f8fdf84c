"""refund_rule: claims checked against each shop's own rules and the order (now = 11-10)."""

from __future__ import annotations

from typing import Any

import pytest

from service.guards.refund_rule import RefundRuleGuard
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()

TENT = order("CD2", "帐篷")  # delivered 11-04: day 6
TENT_DAY_16 = order("CD2", "帐篷", delivered="2026-10-25T12:00:00+08:00")
TENT_DAY_20 = order("CD2", "帐篷", delivered="2026-10-21T12:00:00+08:00")
PATCH = order("PT1", "定制商品")
BAR_UNSHIPPED = order("BAR12", "食品", status="paid")
EARBUDS = order("SB1", "耳机")  # day 6
EARBUDS_DAY_9 = order("SB1", "耳机", delivered="2026-11-01T12:00:00+08:00")
EARBUDS_INSURED = order("SB1", "耳机", insurance=True)
REFUNDING = order("SB1", "耳机", status="refunding")

# (shop, reply, order, conversation, expected rule ids)
VIOLATIONS: list[tuple[str, str, dict[str, Any] | None, tuple[str, ...], set[str]]] = [
    ("long_returns", "亲,本店是7天无理由退货,您已经第6天了,抓紧申请。", TENT, (), {"refund_rule.window_length"}),
    ("long_returns", "亲,您已经超过7天了,不能无理由退货了。", TENT, ("帐篷不想要了",), {"refund_rule.wrong_denial"}),
    ("long_returns", "亲,帐篷拆封试搭过就不能退了哦。", TENT, ("不喜欢",), {"refund_rule.wrong_denial"}),
    ("long_returns", "亲,无理由退货的运费需要您自己承担。", TENT, ("不想要了",), {"refund_rule.return_shipping"}),
    ("long_returns", "亲,还在无理由退货期内,可以退的。", TENT_DAY_16, (), {"refund_rule.wrong_grant"}),
    ("long_returns", "亲,定制布贴也支持15天无理由退货。", PATCH, (), {"refund_rule.excluded_grant"}),
    ("long_returns", "亲,定制商品不退不换,绣错了也没办法。", PATCH, ("字绣错了",), {"refund_rule.wrong_denial"}),
    ("long_returns", "亲,质量问题直接给您退货退款。", TENT_DAY_20, ("帐杆裂了",), {"refund_rule.quality_grant"}),
    ("long_returns", "亲,超过15天了,质量问题我们处理不了。", TENT_DAY_20, ("帐杆裂了",), {"refund_rule.wrong_denial"}),
    (
        "long_returns",
        "亲,质量问题换货只在签收后15天内,您只能走保修了。",
        TENT_DAY_20,
        ("帐杆裂了",),
        {"refund_rule.path_window", "refund_rule.quality_denial"},
    ),
    ("long_returns", "亲,付款后就不能取消了哦。", BAR_UNSHIPPED, ("拍多了",), {"refund_rule.unshipped_refund"}),
    ("long_returns", "亲,仓库收到退货后3-5个工作日内给您退款。", REFUNDING, (), {"refund_rule.refund_timing"}),
    (
        "long_returns",
        "Sorry, our no-reason return window is 7 days, so it's too late.",
        TENT_DAY_16,
        (),
        {"refund_rule.window_length"},
    ),
    ("short_refunds", "亲,我们店支持十五天无理由退换。", EARBUDS, (), {"refund_rule.window_length"}),
    ("short_refunds", "亲,耳机一经激活就不支持无理由退货了。", EARBUDS, ("不习惯",), {"refund_rule.wrong_denial"}),
    ("short_refunds", "亲,无理由退货的运费由我们承担。", EARBUDS, ("不想要了",), {"refund_rule.return_shipping"}),
    (
        "short_refunds",
        "亲,质量问题也需要您先自付寄回的运费哦。",
        EARBUDS,
        ("左耳没声音",),
        {"refund_rule.return_shipping"},
    ),
    (
        "short_refunds",
        "亲,您这单没有买运费险,运费您自理。",
        EARBUDS_INSURED,
        ("不想要了",),
        {"refund_rule.shipping_insurance"},
    ),
    ("short_refunds", "亲,退货运费会由运费险赔给您。", EARBUDS, ("不想要了",), {"refund_rule.shipping_insurance"}),
    (
        "short_refunds",
        "亲,今天已经是第8天了,过了7天无理由退货期。",
        EARBUDS,
        (),
        {"refund_rule.day_count", "refund_rule.closed_claim"},
    ),
    ("short_refunds", "亲,还在7天内可以退。", EARBUDS_DAY_9, (), {"refund_rule.wrong_grant"}),
    ("short_refunds", "亲,收到退货后7个工作日内退款。", REFUNDING, (), {"refund_rule.refund_timing"}),
    ("short_refunds", "亲,退货需要扣除10%的手续费。", EARBUDS, ("不想要了",), {"refund_rule.extra_fee"}),
    (
        "short_refunds",
        "亲,超过24小时就不能申请退货了。",
        EARBUDS,
        (),
        {"refund_rule.hours_limit", "refund_rule.wrong_denial"},
    ),
    ("short_refunds", "亲,特价商品不支持退货哦。", EARBUDS, ("不想要了",), {"refund_rule.wrong_denial"}),
    (
        "short_refunds",
        "亲,发错颜色的话只能麻烦您自己补运费换一下了。",
        EARBUDS_DAY_9,
        ("发错颜色了",),
        {"refund_rule.return_shipping"},
    ),
    ("short_refunds", "亲,无理由退货截止到11月8日,已经过了。", EARBUDS, (), {"refund_rule.deadline"}),
]

CLEAN: list[tuple[str, str, dict[str, Any] | None, tuple[str, ...]]] = [
    ("long_returns", "亲,本店支持签收后15天无理由退货,您今天是第6天,运费我们承担,选上门取件就行。", TENT, ()),
    ("long_returns", "亲,国家规定是7天无理由退货,我们店放宽到了15天,您还可以退。", TENT, ()),
    ("long_returns", "亲,您的订单已签收16天,15天无理由退货期昨天结束了。", TENT_DAY_16, ()),
    ("long_returns", "亲,定制布贴不支持无理由退货;如果绣错了或有质量问题,我们免费重做或退款。", PATCH, ()),
    (
        "long_returns",
        "亲,签收第20天,已经过了15天的质量退货期,可以给您换货或维修,运费我们承担。",
        TENT_DAY_20,
        ("帐杆裂了",),
    ),
    ("long_returns", "亲,订单还没发货,可以直接申请退款,审核通过后原路退回。", BAR_UNSHIPPED, ()),
    ("long_returns", "亲,仓库收到退货验收后2天内给您退款,到账时间以支付渠道为准。", REFUNDING, ()),
    ("long_returns", "亲,退货运费您先垫付,我们收到后随退款一起返还。", TENT, ("不想要了",)),
    ("long_returns", "亲,在家试搭不影响无理由退货,晾干收好配件装齐就可以申请。", TENT, ()),
    ("short_refunds", "亲,签收后7天内可以无理由退货,您是第6天,寄回运费需要您承担。", EARBUDS, ()),
    ("short_refunds", "亲,您的订单买了运费险,寄回运费可以由运费险理赔。", EARBUDS_INSURED, ()),
    ("short_refunds", "亲,已经签收9天,过了7天无理由退货期;如果有质量问题,15天内可以给您换新。", EARBUDS_DAY_9, ()),
    ("short_refunds", "亲,7天无理由退货的寄回运费需要您承担;如果是质量问题,来回运费都由我们出。", EARBUDS, ()),
    ("short_refunds", "亲,耳机已经明显使用过、影响二次销售的话,没法办理无理由退货。", EARBUDS, ()),
    ("short_refunds", "亲,发错货不受7天期限限制,我们给您换,来回运费都由我们承担。", EARBUDS_DAY_9, ("发错颜色了",)),
    ("short_refunds", "亲,如果超过7天就不能无理由退了,您现在还来得及。", EARBUDS, ()),
    ("short_refunds", "亲,您说之前客服答应过15天内可以退,我先核实一下。", EARBUDS, ()),
    ("short_refunds", "Yes, you can return it within 7 days of delivery; you're on day 6.", EARBUDS, ()),
    ("short_refunds", "亲,仓库收到退货后3天内一定给您处理好退款。", REFUNDING, ()),
    ("short_refunds", "亲,给您补发,运费我们出。", EARBUDS, ("少发了充电线",)),
]


@pytest.mark.parametrize(("shop", "reply", "order_data", "conversation", "rules"), VIOLATIONS)
def test_violations(
    shop: str, reply: str, order_data: dict[str, Any] | None, conversation: tuple[str, ...], rules: set[str]
) -> None:
    found = GUARD.check(make_ctx(shop, reply, order_data, conversation))
    assert rules <= {v.rule for v in found}, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]
    assert all(v.category.value == "refund_rule" and v.message for v in found)


@pytest.mark.parametrize(("shop", "reply", "order_data", "conversation"), CLEAN)
def test_clean(shop: str, reply: str, order_data: dict[str, Any] | None, conversation: tuple[str, ...]) -> None:
    found = GUARD.check(make_ctx(shop, reply, order_data, conversation))
    assert found == [], [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


def test_window_length_suggestion_is_the_shops_number() -> None:
    reply = "亲,我们店支持十五天无理由退换。"
    [violation] = GUARD.check(make_ctx("short_refunds", reply, EARBUDS))
    assert reply[violation.span[0] : violation.span[1]] == "十五天无理由"
    assert violation.suggestion == "7天无理由"


def test_quality_claims_use_quality_windows_not_the_no_reason_window() -> None:
    # day 9 in short_refunds: no-reason (7) closed, quality exchange (15) open
    deny = "亲,已经超过7天了,质量问题我们这边处理不了。"
    assert GUARD.check(make_ctx("short_refunds", deny, EARBUDS_DAY_9, ("耳机充不进电",)))
    offer = "亲,过了7天的质量退货期,不过15天内可以给您换新。"
    assert GUARD.check(make_ctx("short_refunds", offer, EARBUDS_DAY_9, ("耳机充不进电",))) == []
