"""refund_rule: what a refusal or a fee is about, and refusals the shop's own documents state."""

from __future__ import annotations

from service.guards.refund_rule import RefundRuleGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
JACKET = order("PK1", "服装")  # long_returns: day 6 of 15
CREAM = order("HC1", "化妆品")  # conditions: day 6 of 7


def _rules(shop: str, reply: str, order_data: dict[str, object] | None = None,
           buyer: tuple[str, ...] = ()) -> set[str]:
    return {v.rule for v in GUARD.check(make_ctx(shop, reply, order_data, buyer))}


def test_a_fee_counts_only_when_the_talk_is_about_after_sales() -> None:
    assert "refund_rule.extra_fee" not in _rules("short_refunds", "货到付款会另收5元服务费哦", buyer=("能货到付款吗",))
    assert "refund_rule.extra_fee" in _rules("short_refunds", "退货要收5元服务费哦", buyer=("想退货",))
    # a problem with the goods is after-sales talk too
    assert "refund_rule.extra_fee" in _rules("short_refunds", "您补20元工本费,我们给您重做", buyer=("你们刻错字了",))


def test_a_refusal_about_a_fee_is_no_refused_return() -> None:
    reply = "亲,衣服可以无理由退,之前付的上楼费是不退的哦"
    assert "refund_rule.wrong_denial" not in _rules("long_returns", reply, JACKET, ("不想要了",))
    assert "refund_rule.wrong_denial" in _rules("long_returns", "亲,衣服是不退的哦", JACKET, ("不想要了",))


def test_a_state_the_reply_concedes_is_no_reason_for_its_refusal() -> None:
    dress = order("DR1", "服装")
    conceded = "亲,拆开检查不影响退货,但已经穿过洗过的就不支持无理由了"
    assert "refund_rule.condition_denial" not in _rules("conditions", conceded, dress, ("穿了两次不想要了",))
    assert "refund_rule.condition_denial" in _rules("conditions", "亲,衣服拆开了就不能退了。", dress, ("试穿了一下",))


_WARDROBE = """---
id: wardrobe
type: product
title: 定制移门衣柜 W2
sku: W2WARD
category: 定制家具
price: 7794
---
## 规格
- 生产周期: 确认图纸后 25-30 天出厂
"""
_POLICY = """---
id: policy-returns
type: policy
title: 退换货规则
rules:
  no_reason_excluded_categories: [定制家具]
---
- 已付款未出库的订单可以直接取消,全额退款。
- W2 按您家尺寸定做,确认图纸后依法不适用无理由退货,也不能取消订单。
"""
FURNITURE = ShopKnowledge.build(
    "furniture", [parse_document(t, shop_id="furniture", path=n) for n, t in [("w", _WARDROBE), ("p", _POLICY)]]
)


def test_a_cancel_refusal_the_shops_documents_state_for_the_buyers_situation() -> None:
    paid = order("W2WARD", "定制家具", status="paid")

    def rules(reply: str, buyer: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply, paid, (buyer,)).model_copy(update={"shop": FURNITURE})
        return {v.rule for v in GUARD.check(ctx)}

    reply = "亲,W2确认图纸后已经进入生产,没办法取消订单了"
    assert "refund_rule.unshipped_refund" not in rules(reply, "衣柜图纸确认了,想取消")
    # the buyer's situation is not the documented one (no drawing confirmed): the right to cancel stands
    assert "refund_rule.unshipped_refund" in rules("亲,定制的不能取消哦", "刚下单,想取消")


def test_an_aspect_marker_inside_opened_still_reads_as_opened() -> None:
    refusal = "亲,面霜开封后就不支持无理由退货了"
    flagged = _rules("conditions", refusal, CREAM, ("开了袋,不喜欢能退吗",))
    assert not flagged & {"refund_rule.wrong_denial", "refund_rule.condition_denial"}


def test_any_fee_is_a_cost_whose_payer_is_read() -> None:
    reply = "亲,在无理由期内可以退,上门取件的费用我们这边承担"
    assert "refund_rule.return_shipping" in _rules("short_refunds", reply, order("SB1", "耳机"), ("不想要了",))
    # a verb + 费 is no cost: "付费维修" names no payer of a return
    assert "refund_rule.return_shipping" not in _rules(
        "short_refunds", "泡水的损坏不在保修范围内,我帮您问问能不能付费维修", buyer=("耳机进水了",)
    )


def test_the_count_start_said_any_way() -> None:
    assert "refund_rule.count_start" in _rules("short_refunds", "亲,7天是从您付款下单的当天开始算的")
    assert "refund_rule.count_start" in _rules("short_refunds", "亲,7天从签收当天开始算")
    assert "refund_rule.count_start" not in _rules("short_refunds", "亲,7天从签收的次日开始算")


def test_a_later_no_reason_return_granted_for_an_unshipped_excluded_item() -> None:
    paid = order("PT1", "定制商品", status="paid")
    reply = "亲放心,我们所有商品都支持15天无理由,到货后再退就行"
    assert "refund_rule.excluded_grant" in _rules("long_returns", reply, paid, ("还能退吗",))


def test_refusals_and_grants_in_other_words() -> None:
    reply = "Sorry, once the box has been opened it is no longer eligible for a no-reason return."
    assert "refund_rule.wrong_denial" in _rules("long_returns", reply, JACKET, ("I opened the box, can I return it?",))
    dress = order("DR1", "服装")
    grant = "没关系的亲,我们一样按7天无理由给您退~"
    assert "refund_rule.condition_grant" in _rules("conditions", grant, dress, ("吊牌剪了,不想要了",))
