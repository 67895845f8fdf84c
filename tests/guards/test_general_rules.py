"""General rules added for unseen shops: causal blame, deflection, coupon compensation, refund
windows that outlast quality windows, and spec lines compared generically (own examples)."""

from __future__ import annotations

import pytest

from service.guards.blame import BlameGuard
from service.guards.false_promise import FalsePromiseGuard
from service.guards.platform_rule import PlatformRuleGuard
from service.guards.refund_rule import RefundRuleGuard
from service.guards.ungrounded_fact import UngroundedFactGuard
from tests.guards.shops import make_ctx, order

BLAME = BlameGuard()
PROMISE = FalsePromiseGuard()
PLATFORM = PlatformRuleGuard()
REFUND = RefundRuleGuard()
FACTS = UngroundedFactGuard()


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("杯盖漏水是您没盖严。", "blame.buyer_fault"),
        ("应该是您搬的时候磕到了,这个不算质量问题。", "blame.buyer_fault"),
        ("您收货时自己没检查,现在很难说是不是您碰的。", "blame.buyer_fault"),
        ("起疹子是体质的原因,和衣服没关系。", "blame.buyer_fault"),
        ("声音这么小,是您太挑剔了。", "blame.buyer_fault"),
        ("It broke because you didn't follow the manual.", "blame.buyer_fault"),
        ("耳机的问题您直接找厂家售后吧。", "blame.deflect"),
        ("我们只负责销售,有问题请拨打品牌官方热线。", "blame.deflect"),
        ("延误是物流那边的事,您自己催一下快递。", "blame.deflect"),
        ("送货上门不是我们能管的。", "blame.deflect"),
    ],
)
def test_blame_general_rules(reply: str, rule: str) -> None:
    assert rule in {v.rule for v in BLAME.check(make_ctx("short_refunds", reply))}


@pytest.mark.parametrize(
    "reply",
    [
        "我们帮您联系快递催一下,有消息马上告诉您。",
        "使用时请把杯盖拧紧,避免漏水。",
        "如因人为损坏导致漏水,不在保修范围内。",
        "您说是快递员摔坏的,我们这边先给您补发。",
        "不是您没拧紧,是密封圈的问题,马上给您换新。",
        "请问是您自己拆开检查的吗?",
        "宝宝皮肤比较嫩的话,建议先清洗一遍再穿。",
    ],
)
def test_blame_general_clean(reply: str) -> None:
    assert BLAME.check(make_ctx("short_refunds", reply)) == []


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("给您发一张30元的无门槛券作为补偿。", "false_promise.compensation_over_limit"),
        ("这次补您25元运费红包。", "false_promise.compensation_over_limit"),
        ("您寄出后我马上把钱退给您。", "false_promise.instant_refund"),
        ("退款这边直接给您办,不用等我们收到货。", "false_promise.instant_refund"),
        ("下个月大促会降到199,我先帮您锁定这个价。", "false_promise.future_price"),
        ("放心拍,给您保价到年底。", "false_promise.future_price"),
    ],
)
def test_false_promise_general_rules(reply: str, rule: str) -> None:
    assert rule in {v.rule for v in PROMISE.check(make_ctx("short_refunds", reply))}


@pytest.mark.parametrize(
    "reply",
    [
        "给您一张10元无门槛券表示歉意。",
        "我们收到退货后3天内退款。",
        "您寄出后填一下单号,仓库收到验收后就给您退款。",
        "订单还没发货,不用等收货,直接申请退款就行。",
    ],
)
def test_false_promise_general_clean(reply: str) -> None:
    assert PROMISE.check(make_ctx("short_refunds", reply)) == []


def test_review_reward_in_next_sentence() -> None:
    reply = "用着满意的话,麻烦给个好评哦~截图发给客服,返您3元。"
    assert "platform_rule.review_reward" in {v.rule for v in PLATFORM.check(make_ctx("short_refunds", reply))}


def test_review_invitation_then_service_is_clean() -> None:
    reply = "用着满意的话欢迎给个好评。有问题随时找我们,给您处理。"
    assert PLATFORM.check(make_ctx("short_refunds", reply)) == []


