"""The guards' per-shop lookups: built once per version of the shop, exact like the old scans."""

from __future__ import annotations

from service.guards.product_match import find_mentions
from service.guards.ungrounded_fact import UngroundedFactGuard
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from tests.guards.shops import SHOPS, make_ctx, order


def _edited(shop: ShopKnowledge, doc_id: str, old: str, new: str) -> ShopKnowledge:
    docs = dict(shop.docs)
    docs[doc_id] = parse_document(docs[doc_id].text.replace(old, new), shop_id=shop.shop_id, path=doc_id)
    return ShopKnowledge.build(shop.shop_id, list(docs.values()))


def test_mentions_follow_an_edit() -> None:
    shop = SHOPS["long_returns"]
    assert [m.product.sku for m in find_mentions("CD2 帐篷多重", shop) if m.strong] == ["CD2"]
    edited = _edited(shop, "tent", "sku: CD2", "sku: CD3")
    assert [m.product.sku for m in find_mentions("CD2 帐篷多重", edited) if m.strong] == []
    assert [m.product.sku for m in find_mentions("cd3 帐篷多重", edited) if m.strong] == ["CD3"]
    assert edited.product_by_sku("cd3") is not None and edited.product_by_sku("CD2") is None


def test_ascii_keywords_stand_alone_and_cjk_keywords_do_not_need_to() -> None:
    shop = SHOPS["long_returns"]
    assert not [m for m in find_mentions("CD20 和 XCD2", shop) if m.strong]
    found = find_mentions("这顶帐篷和能量棒", shop)
    assert {m.product.sku for m in found} == {"CD2", "BAR12"}
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_feature_facts_follow_an_edit() -> None:
    guard = UngroundedFactGuard()
    reply = "亲,帐篷包装里含地布哦。"
    assert guard.check(make_ctx("long_returns", reply, order("CD2", "帐篷")))  # the FAQ says 不含地布
    edited = _edited(SHOPS["long_returns"], "tent", "- 地布需要单独购买,包装里不含地布。", "- 包装里附送地布。")
    edited = _edited(edited, "tent", "地钉 x10, 收纳袋", "地钉 x10, 收纳袋, 地布")
    ctx = make_ctx("long_returns", reply, order("CD2", "帐篷")).model_copy(update={"shop": edited})
    assert guard.check(ctx) == []


def test_a_word_of_a_long_title_run_names_its_product() -> None:
    shop = SHOPS["long_returns"]
    assert find_mentions("燕麦的还有货吗", shop) == []
    edited = _edited(shop, "bar", "title: 能量棒 12 支", "title: 高能燕麦能量棒 12 支")
    assert {m.product.sku for m in find_mentions("燕麦的还有货吗", edited)} == {"BAR12"}
