"""ungrounded_fact, doc negations: what a product's own document says it lacks, affirmed by a reply."""

from __future__ import annotations

import pytest

from service.guards import text_scan
from service.guards.doc_negations import DocNegations
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx

_COAT = """---
id: coat
type: product
title: 羊毛大衣 WC9
sku: WC9
category: 大衣
price: 899
tags: [大衣]
---
## 规格
- 面料: 80% 羊毛, 20% 锦纶
- 洗涤: 只能专业干洗, 不可机洗, 不可水洗
- 防水: 不防水
- 口袋: 可拆卸内袋
- 衬里: 不是真丝, 是醋酸纤维

## 常见问题
- 问:有没有帽子?答:WC9 没有帽子,领子可以立起来。
- 问:能配 WC8 的腰带吗?答:WC8 的腰带不适用于 WC9。
"""

_LAMP = """---
id: lamp
type: product
title: 露营灯 LP2
sku: LP2
category: 灯
price: 129
tags: [露营灯]
---
## 规格
- 供电: USB-C 充电, 无太阳能板
- 包装清单: 灯 x1, 充电线 x1 (不含充电头)

## 常见问题
- 问:iPhone 充电头能用吗?答:可以,手机充电头都行;iPhone 不支持快充协议,充满要 4 小时。
"""

SHOP = ShopKnowledge.build(
    "negations",
    [parse_document(_COAT, shop_id="negations", path="coat"), parse_document(_LAMP, shop_id="negations", path="lamp")],
)
GUARD = UngroundedFactGuard()
READER = DocNegations(text_scan.load_data("ungrounded_fact"))


def _flagged(reply: str) -> bool:
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": SHOP})
    return any(v.rule.startswith("ungrounded_fact") and v.severity == "error" for v in GUARD.check(ctx))


def test_the_document_negations_are_read_in_their_own_words() -> None:
    skus = frozenset({"wc9", "wc8", "lp2"})
    coat = {n.thing for n in READER.of(SHOP.products["coat"], skus)}
    assert {"机洗", "水洗", "防水", "帽子", "真丝"} <= coat
    assert "腰带" not in coat  # said of WC8's belt, another product
    lamp = {n.thing for n in READER.of(SHOP.products["lamp"], skus)}
    assert {"太阳能板", "充电头"} <= lamp
    assert "快充协议" not in lamp  # "iPhone 不支持": about iPhones, not the lamp


@pytest.mark.parametrize(
    "reply",
    [
        "亲,WC9 可以机洗的,选羊毛档就行~",
        "WC9 衬里是真丝的哦,很顺滑。",
        "亲,WC9 防水的,下雨天放心穿。",
        "WC9 有帽子的,冬天很挡风~",
        "亲,LP2 内置太阳能板,白天晒晒就能充。",
        "LP2 包装里有充电头,拿到就能充。",
    ],
)
def test_a_reply_affirming_what_the_document_negates(reply: str) -> None:
    assert _flagged(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "亲,WC9 不可机洗,只能专业干洗哦。",
        "WC9 衬里不是真丝,是醋酸纤维的~",
        "亲,WC9 能机洗吗?这个要看洗标哦。",  # a question affirms nothing
        "如果机洗的话容易变形,建议干洗~",  # a condition
        "LP2 不含充电头,用普通手机充电头就行。",  # the buyer's own charger
        "亲,LP2 用 USB-C 充电,充满约 4 小时。",
    ],
)
def test_correct_or_non_assertive_replies_pass(reply: str) -> None:
    assert not _flagged(reply)
