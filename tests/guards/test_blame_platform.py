"""blame and platform_rule: phrase guards, with the hard clean cases that look like violations."""

from __future__ import annotations

import pytest

from service.guards.blame import BlameGuard
from service.guards.platform_rule import PlatformRuleGuard
from tests.guards.shops import make_ctx

BLAME = BlameGuard()
PLATFORM = PlatformRuleGuard()

BLAME_VIOLATIONS = [
    ("亲,详情页写得很清楚,是您自己没看清楚哦。", "blame.buyer_fault"),
    ("耳机进水是您使用不当造成的。", "blame.buyer_fault"),
    ("充电宝鼓包肯定是您自己放车里暴晒了。", "blame.buyer_fault"),
    ("您一个月退了三次,这就是恶意退货。", "blame.buyer_fault"),
    ("冲锋衣起球是您洗的方法不对。", "blame.buyer_fault"),
    ("屏幕碎成这样,明显是摔过的。", "blame.buyer_fault"),
    ("It's your own fault, you used it wrong.", "blame.buyer_fault"),
    ("你懂不懂怎么连蓝牙啊?", "blame.insult"),
    ("爱买不买,不买拉倒。", "blame.insult"),
    ("都说了多少遍了,您自己不会用。", "blame.insult"),
    ("你不会看物流吗?上面写着派送中。", "blame.insult"),
    ("买之前不问清楚,现在来投诉有什么用?", "blame.insult"),
    ("包裹丢了不关我们的事,你去找快递吧。", "blame.deflect"),
    ("物流慢是快递的事,我们管不了。", "blame.deflect"),
    ("发错货是仓库的事,不归我管。", "blame.deflect"),
    ("这个您得联系厂家售后。", "blame.deflect"),
    ("That's the courier's problem, not ours. Contact them yourself.", "blame.deflect"),
    # blame by structure: a guess at misuse, a rhetorical question, inevitability, a sigh, repetition, rank
    ("亲,您估计是没拧紧盖子吧,才会漏出来。", "blame.buyer_fault"),
    ("晒久了当然会变形啊。", "blame.buyer_fault"),
    ("掉色跟我们的布料没关系哦。", "blame.buyer_fault"),
    ("详情页不是标了只能手洗吗?", "blame.insult"),
    ("连开机键在哪都不知道吗?", "blame.insult"),
    ("唉,您再看一遍说明书吧。", "blame.insult"),
    ("这个问题我已经解释了三遍了。", "blame.insult"),
    ("我是这边的售后经理,这个方案没得商量。", "blame.deflect"),
]

BLAME_CLEAN = [
    "您说是我们发错了, 真的很抱歉!马上给您补发。",
    "亲,这不是您的问题,是我们打包没做好,马上给您换新。",
    "亲,如因人为损坏,不在保修范围内,可以付费维修。",
    "亲,泡水造成的损坏不在保修范围内,我帮您问一下能不能付费维修。",
    "亲,快递这边我们来联系,您不用跑,24小时内给您答复。",
    "亲,我这边马上联系快递核实,确认丢了就直接补发。",
    "您问\u201c是不是觉得我在恶意退货\u201d,当然不是!",
    "亲,可能是手机蓝牙缓存的原因,麻烦您删除后重新配对试试。",
    "亲,您反馈的问题我们已经记录了,会尽快答复。",
    "亲,贴歪了不属于质量问题,不过盒子里还有第二片,我教您贴。",
    "So sorry, that's on us. We'll send a replacement right away.",
    "亲,您是不是想问尺码?我帮您对一下。",
    "亲,随您挑,两个颜色都有货~",
    "亲,当然可以,付款后24小时内发货。",
    "哎呀,真不好意思让您久等了,马上帮您查。",
    "亲,这个不是您的问题,我们马上给您换。",
]

