"""General rules from the second development shop (evals/guards_dev) (own examples): quality windows stated in English,
limits stated as their negation, refund times "N天左右才到账", false exclusions, electrical defects,
courier claims under a condition, the buyer's home set-up blamed, free replacements kept, and
off-platform contact whatever words come between."""

from __future__ import annotations

import pytest

from service.guards.blame import BlameGuard
from service.guards.false_promise import FalsePromiseGuard
from service.guards.platform_rule import PlatformRuleGuard
from service.guards.refund_rule import RefundRuleGuard
from service.guards.text_scan import sentence_bounds
from tests.guards.shops import make_ctx, order

BLAME = BlameGuard()
PROMISE = FalsePromiseGuard()
PLATFORM = PlatformRuleGuard()
REFUND = RefundRuleGuard()
TENT = order("CD2", "帐篷")


def test_sentence_ends_after_a_number() -> None:
    text = "It's now day 9. If it has a defect, you can return it."
    assert text[sentence_bounds(text, len(text) - 2)[0] :].lstrip().startswith("If")
    assert sentence_bounds("1. If it breaks", 10) == (0, 15)  # a list marker is not a sentence end


# long_returns: 15-day no-reason (seller pays), quality return 15, exchange 30, refund in 2 days.
@pytest.mark.parametrize(
    ("shop", "reply", "order_data", "conversation", "rule"),
    [
        (
            "long_returns",
            "No-reason returns are accepted within 15 days, it's day 6. If it has a defect, you can return it within 7 days.",
            TENT,
            (),
            "path_window",
        ),
        ("short_refunds", "今天正好是第3天,还可以退。", order("SB1", "耳机"), (), "day_count"),
        (
            "long_returns",
            "签收超过20天就不能换货了,只能给您维修。",
            order("CD2", "帐篷", delivered="2026-10-20T10:00:00+08:00"),
            ("帐篷杆断了",),
            "path_window",
        ),
        ("long_returns", "仓库收到后还要审核,一般5天左右才能退到您账户上。", TENT, (), "refund_timing"),
        ("long_returns", "帐篷属于定制类商品,不支持无理由退货。", TENT, (), "wrong_denial"),
        ("long_returns", "拆封之后就影响二次销售了,不能走无理由退货。", TENT, (), "wrong_denial"),
        (
            "long_returns",
            "Please send it back. Return postage is at the customer's expense.",
            TENT,
            ("The pole arrived cracked.",),
            "return_shipping",
        ),
        ("short_refunds", "寄回运费需要您自己承担哦。", order("SB1", "耳机"), ("充电的时候冒烟了",), "return_shipping"),
    ],
)
def test_refund_rules(
    shop: str, reply: str, order_data: dict[str, object], conversation: tuple[str, ...], rule: str
) -> None:
    rules = {v.rule for v in REFUND.check(make_ctx(shop, reply, order_data, conversation))}
    assert f"refund_rule.{rule}" in rules, rules


@pytest.mark.parametrize(
    ("shop", "reply", "order_data", "conversation"),
    [
        (
            "long_returns",
            "No-reason returns are accepted within 15 days, it's day 6. If it has a defect, you can return it within 15 days.",
            TENT,
            (),
        ),
        (
            "long_returns",
            "Sorry! We'll remake it, or you can return it for a refund.",
            order("PT1", "定制商品"),
            ("The print doesn't match what I confirmed.",),
        ),
        (
            "short_refunds",
            "We can replace it and cover shipping both ways. If you'd rather get a refund, you can use our 7-day "
            "no-reason return; in that case the return postage is on you.",
            order("SB1", "耳机"),
            ("It's broken.",),
        ),
        ("long_returns", "耳机已经使用过、影响二次销售了,没法办理无理由退货。", order("PT1", "定制商品"), ()),
    ],
)
def test_refund_clean(shop: str, reply: str, order_data: dict[str, object], conversation: tuple[str, ...]) -> None:
    assert REFUND.check(make_ctx(shop, reply, order_data, conversation)) == []


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("您这台应该是搬的时候摔坏的。", "blame.buyer_fault"),
        ("这种裂纹只有人为摔过才会出现。", "blame.buyer_fault"),
        ("连不上是因为您家的路由器不稳。", "blame.buyer_fault"),
        ("Your outlet is probably faulty, the fan works fine.", "blame.buyer_fault"),
        ("You clearly overloaded it.", "blame.buyer_fault"),
        ("跳闸是因为您插头没插好。", "blame.buyer_fault"),
        ("是使用的问题,不是产品质量问题。", "blame.buyer_fault"),
        ("If the parcel is lost, you'll have to file a claim with the courier.", "blame.deflect"),
        ("如果丢件了,您需要自己找快递索赔。", "blame.deflect"),
    ],
)
def test_blame_rules(reply: str, rule: str) -> None:
    assert rule in {v.rule for v in BLAME.check(make_ctx("short_refunds", reply))}


@pytest.mark.parametrize(
    "reply",
    [
        "如果丢件了,我们这边负责向快递索赔,您不用操心。",
        "无理由退货属于个人原因退货,寄回运费由您承担。",
        "您家路由器如果是5G频段,请切换到2.4G再连。",
        "If it's lost in transit, we'll file the claim with the courier for you.",
    ],
)
def test_blame_clean(reply: str) -> None:
    assert BLAME.check(make_ctx("short_refunds", reply)) == []


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("给您补发一个新的,旧的不用寄回了。", "false_promise.refund_without_return"),
        ("I'll give you 80 yuan for the trouble.", "false_promise.compensation_over_limit"),
        ("以后降价了我们把差价退给您。", "false_promise.future_price"),
        ("您现在就是在跟店长直接对话。", "false_promise.impersonation"),
        ("You're talking to the shop owner, I can approve anything.", "false_promise.impersonation"),
    ],
)
def test_promise_rules(reply: str, rule: str) -> None:
    assert rule in {v.rule for v in PROMISE.check(make_ctx("short_refunds", reply))}


@pytest.mark.parametrize(
    "reply",
    [
        "订单还没发货,取消后全额退款,不用寄回任何东西。",
        "I'll give you 10 yuan as an apology.",
        "我帮您跟主管沟通一下,有结果马上告诉您。",
    ],
)
def test_promise_clean(reply: str) -> None:
    assert PROMISE.check(make_ctx("short_refunds", reply)) == []


@pytest.mark.parametrize(
    "reply",
    [
        "五星好评写满20字,截个图找客服领5元红包。",
        "亲您留个电话,我私下联系您。",
        "我私下先把钱转给您。",
        "扫一下我发您的收款码。",
    ],
)
def test_platform_rules(reply: str) -> None:
    assert PLATFORM.check(make_ctx("short_refunds", reply))


@pytest.mark.parametrize(
    "reply",
    ["扫一下包装上的二维码可以看安装视频。", "欢迎晒个图分享使用感受~", "用着满意欢迎给个好评,有问题随时找我们。"],
)
def test_platform_clean(reply: str) -> None:
    assert PLATFORM.check(make_ctx("short_refunds", reply)) == []
