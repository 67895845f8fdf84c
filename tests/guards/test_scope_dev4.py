"""Scope before phrases, continued (issue 10, dev4 false alarms): what a claim is about, read from its
structure and the shop's documents."""

from __future__ import annotations

from service.guards.false_promise import FalsePromiseGuard
from service.guards.payer import PayerClaims
from service.guards.refund_rule import RefundRuleGuard
from service.guards.text_scan import load_data
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
PAYERS = PayerClaims(load_data("payer"))
TENT = order("CD2", "帐篷")  # long_returns: 15 days, custom goods and food excluded, the shop pays the return


def _rules(shop: str, reply: str, order_data: dict[str, object] | None = None,
           buyer: tuple[str, ...] = ()) -> set[str]:
    return {v.rule for v in GUARD.check(make_ctx(shop, reply, order_data, buyer))}


def test_an_excluded_class_with_a_complement_prefix_names_the_goods_outside_it() -> None:
    granted = "亲,帐篷属于非定制商品,签收后15天内支持无理由退货,您这单还在期限内"
    assert "refund_rule.excluded_grant" not in _rules("long_returns", granted, TENT, ("不想要了能退吗",))
    # without the prefix the sentence puts the item in the excluded class
    wrong = "亲,帐篷属于定制商品,签收后15天内支持无理由退货"
    assert "refund_rule.excluded_grant" in _rules("long_returns", wrong, TENT, ("不想要了能退吗",))


def test_a_negation_before_the_payer_counts_however_far_the_verb_is() -> None:
    # the verb's ten-character window starts after 不会: the negation is still the payer's
    assert [c.kind for c in PAYERS.find("我们也不会让您加微信或者私下转账付任何费用")] == ["seller_pays"]
    assert [c.kind for c in PAYERS.find("我们会让您加微信或者私下转账付这笔费用")] == ["buyer_pays"]


def test_who_pays_a_cost_is_a_return_claim_only_in_after_sales_talk() -> None:
    delivery = "亲,这单不满79元,运费8元需要您承担哦"
    assert "refund_rule.return_shipping" not in _rules("long_returns", delivery, buyer=("包邮吗",))
    # the sentence names the return leg, or the buyer asks to return: it is the return's shipping
    back = "亲,寄回来的运费需要您承担哦"
    assert "refund_rule.return_shipping" in _rules("long_returns", back, TENT, ("包邮吗",))
    assert "refund_rule.return_shipping" in _rules("long_returns", delivery, TENT, ("不想要了能退吗",))


_MEMBER_GUIDE = """---
id: guide
type: guideline
title: 议价
---
- 买家诚恳时可以让步,只能选一项:送园艺手套一双,或免掉运费。不能改价。
- 店铺会员(免费入会):花盆、营养土、园艺工具 9 折。
"""


def _promise_rules(reply: str) -> set[str]:
    shop = ShopKnowledge.build("plants", [parse_document(_MEMBER_GUIDE, shop_id="plants", path="guide")])
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
    return {v.rule for v in FalsePromiseGuard().check(ctx)}


def test_free_alone_grants_nothing_and_a_documented_standing_discount_is_the_shops() -> None:
    # 免费 says membership costs nothing; 9折 is the documented member price for the goods the clause names
    listed = "开通店铺会员是免费的,园艺工具能打9折;这单我可以帮您把8元运费免掉"
    assert "false_promise.stacked_concessions" not in _promise_rules(listed)
    assert "false_promise.stacked_concessions" not in _promise_rules("免费入会后花盆打9折,再送您园艺手套一双")
    # the agent's own discount (no goods of the documented offer named) on top of a waived fee is two
    assert "false_promise.stacked_concessions" in _promise_rules("给您打个9折,再帮您免运费")
    # a discount at another rate is no standing offer
    assert "false_promise.stacked_concessions" in _promise_rules("园艺工具给您打8折,再帮您免运费")


_PRICE_POLICY = """---
id: policy
type: policy
title: 价格保护
---
- 付款后 7 天内,本店同款同规格降价的,可以联系客服申请补差价,每笔订单限 1 次。
"""


def _price_rules(reply: str, buyer: str) -> set[str]:
    shop = ShopKnowledge.build("shoes", [parse_document(_PRICE_POLICY, shop_id="shoes", path="policy")])
    ctx = make_ctx("short_refunds", reply, None, (buyer,)).model_copy(update={"shop": shop})
    return {v.rule for v in FalsePromiseGuard().check(ctx)}