PLATFORM_VIOLATIONS = [
    ("亲,五星好评并截图,返您5元红包哦~", "platform_rule.review_reward"),
    ("亲,晒图追评就送您一根数据线哦~", "platform_rule.review_reward"),
    ("亲,差评删了的话我给您补偿20元。", "platform_rule.review_reward"),
    ("Leave us a 5-star review and we'll send you 10 yuan cashback.", "platform_rule.review_reward"),
    ("亲,加我微信 kefu_abc,私下给您便宜。", "platform_rule.off_platform"),
    ("亲,您直接支付宝转账给我,不走平台。", "platform_rule.off_platform"),
    ("亲,有问题打我电话 13800138000。", "platform_rule.off_platform"),
    ("亲,去我们自己的小程序下单更便宜。", "platform_rule.off_platform"),
    ("亲,我们家是全网最低价!", "platform_rule.absolute_terms"),
    ("亲,这是国家级品质。", "platform_rule.absolute_terms"),
    ("亲,这款销量行业第一。", "platform_rule.absolute_terms"),
    ("This is the best tent on the market, No.1 in China.", "platform_rule.absolute_terms"),
    ("亲,签收即视为商品合格。", "platform_rule.void_terms"),
    ("本活动最终解释权归本店所有。", "platform_rule.void_terms"),
    ("亲,我们不开发票的哦。", "platform_rule.invoice"),
    ("亲,开票需要另加6%税点。", "platform_rule.invoice_surcharge"),
    # structure, not a phrase: a channel off the platform and a move towards it, a handle, money sent directly
    ("亲,您扫一下店长的企业微信,活动都在那边发。", "platform_rule.off_platform"),
    ("售后这边您搜 shop-help88 加一下,视频教您。", "platform_rule.off_platform"),
    ("要不您把银行卡号发我,我直接转您差价?", "platform_rule.off_platform"),
    # signing as acceptance and the shop's last word, in other words
    ("您签了字的话就视同验收合格了哦。", "platform_rule.void_terms"),
    ("赠品怎么送,最后还是店家说了算的。", "platform_rule.void_terms"),
    # a review for a reward, an absolute quantifier, a rhetorical challenge, a cure
    ("帮忙写个好评呗,写完给您发个 8 元红包~", "platform_rule.review_reward"),
    ("这款杯子百分之百不含双酚A,您放心。", "platform_rule.absolute_terms"),
    ("同价位还有比它更轻的吗?没有的。", "platform_rule.absolute_terms"),
    ("这款面膜坚持用能淡化痘印、改善湿疹。", "platform_rule.medical_claims"),
]

PLATFORM_CLEAN = [
    "亲,我们不做好评返现哦,您按真实感受评价就好。",
    "亲,好评返现是平台禁止的,我们不做。",
    "亲,收到满意的话,欢迎留下您真实的使用感受~",
    "亲,请在平台内付款,不要私下转账给任何人。",
    "亲,不需要加微信哦,在这里随时找我就行。",
    "亲,SW2 支持微信消息提醒,退款会原路退回到微信支付。",
    "亲,我们第一时间为您处理,第一次购买还可以领新人券。",
    "亲,最快明天发货,最晚后天。",
    "亲,您最好先确认一下手机型号再下单。",
    "亲,这款续航是我们店里最长的一款。",
    "亲,最大降噪深度45dB。",
    "亲,签收前可以先检查外包装,有破损可以拒收。",
    "亲,可以开电子发票,开票不收额外费用。",
    "亲,差评是您的权利,评价怎么写由您决定。",
    "亲,签收不代表认可质量,之后有问题一样找我们。",
    "亲,面料是 100% 棉,不含氨纶。",
    "亲,我不能跟您说绝对不会坏,但有一年保修。",
    "亲,这款面霜没有祛痘的功效,痘痘问题建议咨询医生。",
    "亲,请在订单里填好收货手机号,方便快递联系您。",
]


@pytest.mark.parametrize(("reply", "rule"), BLAME_VIOLATIONS)
def test_blame_violations(reply: str, rule: str) -> None:
    found = BLAME.check(make_ctx("short_refunds", reply))
    assert rule in {v.rule for v in found}, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


@pytest.mark.parametrize("reply", BLAME_CLEAN)
def test_blame_clean(reply: str) -> None:
    assert BLAME.check(make_ctx("short_refunds", reply)) == []


@pytest.mark.parametrize(("reply", "rule"), PLATFORM_VIOLATIONS)
def test_platform_violations(reply: str, rule: str) -> None:
    found = PLATFORM.check(make_ctx("long_returns", reply))
    assert rule in {v.rule for v in found}, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


@pytest.mark.parametrize("reply", PLATFORM_CLEAN)
def test_platform_clean(reply: str) -> None:
    assert PLATFORM.check(make_ctx("long_returns", reply)) == []


def test_steering_the_refund_reason_needs_a_quality_problem() -> None:
    reply = "亲,您申请退款理由选'不想要了'就行。"
    assert PLATFORM.check(make_ctx("short_refunds", reply, conversation=("耳机有杂音",)))
    assert PLATFORM.check(make_ctx("short_refunds", reply, conversation=("不想要了",))) == []
