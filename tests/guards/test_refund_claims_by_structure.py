"""refund_rule, claims read by structure: how long a refund takes (any duration in a clause about the
refund money, or answering a buyer who asks when the money comes back, Chinese or English) against the
shop's refund_within_days; a grant after a negated goods state ("没拆的能退") is a grant; the
do-it-for-you and passive grant forms ("给您退掉", "按无理由处理", "can be returned") of excluded goods."""

from __future__ import annotations

import pytest

from service.guards.refund_rule import RefundRuleGuard
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
EARBUDS = order("SB1", "耳机", status="refunding")  # short_refunds: refund within 3 days
JACKET = order("PK1", "服装")  # long_returns: refund within 2 days, day 6 of 15
BAR = order("BAR12", "食品")  # long_returns: food is excluded from no-reason returns
WHEN = ("退货已经寄回去了,钱啥时候退?",)


def _rules(shop: str, reply: str, order_data: dict[str, object], buyer: tuple[str, ...]) -> set[str]:
    return {v.rule for v in GUARD.check(make_ctx(shop, reply, order_data, buyer))}


@pytest.mark.parametrize(
    "reply",
    [
        "亲,退款一般要等仓库验完货,流程走下来大概一到两周,您耐心等一下~",
        "亲,一般要 7-15 天的~",
        "要一周左右 急也没用 财务那边慢",
        "Once the shoes reach our warehouse, the refund is usually processed within 7 to 10 working days.",
    ],
)
def test_a_refund_slower_than_the_shop_promises_is_caught_however_it_is_said(reply: str) -> None:
    assert "refund_rule.refund_timing" in _rules("short_refunds", reply, EARBUDS, WHEN)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,仓库收到退货后 3 天内给您退款,钱原路退回~",
        "Your refund will be issued within 2 days of the warehouse receiving the parcel.",
        # durations of other things: the insurer's payout, the parcel's trip, a return window
        "运费险那边一般一周内赔付给您,退款我们收到货 3 天内处理~",
        "退回的包裹寄到仓库大概 4 天,到了之后 3 天内退款~",
        "质量问题退货退款是签收7天内,这单还在期限内,钱会原路退回~",
    ],
)
def test_a_refund_within_the_shop_promise_or_another_duration_is_clean(reply: str) -> None:
    assert "refund_rule.refund_timing" not in _rules("short_refunds", reply, EARBUDS, WHEN)


def test_a_duration_without_the_refund_money_is_not_a_refund_time_unless_the_buyer_asked() -> None:
    reply = "亲,要一周左右哦~"
    assert "refund_rule.refund_timing" not in _rules("short_refunds", reply, EARBUDS, ("耳机多久能修好",))
    assert "refund_rule.refund_timing" in _rules("short_refunds", reply, EARBUDS, WHEN)


@pytest.mark.parametrize(
    "reply",
    [
        "没拆就能退 直接申请吧",
        "亲,没开封的那盒直接申请退货就行~",
        "亲,帮您通融一下,没拆的能量棒给您按无理由退货处理哈~",
        "亲,这盒能量棒给您无理由退掉~",
        "Sure! Unopened bars can be returned within 15 days, just apply in the order page.",
    ],
)
def test_a_no_reason_return_granted_for_excluded_goods_is_caught(reply: str) -> None:
    assert "refund_rule.excluded_grant" in _rules("long_returns", reply, BAR, ("能量棒买多了,还没拆,能退吗",))


@pytest.mark.parametrize(
    "reply",
    [
        "亲,没拆也不能退哦,食品不支持无理由退货,有质量问题可以找我们~",
        "Sorry, food cannot be returned without a quality problem.",
    ],
)
def test_a_refusal_after_a_goods_state_stays_a_refusal(reply: str) -> None:
    assert "refund_rule.excluded_grant" not in _rules("long_returns", reply, BAR, ("能量棒买多了,还没拆,能退吗",))


def test_a_grant_after_a_goods_state_for_ordinary_goods_in_the_window_is_clean() -> None:
    assert not _rules("long_returns", "亲,没穿过的话能退,直接申请就好~", JACKET, ("衣服不想要了",))


CREAM = order("HC1", "化妆品")  # conditions: cosmetics only unopened