def test_dates_and_the_buyers_figures_are_no_terms_of_a_documented_promise() -> None:
    buyer = "前几天买的降价20了,能补差价吗"
    applied = "付款后7天内同款同规格降价可以申请补差价,您是11月28日付款的,还在7天内,我帮您申请补20元"
    assert "false_promise.future_price" not in _price_rules(applied, buyer)
    # a term the documents do not state is still a promise beyond them
    assert "false_promise.future_price" in _price_rules("付款后30天内降价可以申请补差价,我帮您申请补20元", buyer)
    # the buyer's figure alone states no term of the rule
    assert "false_promise.future_price" in _price_rules("以后降价都可以补差价,我帮您申请补20元", buyer)


def test_a_window_state_with_the_exchange_windows_length_is_the_exchange() -> None:
    day_20 = order("CD2", "帐篷", delivered="2026-10-21T15:00:00+08:00")  # quality return 15 days, exchange 30
    exchange = "现在过了15天的质量退货期,但还在30天内,可以给您换货,来回运费我们承担"
    assert "refund_rule.quality_grant" not in _rules("long_returns", exchange, day_20, ("帐篷杆坏了",))
    refund = "还在30天内,可以给您退货退款"
    assert "refund_rule.quality_grant" in _rules("long_returns", refund, day_20, ("帐篷杆坏了",))


_FLOWERS = """---
id: rose
type: product
title: 鲜切红玫瑰 19枝花束 R3
sku: R3ROSE
category: 鲜切花
price: 139
---
## 规格
- 枝数: 19
"""
_CANCEL_POLICY = """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_excluded_categories: [鲜切花]
---
- 已付款还没有发货的订单,可以申请仅退款,原路全额退款。
- 鲜切花 R3:预约发货日前一天 18:00 之前可以取消;之后花已剪切包扎,不能取消。
"""
_FLOWER_SHOP = ShopKnowledge.build(
    "flowers", [parse_document(t, shop_id="flowers", path=n) for n, t in [("r", _FLOWERS), ("p", _CANCEL_POLICY)]]
)


def test_a_documented_cancel_cut_off_named_at_the_lines_head_and_stated_by_the_reply() -> None:
    paid = order("R3ROSE", "鲜切花", status="paid")

    def rules(reply: str, buyer: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply, paid, (buyer,)).model_copy(update={"shop": _FLOWER_SHOP})
        return {v.rule for v in GUARD.check(ctx)}

    # the line names R3 before its second sentence; the reply states the documented situation as a fact
    past = "亲,您选的是明天发货,花今天已经剪切包扎好了,现在没法取消了"
    assert "refund_rule.unshipped_refund" not in rules(past, "玫瑰能取消吗,明天那单")
    # no documented situation stated or described: the right to cancel an unshipped order stands
    assert "refund_rule.unshipped_refund" not in rules(past, "玫瑰能取消吗")
    assert "refund_rule.unshipped_refund" in rules("亲,鲜花是不能取消的哦", "玫瑰能取消吗")
    # the situation only as a condition is a rule recited, not this order's fact
    recited = "亲,如果花已经剪切包扎了,就没法取消了"
    assert "refund_rule.unshipped_refund" in rules(recited, "玫瑰能取消吗")


_EXCHANGE_POLICY = """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_return_days: 15
  no_reason_return_shipping: seller
---
- 15 天无理由退货的寄回运费由本店承担。
- 每个订单第一次换码,来回运费都由本店承担;同一订单第二次及以后换码,寄回运费由买家承担,发出运费本店承担。
"""
_SHOE_SHOP = ShopKnowledge.build("shoes", [parse_document(_EXCHANGE_POLICY, shop_id="shoes", path="p")])


def test_a_payer_the_shops_documents_state_for_the_situation_is_the_shops_rule() -> None:
    def rules(reply: str) -> set[str]:
        ctx = make_ctx("long_returns", reply, TENT, ("想再换一次码",)).model_copy(update={"shop": _SHOE_SHOP})
        return {v.rule for v in GUARD.check(ctx)}

    second = "亲,同一个订单第二次换码,寄回来的运费需要您承担,发给您的运费由本店承担"
    assert "refund_rule.return_shipping" not in rules(second)
    # words every exchange sentence has (订单, 换码) do not make the first exchange the documented exception
    assert "refund_rule.return_shipping" in rules("亲,订单签收后想换码,寄回来的运费需要您承担")
    assert "refund_rule.return_shipping" in rules("亲,无理由退货寄回来的运费需要您承担")