# long_returns: 15-day no-reason, exchange 30 days, refund within 2 days; 11-04 delivery = day 6.
@pytest.mark.parametrize(
    ("shop", "reply", "order_data", "conversation", "rule"),
    [
        ("short_refunds", "签收已经超过5天了,没法给您办无理由退货了。", order("SB1", "耳机"), (), "refund_rule"),
        ("long_returns", "定制的不合适可以退的,15天内无理由都支持。", order("PT1", "定制商品"), (), "excluded_grant"),
        (
            "long_returns",
            "我们是15天无理由,您点申请退货就行。",
            order("CD2", "帐篷", delivered="2026-10-20T10:00:00+08:00"),
            ("不想要了",),
            "wrong_grant",
        ),
        (
            "short_refunds",
            "运费险只赔质量问题,不想要的运费您自己出。",
            order("SB1", "耳机", insurance=True),
            ("不想要了",),
            "shipping_insurance",
        ),
        ("long_returns", "收到退货后2个工作日内给您原路退款。", order("CD2", "帐篷"), (), "refund_timing"),
        (
            "long_returns",
            "可以的,给您换一个新的,运费我们出。",
            order("CD2", "帐篷", delivered="2026-10-05T10:00:00+08:00"),
            ("帐篷杆断了",),
            "exchange_grant",
        ),
        ("short_refunds", "这个阶段没法退换了。", order("SB1", "耳机"), (), "wrong_denial"),
    ],
)
def test_refund_general_rules(
    shop: str, reply: str, order_data: dict[str, object], conversation: tuple[str, ...], rule: str
) -> None:
    rules = {v.rule for v in REFUND.check(make_ctx(shop, reply, order_data, conversation))}
    assert any(r.endswith(rule) or r.startswith(rule) for r in rules), rules


@pytest.mark.parametrize(
    ("shop", "reply", "order_data", "conversation"),
    [
        ("long_returns", "收到退货后2天内给您原路退款。", order("CD2", "帐篷"), ()),
        (
            "long_returns",
            "可以的,给您换一个新的,运费我们出。",
            order("CD2", "帐篷", delivered="2026-10-21T10:00:00+08:00"),
            ("帐篷杆断了",),
        ),
        (
            "short_refunds",
            "耳机有杂音是质量问题,虽然不能按无理由退,但给您换一副新的,来回运费我们出。",
            order("SB1", "耳机"),
            ("耳机有杂音",),
        ),
        ("short_refunds", "签收已经超过5天了,不过还在7天无理由期内,可以退。", order("SB1", "耳机"), ()),
    ],
)
def test_refund_general_clean(
    shop: str, reply: str, order_data: dict[str, object], conversation: tuple[str, ...]
) -> None:
    assert REFUND.check(make_ctx(shop, reply, order_data, conversation)) == []


@pytest.mark.parametrize(
    "reply",
    [
        "这个吸管杯容量是500毫升的。",
        "This cup holds 500 ml.",
        "吸管杯适合0到3岁的宝宝。",
        "吸管杯是玻璃的,很好清洗。",
        "小风扇用的是2节5号电池。",
        "小风扇噪音只有20分贝。",
    ],
)
def test_generic_spec_contradictions(reply: str) -> None:
    assert FACTS.check(make_ctx("short_refunds", reply)), reply


@pytest.mark.parametrize(
    "reply",
    [
        "吸管杯容量350ml。",
        "吸管杯适合2到5岁的孩子用。",
        "吸管杯杯身是不锈钢的,吸管是硅胶的。",
        "吸管是硅胶的,咬着软。",
        "吸管杯比玻璃杯轻很多。",
        "小风扇用3节7号电池,包装里不含电池。",
        "小风扇噪音大约30分贝。",
        "吸管杯用一段时间后建议更换吸管。",
    ],
)
def test_generic_spec_clean(reply: str) -> None:
    assert FACTS.check(make_ctx("short_refunds", reply)) == [], reply
