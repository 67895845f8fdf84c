"""false_promise: guarantees, absolute quality claims, compensation over each shop's limit."""

from __future__ import annotations

import pytest

from service.guards.false_promise import FalsePromiseGuard
from tests.guards.shops import make_ctx, order

GUARD = FalsePromiseGuard()
EARBUDS = order("SB1", "耳机", price=299)

VIOLATIONS = [
    ("short_refunds", "亲,今天下单保证明天就能到您手上!", "false_promise.delivery_guarantee"),
    ("short_refunds", "亲,放心,周五之前一定送到。", "false_promise.delivery_guarantee"),
    ("short_refunds", "亲,保证11号下午三点前送达。", "false_promise.delivery_guarantee"),
    ("short_refunds", "亲,今天付款的话明天一定能到北京。", "false_promise.delivery_guarantee"),
    ("short_refunds", "Your order is guaranteed to arrive tomorrow.", "false_promise.delivery_guarantee"),
    ("short_refunds", "亲,这款耳机质量绝对不会坏。", "false_promise.quality_absolute"),
    ("short_refunds", "亲,保证和图片颜色一模一样,没有任何色差。", "false_promise.quality_absolute"),
    ("short_refunds", "亲,充电宝保证用三年都不会鼓包。", "false_promise.quality_absolute"),
    ("short_refunds", "亲,给您补偿30元,您看可以吗?", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,发货晚了,给您打款25元作为补偿。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,主管已经同意了,赔您100元。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,再送您一个充电宝作为补偿。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,给您退一半货款作为补偿。", "false_promise.compensation_over_limit"),
    ("long_returns", "亲,非常抱歉,给您补偿80元。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,给您双倍赔偿!", "false_promise.compensation_multiple"),
    ("short_refunds", "亲,假一赔十,放心买。", "false_promise.compensation_multiple"),
    ("short_refunds", "亲,延误了的话每天赔您10元。", "false_promise.delay_compensation"),
    ("short_refunds", "亲,这单给您免单了,货也不用寄回来了。", "false_promise.refund_without_return"),
    ("short_refunds", "亲,您一申请退款马上就到账了。", "false_promise.instant_refund"),
    ("short_refunds", "We'll refund you instantly.", "false_promise.instant_refund"),
    ("short_refunds", "亲,双十二绝对不会比现在便宜。", "false_promise.future_price"),
    ("short_refunds", "亲,下个月要是降价我给您退差价。", "false_promise.future_price"),
    ("short_refunds", "亲,下次您来买一定给您打五折!", "false_promise.future_price"),
    ("short_refunds", "亲,我就是店长,给您做主。", "false_promise.impersonation"),
    ("short_refunds", "I'm the store manager, I can approve it.", "false_promise.impersonation"),
    ("short_refunds", "亲,我们家东西终身包换!", "false_promise.lifetime"),
    ("long_returns", "亲,定制布贴保证3天做好发出。", "false_promise.ship_guarantee"),
    # offers no document of the shop states; money over the limit however written; outcomes guaranteed
    ("short_refunds", "亲,看您诚心要,给您打个85折吧~", "false_promise.invented_offer"),
    ("short_refunds", "亲,我给您改个价,拍下别付款~", "false_promise.invented_offer"),
    ("short_refunds", "亲,这单免费帮您升级顺丰~", "false_promise.invented_offer"),
    ("short_refunds", "实在抱歉,赔您 80 压压惊。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,这次的路费 60 元我们全额补偿给您。", "false_promise.compensation_over_limit"),
    ("short_refunds", "亲,坚持用一个月,保证皮肤白一个度。", "false_promise.outcome_guarantee"),
    ("short_refunds", "I guarantee you will love the taste.", "false_promise.outcome_guarantee"),
    ("short_refunds", "亲,降了的话差价都退给您~", "false_promise.future_price"),
]

CLEAN = [
    ("short_refunds", "亲,快递时效我们没办法保证具体哪天到,江浙沪一般1-3天。"),
    ("short_refunds", "亲,不能保证明天到哦,到达时间以快递为准。"),
    ("short_refunds", "I can't guarantee a delivery date, but it usually takes 1-3 days."),
    ("short_refunds", "亲,物流显示今天派送,预计下午送到。"),
    ("short_refunds", "亲,我没办法跟您说绝对不会坏,不过有1年保修。"),
    ("short_refunds", "亲,不同屏幕显示会有轻微色差,以实物为准。"),
    ("short_refunds", "亲,发货晚了是我们的问题,给您补偿20元。"),
    ("short_refunds", "亲,送您一张10元店铺券表示歉意。"),
    ("short_refunds", "亲,您要求的100元补偿超出了我的权限,我帮您提交主管审核。"),
    ("short_refunds", "亲,1000元的赔偿我这边没有权限答应,我帮您反馈给主管。"),
    ("long_returns", "亲,少发地钉是我们的失误,马上补发,另外给您补偿30元。"),
    ("long_returns", "亲,给您补偿50元,换发的帐篷优先安排。"),
    ("short_refunds", "亲,我马上帮您申请退款,审核通过后原路退回,到账时间以支付渠道为准。"),
    ("short_refunds", "亲,以后的价格我没办法保证;本店有价保,付款后7天内降价可以申请补差价。"),
    ("short_refunds", "亲,我是客服小蓝,不是主管,我帮您转给主管处理。"),
    ("short_refunds", "亲,我保证跟进到底,24小时内给您回复。"),
    ("short_refunds", "亲,双十一期间同样保证付款后48小时内发货。"),
    ("long_returns", "亲,定制周期7天,做好后24小时内发货。"),
    ("short_refunds", "亲,给您补发一根充电线,运费我们承担。"),
    ("short_refunds", "亲,我保证跟进到底,24小时内给您答复。"),
    ("short_refunds", "亲,能不能打9折呢?这个我帮您问问。"),
    ("short_refunds", "亲,价格不是我能改的,店里目前没有折扣活动。"),
]


@pytest.mark.parametrize(("shop", "reply", "rule"), VIOLATIONS)
def test_violations(shop: str, reply: str, rule: str) -> None:
    found = GUARD.check(make_ctx(shop, reply, EARBUDS if "货款" in reply else None))
    assert rule in {v.rule for v in found}, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


@pytest.mark.parametrize(("shop", "reply"), CLEAN)
def test_clean(shop: str, reply: str) -> None:
    found = GUARD.check(make_ctx(shop, reply))
    assert found == [], [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


def test_compensation_suggestion_escalates() -> None:
    reply = "亲,实在抱歉,补偿您50元。"
    [violation] = GUARD.check(make_ctx("short_refunds", reply))
    assert reply[violation.span[0] : violation.span[1]] == "补偿您50元"
    assert violation.suggestion == "为您申请补偿(需主管审核)"


def test_compensation_adds_up_per_order() -> None:
    found = GUARD.check(make_ctx("short_refunds", "亲,补偿您15元,再送您10元优惠券。"))
    assert [v.rule for v in found] == ["false_promise.compensation_over_limit"]


def test_delivery_guarantee_suggestion_hedges() -> None:
    reply = "亲,保证明天到。"
    [violation] = GUARD.check(make_ctx("short_refunds", reply))
    assert violation.suggestion == "预计明天到"