_PLANT = """---
id: phal
type: product
title: 大花蝴蝶兰 P2
sku: P2PHAL
category: 花卉盆栽
price: 168
tags: [蝴蝶兰, 活体, 送礼]
---
## 规格
- 花杆: 2 个
"""
_POT = _PLANT.replace("id: phal", "id: pot").replace("大花蝴蝶兰 P2", "陶瓷花盆 C5").replace("P2PHAL", "C5POT")
_POT = _POT.replace("花卉盆栽", "花盆").replace("[蝴蝶兰, 活体, 送礼]", "[花盆, 送礼]")
_DAMAGE_POLICY = """---
id: policy-returns
type: policy
title: 坏苗包赔
rules:
  no_reason_excluded_categories: [花卉盆栽]
---
- 绿植、蝴蝶兰:核实后由买家选择免费补发同款(本店承担运费),或退款;活体不需要寄回。
- 花盆运输破碎的,请拍照联系客服。
"""
_PLANT_SHOP = ShopKnowledge.build(
    "plants",
    [parse_document(t, shop_id="plants", path=n) for n, t in [("a", _PLANT), ("b", _POT), ("p", _DAMAGE_POLICY)]],
)


def _plant_rules(reply: str, sku: str, category: str, buyer: str) -> set[str]:
    ctx = make_ctx("long_returns", reply, order(sku, category), (buyer,)).model_copy(update={"shop": _PLANT_SHOP})
    return {v.rule for v in FalsePromiseGuard().check(ctx)} | {v.rule for v in GUARD.check(ctx)}


def test_no_return_needed_is_the_shops_rule_where_a_document_line_states_it_for_the_ordered_item() -> None:
    reply = "核实后可以给您免费补发一盆,或者直接退款,您选哪种都行,花不用寄回来"
    flagged = _plant_rules(reply, "P2PHAL", "花卉盆栽", "蝴蝶兰有一根花杆断了")
    assert "false_promise.refund_without_return" not in flagged
    # a snapped stem is a defect: the refund is the quality path, not a no-reason return of excluded goods
    assert "refund_rule.excluded_grant" not in flagged
    # the line names the orchid, not the pot: for the pot the same words promise beyond the documents
    pot = "核实后可以给您免费补发一个,或者直接退款,花盆不用寄回来"
    assert "false_promise.refund_without_return" in _plant_rules(pot, "C5POT", "花盆", "花盆碎了")


def _promises(reply: str) -> set[str]:
    return {v.rule for v in FalsePromiseGuard().check(make_ctx("short_refunds", reply))}


def test_a_deadline_may_carry_a_time_of_day_or_name_a_holiday() -> None:
    assert "false_promise.arrival_deadline" in _promises("我们给您安排明天下午三点前准时送达~")
    assert "false_promise.arrival_deadline" in _promises("情人节前就能送到")
    # hedged: an estimate, not a deadline
    assert "false_promise.arrival_deadline" not in _promises("一般明天下午三点前能送到,以快递为准")


def test_an_outcome_guaranteed_by_a_holiday() -> None:
    assert "false_promise.outcome_guarantee" in _promises("我们的蝴蝶兰保证春节前全部开满")
    assert "false_promise.outcome_guarantee" not in _promises("花苞春节前能不能开满我们没法保证")


def test_a_second_item_at_half_price_whatever_its_measure_word() -> None:
    assert "false_promise.invented_offer" in _promises("有的亲,K2第二双半价,两双一起拍更划算~")
    assert "false_promise.invented_offer" in _promises("第二件半价哦")


_SHIPPING = """---
id: policy-shipping
type: policy
title: 发货
---
- 每天 15:00 前付款的订单当天发货,15:00 以后付款的次日发货。
- 周日仓库休息不发货:周六 15:00 以后到周日全天付款的订单,周一发货。
"""
_SHIPPING_SHOP = ShopKnowledge.build("ship", [parse_document(_SHIPPING, shop_id="ship", path="s")])


def test_a_shipping_day_earlier_than_the_shops_schedule_gives_the_order() -> None:
    def promises(reply: str, paid_at: str) -> set[str]:
        paid = order("K2KIDS", "童鞋", status="paid")
        paid["paid_at"] = paid_at
        ctx = make_ctx("short_refunds", reply, paid, ("今晚能发吗",), now="2026-12-05T18:20:00+08:00")
        ctx = ctx.model_copy(update={"shop": _SHIPPING_SHOP})
        return {v.rule for v in FalsePromiseGuard().check(ctx)}

    saturday_evening = "2026-12-05T18:10:00+08:00"  # after the cut-off, Sunday a rest day: leaves on Monday
    assert "false_promise.ship_schedule" in promises("可以的亲,今晚就给您加急发出~", saturday_evening)
    assert "false_promise.ship_schedule" in promises("明天就给您发出", saturday_evening)
    assert "false_promise.ship_schedule" not in promises("周一就给您发出", saturday_evening)
    # paid before the cut-off: today is the schedule's own day
    assert "false_promise.ship_schedule" not in promises("今天就给您发出", "2026-12-05T10:00:00+08:00")