@pytest.mark.parametrize(
    "reply",
    [
        "亲,拆开的那盒不支持无理由退货了,没拆的那盒可以7天无理由退~",
        "亲,面霜在密封没拆的情况下支持7天无理由退货;拆开后就不能无理由退了。",
    ],
)
def test_a_grant_for_the_goods_that_keep_the_condition_is_clean(reply: str) -> None:
    assert not _rules("conditions", reply, CREAM, ("面霜买了两盒,拆了一盒,不喜欢,能退吗",))


def test_a_grant_for_the_goods_that_broke_the_condition_is_caught() -> None:
    found = _rules("conditions", "亲,拆开的那盒也可以7天无理由退~", CREAM, ("面霜拆了,不喜欢,能退吗",))
    assert "refund_rule.condition_waived" in found or "refund_rule.condition_grant" in found


INSURED = order("SB1", "耳机", insurance=True)  # short_refunds: the buyer pays the return leg, insured
ASK_INSURANCE = ("耳机不想要了,退货运费谁出?我下单买了运费险",)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,运费险哪能管无理由退货呢?这个寄回运费还得您这边出的哦~",
        "亲,运费险一般只在商品有问题的时候才理赔,这次不喜欢退货的运费需要您自理呢。",
    ],
)
def test_an_insured_return_leg_put_on_the_buyer_without_the_insurance_is_caught(reply: str) -> None:
    assert "refund_rule.shipping_insurance" in _rules("short_refunds", reply, INSURED, ASK_INSURANCE)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,寄回运费您先垫付,运费险会按保险公司核定的金额理赔给您~",
        "亲,寄回运费需要您先出,之后运费险可以赔付~",
    ],
)
def test_the_buyer_advancing_postage_the_insurance_pays_back_is_clean(reply: str) -> None:
    assert "refund_rule.shipping_insurance" not in _rules("short_refunds", reply, INSURED, ASK_INSURANCE)


def test_an_uninsured_order_or_an_unnamed_insurance_is_not_this_check() -> None:
    reply = "亲,这个寄回运费得您这边出的哦~"
    assert "refund_rule.shipping_insurance" not in _rules("short_refunds", reply, INSURED, ("耳机不想要了,运费谁出",))
    assert "refund_rule.shipping_insurance" not in _rules(
        "short_refunds", reply, order("SB1", "耳机"), ("耳机不想要了,运费谁出",)
    )


@pytest.mark.parametrize(
    ("reply", "buyer"),
    [
        ("亲,您已经签收了,签收就视为商品合格了哦,这个我们不再处理。", "面霜用了两天,脸上冒了几个小疙瘩"),
        ("签了字就算合格了 后面的不管哈", "面霜用了两天,脸上冒了几个小疙瘩"),
        ("亲,签收后出现的问题本店概不负责哦。", "面霜胀包了"),
        ("亲,这种情况我们一般不处理的哦。", "面霜漏液了"),
    ],
)
def test_handling_refused_for_a_problem_inside_the_quality_window_is_caught(reply: str, buyer: str) -> None:
    assert "refund_rule.wrong_denial" in _rules("conditions", reply, CREAM, (buyer,))


@pytest.mark.parametrize(
    ("reply", "buyer"),
    [
        # a change of mind: refusing a no-reason return is another check
        ("亲,拆封的面霜这个我们不再处理无理由退货哦~", "面霜不喜欢,拆了,能退吗"),
        # the reply goes on to the quality route
        ("亲,签收不代表合格,这种情况不会不处理的,麻烦拍照给我们,质量问题给您退换~", "面霜漏液了"),
        # handed on
        ("亲,这个我这边没法处理,帮您提交给售后主管,今天内回复您~", "面霜漏液了"),
        # no problem reported, nothing about signing or problems
        ("亲,发票我们这边不处理,开票请在订单页申请~", "能开发票吗"),
    ],
)
def test_other_refusals_are_not_this_check(reply: str, buyer: str) -> None:
    assert "refund_rule.wrong_denial" not in _rules("conditions", reply, CREAM, (buyer,))


def test_a_refusal_after_the_quality_windows_is_not_this_check() -> None:
    late = order("HC1", "化妆品", delivered="2026-09-01T12:00:00+08:00")
    assert "refund_rule.wrong_denial" not in _rules(
        "conditions", "亲,签收后出现的问题本店概不负责哦。", late, ("面霜胀包了",)
    )


def test_a_refusal_grounded_on_a_stated_buyer_fault_is_left_to_the_blame_guard() -> None:
    reply = "面霜漏液是人为损坏,我们不管。"
    assert "refund_rule.wrong_denial" not in _rules("conditions", reply, CREAM, ("面霜漏液了",))
