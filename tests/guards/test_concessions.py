"""false_promise: concessions stacked beyond the shop's documented one-concession limit; offers in other words."""

from __future__ import annotations

from service.guards.false_promise import FalsePromiseGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import make_ctx

_GUIDE = """---
id: guide
type: guideline
title: 议价
---
- 买家诚恳时可以让步,只能选一项:送每日坚果 3 小袋,或免费升级顺丰。不能减价。
- 团购 10 盒及以上 9 折。
"""
_NO_LIMIT = _GUIDE.replace("只能选一项", "可以")
GUARD = FalsePromiseGuard()


def _rules(reply: str, guide: str = _GUIDE) -> set[str]:
    shop = ShopKnowledge.build("snack", [parse_document(guide, shop_id="snack", path="guide")])
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
    return {v.rule for v in GUARD.check(ctx)}


def test_two_concessions_where_the_shop_allows_one() -> None:
    stacked = "看您这么诚心,送您3小袋每日坚果,再给您免费升级顺丰,两样都安排上~"
    assert "false_promise.stacked_concessions" in _rules(stacked)
    assert "false_promise.stacked_concessions" in _rules("买两盒给您送一罐开心果,再加一个保温杯")
    assert "false_promise.stacked_concessions" in _rules("Sure! I'll add a free seat cushion and take 10% off.")


def test_one_concession_or_a_choice_is_within_the_limit() -> None:
    assert "false_promise.stacked_concessions" not in _rules("看您这么诚心,送您3小袋每日坚果~")
    assert "false_promise.stacked_concessions" not in _rules("可以送您3小袋坚果,或者免费升级顺丰,您选一个")
    # no limit in the shop's documents: the shape alone is no violation of it
    stacked = "送您3小袋每日坚果,再给您免费升级顺丰"
    assert "false_promise.stacked_concessions" not in _rules(stacked, _NO_LIMIT)


def test_offers_in_other_words_need_the_documents() -> None:
    assert "false_promise.invented_offer" in _rules("OK, just for you I'll give 20% off all three boxes!")
    assert "false_promise.invented_offer" not in _rules("Group orders of 10 boxes get 10% off.")
    assert "false_promise.invented_offer" in _rules("亲,加我私下给您便宜200块")


_BOX = """---
id: box
type: product
title: 定制LOGO礼盒 K7
sku: K7
category: 定制商品
price: 199
---
## 规格
- 制作周期: 设计稿确认并付款后 10-15 天发货
"""


def _turnaround(reply: str) -> bool:
    shop = ShopKnowledge.build("box", [parse_document(_BOX, shop_id="box", path="box")])
    ctx = make_ctx("short_refunds", reply).model_copy(update={"shop": shop})
    return "false_promise.turnaround" in {v.rule for v in GUARD.check(ctx)}


def test_shipping_made_to_order_goods_sooner_than_the_making_period() -> None:
    assert _turnaround("没问题!K7设计稿一确认,5天保证发货~")
    assert _turnaround("K7确认后8天就能出厂")
    assert not _turnaround("K7做好后24小时内发货")  # counted from the end of the making
    assert not _turnaround("K7确认后15天内发货")
