"""What a claim is about: negation over lists, the buyer's own figures, parts and modes, which product.

Each mechanism reads the reply's structure and the shop's documents; none names a case.
"""

from __future__ import annotations

import pytest

from service.guards import text_scan
from service.guards.product_match import find_mentions, products_at
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx

_CHAIR = """---
id: chair
type: product
title: 人体工学办公椅 C8
sku: C8
category: 办公椅
price: 1299
tags: [办公椅]
---
## 规格
- 适用身高: 160-190 cm
- 最大承重: 150 kg
- 重量: 21 kg
"""
_LAMP = """---
id: lamp
type: product
title: 充电头灯 H3
sku: H3
category: 头灯
price: 99
tags: [头灯]
---
## 规格
- 亮度: 300 流明
"""
_NUTS = """---
id: nuts
type: product
title: 每日坚果混合果仁 N1
sku: N1
category: 坚果
price: 129
tags: [每日坚果, 坚果]
---
## 规格
- 净含量: 750 g (25 g × 30 袋)
"""
_WALNUT = """---
id: walnut
type: product
title: 纸皮核桃 原味 W2
sku: W2
category: 坚果
price: 59
tags: [坚果]
---
## 规格
- 净含量: 1 kg
"""
SHOP = ShopKnowledge.build(
    "scope",
    [parse_document(text, shop_id="scope", path=name) for name, text in
     [("chair", _CHAIR), ("lamp", _LAMP), ("nuts", _NUTS), ("walnut", _WALNUT)]],
)
GUARD = UngroundedFactGuard()


def _numbers(reply: str, buyer: tuple[str, ...] = (), order: dict[str, object] | None = None) -> list[str]:
    ctx = make_ctx("short_refunds", reply, order_data=order, conversation=buyer).model_copy(update={"shop": SHOP})
    return [reply[v.span[0] : v.span[1]].strip() for v in GUARD.check(ctx) if v.rule == "ungrounded_fact.number"]


@pytest.mark.parametrize(
    ("text", "word", "negated"),
    [
        ("我们的师傅不收任何现金或微信、支付宝转账。", "支付宝", True),  # over a coordinated list
        ("亲,小悦帮您核对了一下,AF55 商品页写的是包装内不含硅胶垫", "硅胶", True),  # a long clause
        ("我们可以用微信转账给您", "微信", False),
        ("这两款都很好,可以用支付宝转账", "支付宝", False),
    ],
)
def test_negation_reaches_a_list_and_is_measured_near_the_match(text: str, word: str, negated: bool) -> None:
    start = text.index(word)
    assert text_scan.is_negated(text, start, start + len(word)) is negated


def test_the_buyers_own_figures_said_back_are_no_claim() -> None:
    buyer = ("我老公185,100公斤,C8能坐吗",)
    assert _numbers("亲,C8最大承重150 kg,您先生185 cm、100 kg坐是没问题的", buyer) == []


def test_a_buyer_figure_tied_to_the_products_attribute_is_a_claim() -> None:
    # the buyer asked with the figure; the reply makes it the chair's rating
    assert _numbers("C8最大承重100 kg哦", ("100公斤的人能坐C8吗",)) == ["100 kg"]
    # the buyer's own weight, said back as the chair's 承重 in the same clause
    assert _numbers("放心,C8承重100 kg", ("我100公斤",)) == ["100 kg"]


def test_a_value_beside_the_documents_single_value_is_of_another_mode() -> None:
    assert _numbers("H3 亮度 300 流明大约 2 小时,低亮档 50 流明可以用 8 小时") == []
    assert _numbers("H3 亮度 500 流明") == ["500 流明"]


def test_a_name_nested_in_a_longer_name_is_no_mention() -> None:
    mentions = find_mentions("送您3小袋每日坚果", SHOP)
    assert {m.product.sku for m in mentions} == {"N1"}


def test_the_clauses_own_product_outranks_the_order() -> None:
    order = {
        "order_id": "X1", "status": "delivered", "paid_at": "2026-11-01T10:00:00+08:00",
        "items": [{"sku": "W2", "title": "纸皮核桃", "category": "坚果", "price": 59, "qty": 1}],
    }
    assert _numbers("给您申请送3小袋每日坚果(25g×3),随单发出", order=order) == []
    assert _numbers("您买的核桃净含量 2 kg", order=order) == ["2 kg"]


def test_a_product_named_after_the_claim_counts_only_in_its_clause() -> None:
    reply = "175 cm 建议L码,里面要穿坚果色毛衣可以考虑XL"
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": SHOP})
    assert products_at(ctx, 0) == []


def test_values_in_one_list_are_one_claim_not_two_modes() -> None:
    assert _numbers("H3 有 300 和 500 流明两档") == ["500 流明"]


_GIFTBOX = """---
id: giftbox
type: product
title: 坚果礼盒 G6
sku: G6
category: 礼盒
price: 199
---
## 规格
- 保质期: 9 个月
"""


def test_an_english_attribute_reaches_as_far_in_words() -> None:
    shop = ShopKnowledge.build("gift", [parse_document(_GIFTBOX, shop_id="gift", path="giftbox")])

    def numbers(reply: str) -> list[str]:
        ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
        return [reply[v.span[0] : v.span[1]].strip() for v in GUARD.check(ctx) if v.rule == "ungrounded_fact.number"]

    assert numbers("The G6 gift box has a shelf life of 12 months.") == ["12 months"]
    assert numbers("The G6 gift box has a shelf life of 9 months.") == []


_RAW = """---
id: raw
type: product
title: 纸皮核桃 W9
sku: W9
category: 坚果
price: 59
---
## 规格
- 加工: 原味, 未烘烤, 未调味
"""


def test_what_the_document_says_was_not_done_affirmed_as_done() -> None:
    shop = ShopKnowledge.build("raw", [parse_document(_RAW, shop_id="raw", path="raw")])

    def rules(reply: str) -> set[str]:
        ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
        return {v.rule for v in GUARD.check(ctx)}

    assert "ungrounded_fact.doc_negation" in rules("是的亲,W9是低温烘烤过的,香脆可以直接吃~")
    assert "ungrounded_fact.doc_negation" not in rules("W9没有烘烤过,是原味的")
