"""Comparisons answered with what the buyer asks about, not with whichever figures differ (integration: the
packaged embedding model finds the asked attribute among the products' rows)."""

from __future__ import annotations

from datetime import datetime

import pytest

from service.guards.base import Turn
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.planning.builder import PlanBuilder, _said_sibling
from service.planning.catalog import ProductCatalog
from service.planning.fact_finder import FactFinder
from service.planning.models import AnswerPlan, Evidence, QuestionKind
from service.policy.facts import compute_order_facts
from service.retrieval.embeddings import UseOnnxEmbedder

NOW = datetime.fromisoformat("2026-11-20T10:00:00+08:00")


def _product(doc_id: str, title: str, sku: str, category: str, specs: list[str], faq: list[str] = ()) -> str:
    rows = "\n".join(f"- {r}" for r in specs)
    faqs = "\n".join(f"- {r}" for r in faq)
    return (f"---\nid: {doc_id}\ntype: product\ntitle: {title}\nsku: {sku}\ncategory: {category}\nprice: 99\n---\n"
            f"# {title}\n## 规格\n{rows}\n## 常见问题\n{faqs}\n")


SHOP = [
    ("orchid-p2", _product("orchid-p2", "大花蝴蝶兰 P2", "P2", "蝴蝶兰",
                           ["品种: 大花蝴蝶兰", "适宜温度: 15-28℃; 低于 10℃ 容易掉苞", "包装: 花朵套网套, 冬季加保温棉",
                            "花期: 全部开放后观赏期约 2-3 个月"])),
    ("monstera-m1", _product("monstera-m1", "龟背竹 M1", "M1", "龟背竹",
                             ["品种: 龟背竹", "适宜温度: 18-30℃; 越冬不低于 10℃", "包装: 原盆发货, 纸箱固定",
                              "高度: 约 80 cm"])),
    ("walnut-w2", _product("walnut-w2", "纸皮核桃 W2", "W2", "核桃",
                           ["净含量: 1 kg", "配料: 核桃 (带壳)", "保质期: 12 个月"],
                           ["问: 是烤过的吗? 答: 没有烤,是原味生核桃,可以自己用烤箱烤 8-10 分钟。"])),
    ("nuts-n1", _product("nuts-n1", "每日坚果 N1", "N1", "坚果",
                         ["净含量: 750 g", "工艺: 坚果低温烘烤, 不油炸", "保质期: 180 天"],
                         ["问: 坚果是咸的吗? 答: 不是,坚果原味低温烘烤,不加盐。"])),
    ("lamp-l2", _product("lamp-l2", "无线台灯 L2", "L2", "台灯",
                         ["续航: 6 小时 (中档亮度)", "充电时间: 约 4 小时", "重量: 0.8 kg"])),
    ("vacuum-r9", _product("vacuum-r9", "扫地机器人 R9", "R9", "扫地机",
                           ["续航: 150 分钟 (标准模式)", "充电时间: 约 5 小时", "重量: 3.2 kg"])),
]


@pytest.fixture(scope="module")
def builder() -> PlanBuilder:
    return PlanBuilder(FactFinder(UseOnnxEmbedder()))


@pytest.fixture(scope="module")
def shop() -> ShopKnowledge:
    return ShopKnowledge.build("garden", [parse_document(body, shop_id="garden", path=f"{name}.md")
                                          for name, body in SHOP])


def _plan(builder: PlanBuilder, shop: ShopKnowledge, text: str) -> AnswerPlan:
    return builder.build(shop=shop, conversation=[Turn(role="customer", text=text)], order=None,
                         facts=compute_order_facts(shop.rules, None, NOW), hits=[], language="zh", now=NOW)


def test_the_products_names_are_left_out_of_what_a_comparison_asks(shop: ShopKnowledge) -> None:
    catalog = ProductCatalog(shop)
    asked = catalog.without_names("蝴蝶兰和龟背竹哪个更怕冷?", ["orchid-p2", "monstera-m1"])
    assert "蝴蝶兰" not in asked and "龟背竹" not in asked
    assert "哪个更怕冷" in asked
    assert "P2" not in catalog.without_names("P2和M1哪个更怕冷", ["orchid-p2", "monstera-m1"])


@pytest.mark.integration
@pytest.mark.parametrize("text", ["蝴蝶兰和龟背竹哪个耐寒?", "蝴蝶兰和龟背竹冬天多少度会冻坏?"])
def test_a_comparison_in_other_words_than_the_keys_gets_the_row_it_asks_about(
        builder: PlanBuilder, shop: ShopKnowledge, text: str) -> None:
    question = _plan(builder, shop, text).questions[0]
    assert question.kind is QuestionKind.comparison
    assert {e.key for e in question.answer.evidence} == {"适宜温度"}
    assert {e.doc_id for e in question.answer.evidence} == {"orchid-p2", "monstera-m1"}
    assert all(e.chunk_id for e in question.answer.evidence)  # cited


@pytest.mark.integration
def test_each_product_answers_from_its_own_row_when_no_key_is_shared(
        builder: PlanBuilder, shop: ShopKnowledge) -> None:
    question = _plan(builder, shop, "纸皮核桃和每日坚果哪个是烤过的?").questions[0]
    values = {e.doc_id: e.value for e in question.answer.evidence}
    assert set(values) == {"walnut-w2", "nuts-n1"}
    assert all("烤" in v for v in values.values())


@pytest.mark.integration
def test_a_plain_difference_question_still_gets_the_figures_that_differ(
        builder: PlanBuilder, shop: ShopKnowledge) -> None:
    question = _plan(builder, shop, "L2台灯和R9扫地机有什么区别").questions[0]
    assert question.kind is QuestionKind.comparison
    assert len({e.key for e in question.answer.evidence}) >= 2


@pytest.mark.integration
def test_a_clause_naming_no_product_goes_on_comparing_the_products_before_it(
        builder: PlanBuilder, shop: ShopKnowledge) -> None:
    questions = _plan(builder, shop, "L2台灯和R9扫地机各要充多久?充满能用多久?").questions
    assert [q.kind for q in questions] == [QuestionKind.comparison, QuestionKind.comparison]
    assert set(questions[1].products) == {"lamp-l2", "vacuum-r9"}
    assert {e.key for e in questions[1].answer.evidence} == {"续航"}


@pytest.mark.parametrize(("key", "question", "expected"), [
    ("尺码 XXL", "L码的T恤和L码的羽绒服胸围各多大?", "尺码 L"),
    ("尺码", "L码的C1短袖和D5分别胸围是多少?", "尺码 L"),
    ("尺码 XL", "XL码的胸围多大", "尺码 XL"),
    ("重量", "L码哪个轻", "重量"),
])
def test_a_size_the_question_says_picks_its_row_of_the_table(key: str, question: str, expected: str) -> None:
    def row(k: str) -> Evidence:
        return Evidence(kind="spec", text=k, key=k, value="胸围 100 cm")
    table = {k: row(k) for k in ("尺码", "尺码 S", "尺码 L", "尺码 XL", "尺码 XXL", "重量")}
    assert _said_sibling(key, {"a": table, "b": dict(table)}, question) == expected