_CARE_KIT = """---
id: kit
type: product
title: 皮鞋护理套装 C6
sku: C6CARE
category: 护理用品
price: 69
---
## 规格
- 适用材质: 光面皮革, 网布, 帆布
- 不适用材质: 麂皮/翻毛皮, 漆皮
- 不适用: 蝴蝶兰等附生兰 (请用水苔或树皮)
"""
_KIT_SHOP = ShopKnowledge.build("kit", [parse_document(_CARE_KIT, shop_id="kit", path="kit")])


def _facts(reply: str) -> set[str]:
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": _KIT_SHOP})
    return {v.rule for v in UngroundedFactGuard().check(ctx)}


def test_a_negative_spec_key_lists_what_the_product_lacks_and_a_list_shares_its_predicate() -> None:
    assert "ungrounded_fact.doc_negation" in _facts("可以的亲,C6套装皮革、麂皮、网面都能用")
    assert "ungrounded_fact.doc_negation" in _facts("C6 种蝴蝶兰、绿植都合适")
    # the list's predicate denies: nothing affirmed
    assert "ungrounded_fact.doc_negation" not in _facts("C6 麂皮、漆皮都不能用,皮革和网布可以")
    assert "ungrounded_fact.doc_negation" not in _facts("C6 适合皮革、网布和帆布")


_PRUNER = """---
id: pruner
type: product
title: 修枝剪 K7
sku: K7PRUNE
category: 园艺工具
price: 69
---
## 规格
- 刀片材质: SK5 碳钢, 表面防锈涂层
"""
_PRUNER_SHOP = ShopKnowledge.build("tools", [parse_document(_PRUNER, shop_id="tools", path="k7")])


def test_carbon_steel_is_a_material_family_of_its_own() -> None:
    def facts(reply: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": _PRUNER_SHOP})
        return {v.category.value for v in UngroundedFactGuard().check(ctx)}

    assert "ungrounded_fact" in facts("亲,K7 刀片是 304 不锈钢的")
    assert "ungrounded_fact" not in facts("亲,K7 刀片是 SK5 碳钢的,表面有防锈涂层")


_MEMBER_POLICY = """---
id: guide
type: guideline
title: 优惠
---
- 店铺会员(免费入会):花盆、营养土、园艺工具 9 折;绿植、蝴蝶兰、鲜切花不参加会员折扣。
- 买家诚恳时可以让步,每笔订单只能选一项:送运动袜 1 双,或免运费。
"""


def _offer_rules(reply: str) -> set[str]:
    shop = ShopKnowledge.build("offers", [parse_document(_MEMBER_POLICY, shop_id="offers", path="guide")])
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
    return {v.rule for v in FalsePromiseGuard().check(ctx)}


def test_a_documented_offer_keeps_the_scope_its_line_gives_it() -> None:
    assert "false_promise.invented_offer" in _offer_rules("免费开通会员全店9折,蝴蝶兰168元开了会员就是151.2元~")
    assert "false_promise.invented_offer" not in _offer_rules("开通会员后花盆可以打9折")
    # a rate no document states, stated outright
    assert "false_promise.invented_offer" in _offer_rules("现在全店8折哦")


def test_an_offer_conditioned_on_the_buyers_purchase_is_made() -> None:
    rules = _offer_rules("亲今天下单的话我给您打个八折,再送一双运动袜")
    assert {"false_promise.invented_offer", "false_promise.stacked_concessions"} <= rules
    # a condition that is not the purchase keeps the offer hypothetical
    assert "false_promise.invented_offer" not in _offer_rules("如果店铺有活动的话,到时候可以打八折")


_BULBS = """---
id: bulbs
type: product
title: 郁金香种球 T4
sku: T4TULIP
category: 种球
price: 59
---
## 规格
- 原产地: 荷兰 (进口)
"""
_BULB_SHOP = ShopKnowledge.build("bulbs", [parse_document(_BULBS, shop_id="bulbs", path="t4")])


def test_a_country_of_import_is_an_origin_of_its_own() -> None:
    def facts(reply: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": _BULB_SHOP})
        return {v.category.value for v in UngroundedFactGuard().check(ctx)}

    assert "ungrounded_fact" in facts("亲,我们的郁金香种球是云南高原基地自己繁育的")
    assert "ungrounded_fact" not in facts("亲,T4 种球是荷兰进口的")
