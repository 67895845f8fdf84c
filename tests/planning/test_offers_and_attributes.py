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
    offers = [e.value for e in OfferBook(_shop()).applicable("能便宜点吗", ["cleanser-d2"], basket_yuan=299)]
    assert not any("95 折" in o for o in offers)
    assert offers[0].startswith("买 2 台及以上")  # the product's own offer first


def test_an_offer_asked_about_by_name_that_leaves_the_product_out_is_told_with_its_exclusion() -> None:
    offers = [e.value for e in OfferBook(_shop()).applicable("会员能打折吗", ["cleanser-d2"], basket_yuan=299)]
    assert "洁面仪不参加会员价" in offers[0]  # "会员能打折吗" for the device: the shop's sentence says it is left out
    cream = [e.value for e in OfferBook(_shop()).applicable("会员能打折吗", ["cream-c1"], basket_yuan=219)]
    assert any("95 折" in o for o in cream)


SHOES = """---
id: guide-deals
type: guideline
title: 议价
---
# 议价
- 关注店铺领店铺券:满 299 减 20;定制鞋 M8 不能用店铺券。
- 店铺会员:会员价 R7 439 元、K2 179 元。
- 童鞋 K2 同一订单买 2 双,立减 30 元。
- 实付满 399 元送护理套装 S5 一套。
- 每笔订单第一次换尺码,来回运费都由本店承担:寄回时先垫付运费,最多 15 元,新尺码包邮寄出。
- 赠品(运动袜)请一起寄回;赠品丢失的,按标价 19 元从退款中扣除。
"""


def _shoe_shop() -> ShopKnowledge:
    def product(code: str, category: str) -> str:
        return (f"---\nid: shoe-{code.lower()}\ntype: product\ntitle: 迈途 {category} {code}\nsku: {code}X\n"
                f"category: {category}\nprice: 199\n---\n# {code}\n## 规格\n- 重量: 200 g\n")
    docs = [parse_document(SHOES, shop_id="shoes", path="guide-deals.md")] + [
        parse_document(product(code, category), shop_id="shoes", path=f"shoe-{code.lower()}.md")
        for code, category in (("R7", "跑鞋"), ("K2", "童鞋"), ("M8", "定制鞋"), ("S5", "拖鞋"))]
    return ShopKnowledge.build("shoes", docs)


def test_a_shop_wide_offer_naming_model_codes_is_for_those_products_only() -> None:
    book = OfferBook(_shoe_shop())
    kids = [e.value for e in book.applicable("两双有优惠吗", ["shoe-k2"], basket_yuan=398)]
    assert any("会员价" in o for o in kids) and any(o.startswith("童鞋 K2 同一订单买 2 双") for o in kids)
    slippers = [e.value for e in book.applicable("能便宜点吗", ["shoe-s5"], basket_yuan=None)]
    assert not any("会员价" in o or "立减 30" in o for o in slippers)  # granted to R7/K2, not to S5
    assert any("店铺券" in o for o in slippers)  # M8 named only as left out: the coupon is for everyone else
    anyone = [e.value for e in book.applicable("这个价下不去手", [], basket_yuan=None)]
    assert any("会员价" in o for o in anyone)  # the product is not known: every offer may apply
    runners = [e.value for e in book.applicable("能便宜点吗", ["shoe-r7"], basket_yuan=469)]
    assert any("送护理套装 S5" in o for o in runners)  # S5 is the gift there, not the goods the offer is for


def test_a_gift_return_rule_is_no_offer() -> None:
    offers = [o.evidence.value for o in OfferBook(_shoe_shop()).shop_wide]
    assert not any("赠品" in o for o in offers)
    assert any("换尺码" in o for o in offers)  # sending goods back for a free size exchange is the shop's offer


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


def test_a_spec_key_the_question_says_in_the_shops_words_names_that_row() -> None:
    text = ("---\nid: shoe-r7\ntype: product\ntitle: 跑鞋 R7\nsku: R7\ncategory: 跑鞋\nprice: 469\n---\n# R7\n## 规格\n"
            "- 重量: 约 255 g\n- 跟差: 8 mm\n- 中底厚度 (后跟): 36 mm\n")
    doc = parse_document(text, shop_id="s", path="shoe-r7.md")
    finder = FactFinder(HashingEmbedder())
    found = finder.find("前后跟差是多少", doc, "跑鞋 R7", min_score=5.0, named_min_score=0.0)
    assert [e.key for e in found] == ["跟差"]  # the question says 跟差: that row answers whatever its score
    assert [e.key for e in finder.find("中底厚度多少", doc, "跑鞋 R7", min_score=5.0, named_min_score=0.0)] == [
        "中底厚度 (后跟)"]  # the key without its bracketed note
    assert finder.find("鞋底耐磨吗", doc, "跑鞋 R7", min_score=5.0, named_min_score=0.0) == []


def test_a_distinctive_three_character_word_of_a_title_names_the_product() -> None:
    from service.planning.catalog import ProductCatalog

    def product(doc_id: str, title: str) -> str:
        return f"---\nid: {doc_id}\ntype: product\ntitle: {title}\nsku: {doc_id.upper()}\nprice: 10\n---\n# x\n"

    docs = [parse_document(product(i, t), shop_id="g", path=f"{i}.md") for i, t in (
        ("w8", "青禾园艺 定时自动浇花器 10头 W8"), ("k7", "青禾园艺 修枝剪 K7"), ("s6", "青禾园艺 通用营养土 S6"))]
    catalog = ProductCatalog(ShopKnowledge.build("g", docs))
    assert [m.doc_id for m in catalog.mentions("浇花器有3C认证吗")] == ["w8"]  # two shared bigrams alone: too few


def test_a_spec_key_the_question_says_does_not_outrank_the_row_that_answers() -> None:
    text = ("---\nid: shelf-b4\ntype: product\ntitle: 书架 B4\nsku: B4\nprice: 399\n---\n# B4\n## 规格\n"
            "- 层板: 15 mm 刨花板\n## 常见问题\n- 问: 层板能上下调节吗? 答: 不能,层间距固定为 33 cm。\n")
    doc = parse_document(text, shop_id="s", path="shelf-b4.md")
    found = FactFinder(HashingEmbedder()).find("书架的层板能不能上下调节", doc, "书架 B4", named_min_score=0.0)
    assert found[0].kind == "faq"  # the question says 层板, but asks whether it moves


def test_usage_advice_and_return_conditions_render_in_english() -> None:
    glossary = Glossary(Path(PROJECT_ROOT) / "prompts" / "glossary_en.yaml")
    assert glossary.english("冬季低于 0℃ 的室外不建议使用") == "冬季低于 0 °C 的 outdoor not recommended 使用"
    assert "unopened" in glossary.english("营养土袋和缓释肥袋都未拆封")
    assert "random" in glossary.english("混色为随机搭配")
    assert "室内" not in glossary.chinese_terms("Can I keep it indoors?")  # rendering words, not look-up words
