"""ungrounded_fact: stated product facts against the product documents (only clear contradictions)."""

from __future__ import annotations

import pytest

from service.guards.fact_values import QuantityParser, segments
from service.guards.text_scan import load_data
from service.guards.ungrounded_fact import UngroundedFactGuard
from tests.guards.shops import make_ctx, order

GUARD = UngroundedFactGuard()

VIOLATIONS = [
    ("long_returns", "亲,CampDome 重量只有1.5kg,背着很轻松。", "ungrounded_fact.number"),
    ("long_returns", "The CampDome weighs just 1.2 kg.", "ungrounded_fact.number"),
    ("long_returns", "亲,帐篷外帐防水5000mm,下大雨也没问题。", "ungrounded_fact.number"),  # 5000 is the floor
    ("long_returns", "亲,帐篷展开尺寸是 220 x 160 cm。", "ungrounded_fact.number"),
    ("long_returns", "亲,帐篷包装里送地布的,不用另买。", "ungrounded_fact.feature"),
    ("long_returns", "亲,定制布贴3天就能做好。", "ungrounded_fact.number"),
    ("long_returns", "亲,能量棒保质期18个月,放心囤。", "ungrounded_fact.number"),
    ("long_returns", "亲,能量棒不含坚果,坚果过敏也能吃。", "ungrounded_fact.feature"),
    ("long_returns", "亲,身高172穿M码刚好。", "ungrounded_fact.size_chart"),
    ("long_returns", "亲,冲锋衣带一件可拆卸的抓绒内胆。", "ungrounded_fact.feature"),
    ("short_refunds", "亲,SoundBud 单次续航10小时。", "ungrounded_fact.number"),
    ("short_refunds", "亲,SoundBud 防水 IPX7,可以戴着游泳。", "ungrounded_fact.number"),
    ("short_refunds", "亲,SoundBud 支持主动降噪。", "ungrounded_fact.feature"),
    ("short_refunds", "亲,SoundBud 保修2年。", "ungrounded_fact.number"),
    ("short_refunds", "亲,SoundBud 终身保修。", "ungrounded_fact.number"),
    ("short_refunds", "亲,PowerMax 给 iPhone 能充到65W。", "ungrounded_fact.number"),
    ("short_refunds", "亲,PowerMax 包装里配了一个充电头。", "ungrounded_fact.feature"),
    ("short_refunds", "亲,PowerMax 重量只有250克。", "ungrounded_fact.number"),
    ("short_refunds", "亲,耳机付款后7天内发货。", "ungrounded_fact.number"),
]

CLEAN = [
    ("long_returns", "亲,帐篷重2.3kg,外帐防水3000mm,底布5000mm。"),
    ("long_returns", "亲,帐篷重量大约2.4公斤。"),  # hedged, within tolerance
    ("long_returns", "亲,包装里有10根地钉,地布不含,需要单独购买。"),
    ("long_returns", "亲,定制周期是7天,做好后24小时内发货。"),
    ("long_returns", "亲,能量棒保质期9个月,含花生和坚果,过敏的亲要注意。"),
    ("long_returns", "亲,身高172建议选L码(170-175cm);如果想在里面穿厚内胆,可以选大一码。"),
    ("long_returns", "亲,冲锋衣本身不带内胆,是单层硬壳。"),
    ("long_returns", "亲,晚上气温零下5度的话,建议多穿一件。"),
    ("short_refunds", "亲,SoundBud 单次续航6小时,配合充电盒一共30小时。"),
    ("short_refunds", "亲,SoundBud 是 IPX4,防汗防溅,但不能戴着游泳。"),
    ("short_refunds", "亲,SoundBud 没有主动降噪,也不支持无线充电。"),
    ("short_refunds", "亲,PowerMax 最大输出65W,给 iPhone 最大20W,记得用60W以上的线。"),
    ("short_refunds", "亲,PowerMax 不含充电头,包装里有充电线和说明书。"),
    ("short_refunds", "亲,耳机保修1年,付款后48小时内发货。"),
    ("short_refunds", "亲,这款耳机挺轻的,很多买家说戴一天也不累。"),  # no number, nothing to contradict
    ("short_refunds", "亲,您说用3小时就没电了,我帮您看看是哪里的问题。"),  # the buyer's number, quoted
]


@pytest.mark.parametrize(("shop", "reply", "rule"), VIOLATIONS)
def test_violations(shop: str, reply: str, rule: str) -> None:
    found = GUARD.check(make_ctx(shop, reply))
    assert rule in {v.rule for v in found}, [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]
    assert all(v.suggestion is None for v in found)  # no mechanical correction for a fact


@pytest.mark.parametrize(("shop", "reply"), CLEAN)
def test_clean(shop: str, reply: str) -> None:
    found = GUARD.check(make_ctx(shop, reply))
    assert found == [], [(v.rule, reply[v.span[0] : v.span[1]]) for v in found]


def test_the_order_names_the_product_when_the_reply_does_not() -> None:
    ctx = make_ctx("short_refunds", "亲,这款单次续航10小时。", order("SB1", "耳机"))
    assert [v.rule for v in GUARD.check(ctx)] == ["ungrounded_fact.number"]


def test_units_are_normalised() -> None:
    parser = QuantityParser(load_data("ungrounded_fact")["units"])
    [kilos] = parser.parse("重1.2kg")
    [grams] = parser.parse("重1200克")
    assert kilos.lo == grams.lo == 1200
    [cold] = parser.parse("零下10度", degrees=True)
    assert cold.lo == -10
    [days] = parser.parse("3-5 天")
    assert (days.lo, days.hi) == (72, 120)
    assert [q.lo for q in parser.parse("210 x 140 cm")] == [2100, 1400]


def test_segments_split_notes_and_drop_negative_parts() -> None:
    assert segments("输出", "最大 15 W (iPhone 最大 7.5 W)") == ["输出: 最大 15 W", "输出: iPhone 最大 7.5 W"]
    assert segments("发货时间", "3-5 天发货 (不适用 48 小时发货)") == ["发货时间: 3-5 天发货"]
