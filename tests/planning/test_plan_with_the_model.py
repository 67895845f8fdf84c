"""The answer plan with the packaged embedding model and the committed request-kind model (integration)."""

from __future__ import annotations

from datetime import datetime

import pytest

from service.container import build_kind_labeller
from service.guards.base import Turn
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.planning.builder import PlanBuilder
from service.planning.fact_finder import FactFinder
from service.planning.kind_model import KindModel
from service.planning.models import AnswerPlan, QuestionKind
from service.policy.facts import compute_order_facts
from service.retrieval.embeddings import UseOnnxEmbedder

pytestmark = pytest.mark.integration

VACUUM = """---
id: vacuum-v1
type: product
title: 扫地机器人 V1
sku: V1
category: 扫地机
price: 1999
---
# 扫地机器人 V1
## 规格
- 续航: 标准模式约 150 分钟
- 噪音: 静音模式约 55 dB, 标准模式约 62 dB
- 尘盒容量: 400 ml
"""

GUIDE = """---
id: guide-service
type: guideline
title: 客服规范
---
# 售后
- 送装师傅爽约或迟到:先道歉,向物流核实,24 小时内给买家答复,可补偿 30 元店铺券。
- 议价:统一定价,不改价。
"""

NOW = datetime.fromisoformat("2026-11-20T10:00:00+08:00")


@pytest.fixture(scope="module")
def builder() -> PlanBuilder:
    embedder = UseOnnxEmbedder()
    return PlanBuilder(FactFinder(embedder), kinds=build_kind_labeller(embedder))


def _plan(builder: PlanBuilder, text: str) -> AnswerPlan:
    docs = [parse_document(body, shop_id="home", path=f"{name}.md") for name, body in
            (("vacuum-v1", VACUUM), ("guide-service", GUIDE))]
    shop = ShopKnowledge.build("home", docs)
    return builder.build(shop=shop, conversation=[Turn(role="customer", text=text)], order=None,
                         facts=compute_order_facts(shop.rules, None, NOW), hits=[], language="zh", now=NOW)


def test_the_service_uses_the_learned_model_with_the_packaged_embedder(builder: PlanBuilder) -> None:
    assert isinstance(builder.kinds, KindModel)


def test_a_message_without_a_keyword_gets_its_kind_from_the_model(builder: PlanBuilder) -> None:
    plan = _plan(builder, "昨天下午五点多付的款,今天能发吗")
    assert plan.request_kind is QuestionKind.logistics


def test_a_row_naming_the_asked_attribute_answers_though_it_shares_no_words(builder: PlanBuilder) -> None:
    plan = _plan(builder, "V1晚上开着会不会很吵")
    evidence = [e.key for q in plan.questions for e in q.answer.evidence]
    assert "噪音" in evidence


def test_a_complaint_carries_the_remedy_its_guideline_allows(builder: PlanBuilder) -> None:
    plan = _plan(builder, "送装师傅约好今天上午来,结果爽约了,一直没来")
    complaint = [q for q in plan.questions if q.kind is QuestionKind.complaint]
    assert complaint and any("30 元" in e.text for q in complaint for e in q.answer.evidence)


def test_a_complaint_carries_the_lines_of_the_remedy_section_labelled_with_its_goods(builder: PlanBuilder) -> None:
    from service.evaluation.shops import load_shop_knowledge
    from service.knowledge.chunking import chunk_document

    shop = load_shop_knowledge("plantshop")  # 坏苗: what counts, then one line per kind of live goods
    hits = chunk_document(shop.docs["policy-returns"])  # what retrieval finds for a complaint

    def remedy(text: str) -> str:
        plan = builder.build(shop=shop, conversation=[Turn(role="customer", text=text)], order=None,
                             facts=compute_order_facts(shop.rules, None, NOW), hits=hits, language="zh", now=NOW)
        return " ".join(e.value for q in plan.questions if q.kind is QuestionKind.complaint
                        for e in q.answer.evidence)

    broken = remedy("蝴蝶兰今天收到了,一根花杆折断了,太气人了")
    assert "补发" in broken and "退款" in broken  # the line labelled 绿植、蝴蝶兰
    assert "鲜切花:" not in broken and "种球:到货" not in broken  # lines for other goods
    normal = remedy("龟背竹收到三天了,有两片叶子黄了,叶尖有点干")
    assert "不属于坏苗" in normal and "补发" not in normal  # a problem the section says it does not cover
