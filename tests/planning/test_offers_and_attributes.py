"""Offers that apply to what the buyer buys; attribute names that rank the row a question asks about."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.planning.attributes import load_attributes
from service.planning.fact_finder import FactFinder
from service.planning.glossary import Glossary
from service.planning.language import load_cues
from service.planning.offers import OfferBook, load_offer_patterns
from service.retrieval.embeddings import HashingEmbedder
from service.settings import PROJECT_ROOT

PROMOTIONS = """---
id: faq-deals
type: faq
title: 优惠说明
---
# 优惠
- 关注店铺领 10 元店铺券,实付满 159 元可用。
- 实付满 199 元送化妆棉一盒;实付满 399 元再加送旅行装一套。
- 店铺会员享会员价 95 折;试用装和洁面仪不参加会员价。
- 本店不提供价保,付款后降价不补差价。
- 客服不能私下改价。
"""

CREAM = """---
id: cream-c1
type: product
title: 修护面霜 C1
sku: C1
category: 面霜
price: 219
---
# 修护面霜 C1
## 规格
- 净含量: 50 ml
- 保质期: 3 年
- 续航: 不适用
"""

DEVICE = """---
id: cleanser-d2
type: product
title: 洁面仪 D2
sku: D2
category: 洁面仪
price: 299
---
# 洁面仪 D2
## 规格
- 续航: 充满一次用 90 天
- 快充: 充 10 分钟可用 1 周
- 充电时间: 约 2 小时
## 优惠
- 买 2 台及以上每台 269 元。
"""


def _shop() -> ShopKnowledge:
    docs = [parse_document(text, shop_id="beauty", path=f"{name}.md") for name, text in
            (("faq-deals", PROMOTIONS), ("cream-c1", CREAM), ("cleanser-d2", DEVICE))]
    return ShopKnowledge.build("beauty", docs)


def test_offers_are_the_shop_wide_ones_the_basket_reaches_and_not_instructions() -> None:
    offers = [e.value for e in OfferBook(_shop()).applicable("能便宜点吗", ["cream-c1"], basket_yuan=219)]
    assert any("满 199 元送化妆棉" in o for o in offers)  # 219 reaches 199
    assert any("10 元店铺券" in o for o in offers)
    assert not any("客服" in o for o in offers)  # an instruction to the agent, not an offer


def test_an_offer_that_leaves_the_product_out_is_not_offered() -> None:
    offers = [e.value for e in OfferBook(_shop()).applicable("会员能打折吗", ["cleanser-d2"], basket_yuan=299)]
    assert not any("95 折" in o for o in offers)
    assert offers[0].startswith("买 2 台及以上")  # the product's own offer first


def test_a_threshold_the_basket_does_not_reach_is_not_offered() -> None:
    offers = [e.value for e in OfferBook(_shop()).applicable("送东西吗", ["cream-c1"], basket_yuan=120)]
    assert not any("满 199" in o or "满 159" in o for o in offers)


def test_price_protection_is_answered_from_the_shop_rule_when_asked() -> None:
    offers = OfferBook(_shop()).applicable("下个月降价了能补差价吗", ["cream-c1"], basket_yuan=219)
    assert "不提供价保" in offers[0].value
    assert not load_offer_patterns().asks_price_protection("能便宜点吗")


@pytest.mark.parametrize(("question", "concept"), [
    ("充满一次能用多久", "battery_life"), ("充满要多久", "charge_time"), ("How heavy is it?", "weight"),
    ("能装多少粮", "capacity"), ("保质期多久", "shelf_life"), ("沙发总长多少", "dimensions"),
    ("一袋多少斤", "weight"),
])
def test_attribute_concepts_read_how_buyers_ask(question: str, concept: str) -> None:
    assert concept in [c.name for c in load_attributes().asked(question)]


def test_the_row_naming_the_asked_attribute_ranks_first() -> None:
    doc = _shop().docs["cleanser-d2"]
    found = FactFinder(HashingEmbedder()).find("充满一次能用多久", doc, "洁面仪 D2", min_score=None, limit=1)
    assert found[0].key == "续航"  # not 快充, which shares more of the question's characters


def test_discounts_render_in_english_as_percent_off() -> None:
    glossary = Glossary(Path(PROJECT_ROOT) / "prompts" / "glossary_en.yaml")
    assert "5% off" in glossary.english("会员价 95 折")
    assert "15% off" in glossary.english("8.5 折")


def test_a_policy_sentence_naming_what_is_asked_answers_with_a_lower_bar() -> None:
    text = "---\nid: policy-shipping\ntype: policy\ntitle: 发货\n---\n# 发货\n- 合作快递:顺丰、中通。\n- 发货仓库在杭州。\n"
    doc = parse_document(text, shop_id="s", path="policy-shipping.md")
    finder = FactFinder(HashingEmbedder())
    assert finder.find("发的什么快递", doc, "", min_score=5.0) == []  # an impossible bar stays impossible...
    found = finder.find("发的什么快递", doc, "", min_score=5.0, named_min_score=0.0)
    assert [e.value for e in found] == ["合作快递:顺丰、中通。"]  # ...unless the row names the 快递 asked about


def test_a_quantity_asked_by_its_unit_favours_rows_in_that_unit() -> None:
    assert any("kg" in u for u in load_cues().quantity_units("一袋多少斤"))
    assert "cm" in load_cues().quantity_units("总长多少")
