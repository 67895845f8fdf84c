"""The answer plan: clauses, product mentions, facts per question, order-state answers, distinct drafts."""

from __future__ import annotations

from datetime import datetime

import pytest

from service.api.schemas import Draft
from service.drafting.pipeline import distinct
from service.evaluation.shops import load_shop_knowledge
from service.guards.base import GuardResult, Turn
from service.planning.builder import PlanBuilder
from service.planning.catalog import ProductCatalog
from service.planning.fact_finder import FactFinder
from service.planning.language import load_cues, split_clauses
from service.planning.models import QuestionKind
from service.policy.facts import compute_order_facts
from service.policy.order import Order
from service.retrieval.embeddings import HashingEmbedder


@pytest.mark.parametrize(("text", "expected"), [
    ("充电宝能带上飞机吗?多大容量?", ["充电宝能带上飞机吗?", "多大容量?"]),
    ("这个耳机,防水吗", ["这个耳机,防水吗"]),
    ("防水吗,续航多久", ["防水吗", "续航多久"]),
    ("Is it waterproof? How long does the battery last?", ["Is it waterproof?", "How long does the battery last?"]),
])
def test_a_turn_splits_into_its_questions(text: str, expected: list[str]) -> None:
    assert split_clauses(text) == expected


@pytest.mark.parametrize(("text", "yes_no"), [("防水吗", True), ("能不能带上飞机", True), ("续航多久", False),
                                              ("Does it fit an iPhone 16?", True), ("How heavy is it?", False)])
def test_yes_no_questions_are_recognised(text: str, yes_no: bool) -> None:
    assert load_cues().is_yes_no(text) is yes_no


def test_products_are_found_by_model_code_title_words_and_sku() -> None:
    catalog = ProductCatalog(load_shop_knowledge("demo"))
    assert catalog.mentions("AB3 防水吗")[0].doc_id == "earbuds-ab3"
    assert catalog.mentions("QuietPods 降噪怎么样")[0].doc_id == "earbuds-anc-pro"
    assert catalog.by_sku("pb10") == "powerbank-pb10"
    assert catalog.mentions("今天天气不错") == []


def _plan(conversation: list[Turn], order: Order | None = None):  # type: ignore[no-untyped-def]
    shop = load_shop_knowledge("demo")
    now = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    facts = compute_order_facts(shop.rules, order, now)
    builder = PlanBuilder(FactFinder(HashingEmbedder()))
    return builder.build(shop=shop, conversation=conversation, order=order, facts=facts, hits=[], language="zh")


def test_two_questions_get_two_answers_from_the_named_products_spec_rows() -> None:
    plan = _plan([Turn(role="customer", text="AB3 防水等级是多少?单耳重量多少?")])
    assert [q.kind for q in plan.questions] == [QuestionKind.product_fact, QuestionKind.product_fact]
    facts = [e.text for q in plan.questions for e in q.answer.evidence]
    assert any("IPX4" in f for f in facts) and any("4.5 g" in f for f in facts)
    assert all(e.chunk_id.startswith("earbuds-ab3#") for q in plan.questions for e in q.answer.evidence)


def test_a_follow_up_question_keeps_the_product_of_the_earlier_turn() -> None:
    plan = _plan([Turn(role="customer", text="AB3 多少钱"), Turn(role="agent", text="299 元哦"),
                  Turn(role="customer", text="防水等级呢?")])
    assert plan.questions[0].products == ["earbuds-ab3"]
    assert "IPX4" in plan.questions[0].answer.evidence[0].text


def test_an_unpaid_or_unshipped_order_gets_a_logistics_answer_not_a_product_fact() -> None:
    order = Order.model_validate({"status": "paid", "paid_at": "2026-11-19T18:00:00+08:00",
                                  "items": [{"sku": "AB3", "title": "AirBeat 3", "category": "耳机"}]})
    plan = _plan([Turn(role="customer", text="怎么还没发货?")], order)
    assert plan.questions[0].kind is QuestionKind.logistics
    assert plan.order.status == "paid"


def test_a_question_the_docs_cannot_answer_is_unknown() -> None:
    plan = _plan([Turn(role="customer", text="AB3 用的哪家工厂的芯片代工?")])
    assert plan.questions[0].answer.status == "unknown"


def _draft(text: str) -> Draft:
    return Draft(text=text, citations=[], guard=GuardResult(passed=True, violations=[]), source="composer")


def test_identical_and_near_identical_drafts_are_dropped() -> None:
    drafts = [_draft("亲,您好!AB3 的防水等级是 IPX4。"), _draft("亲,您好!AB3 的防水等级是 IPX4~"),
              _draft("您好,AB3 防水等级 IPX4,下雨出汗都没问题,但不能游泳。")]
    assert [d.text for d in distinct(drafts)] == [drafts[0].text, drafts[2].text]


def test_stale_tracking_is_checked_with_the_courier_and_discounts_give_the_amount_paid() -> None:
    order = Order.model_validate({
        "status": "shipped", "paid_at": "2026-11-15T10:00:00+08:00", "shipped_at": "2026-11-16T10:00:00+08:00",
        "address": "上海市浦东新区张杨路1000号",
        "discounts": [{"name": "店铺券", "amount_yuan": 5}, {"name": "满减", "amount_yuan": 20}],
        "tracking": [{"time": "2026-11-16T18:00:00+08:00", "status": "已揽收", "location": "深圳"},
                     {"time": "2026-11-17T09:00:00+08:00", "status": "运输中", "location": "杭州转运中心"}],
        "items": [{"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299, "qty": 1}]})
    shop = load_shop_knowledge("demo")
    now = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    facts = compute_order_facts(shop.rules, order, now)
    plan = PlanBuilder(FactFinder(HashingEmbedder())).build(
        shop=shop, conversation=[Turn(role="customer", text="物流怎么一直不动?")], order=order, facts=facts,
        hits=[], language="zh", now=now)
    assert plan.order.latest_scan.endswith("运输中 杭州转运中心")
    assert plan.order.scan_age_hours == 73.0
    assert plan.order.paid_yuan == 274
    assert "收货地址: 上海市浦东新区张杨路1000号" in plan.order.facts


def test_orders_refuse_unknown_tracking_fields() -> None:
    with pytest.raises(ValueError, match="extra"):
        Order.model_validate({"status": "shipped", "tracking": [{"time": "2026-11-17T09:00:00+08:00",
                                                                 "status": "运输中", "carrier_secret": 1}]})


def test_the_writer_says_tracking_is_stale_and_promises_no_date() -> None:
    from service.drafting.composer import Composer
    from service.drafting.plan_writer import PlanWriter
    from service.planning.glossary import Glossary
    from service.planning.models import Answer, AnswerPlan, OrderState, Question
    from service.settings import PROJECT_ROOT

    prompts = PROJECT_ROOT / "prompts"
    writer = PlanWriter(prompts / "plan_writer.yaml", Glossary(prompts / "glossary_en.yaml"),
                        Composer(prompts / "composer.yaml"))
    shop = load_shop_knowledge("demo")
    facts = compute_order_facts(shop.rules, None, datetime.fromisoformat("2026-11-20T10:00:00+08:00"))
    plan = AnswerPlan(language="zh", questions=[Question(text="物流怎么不动了", kind=QuestionKind.logistics,
                                                         intent="logistics", answer=Answer(status="answered"))],
                      order=OrderState(status="shipped", decision="check_logistics", latest_scan="11-17 09:00 运输中",
                                       scan_age_hours=73.0))
    text = writer.write(plan, facts=facts, rules=shop.rules, hits=[], product="")[0].text
    assert "73小时没有更新" in text and "补发或退款" in text
    assert "明天" not in text


def test_a_question_left_unanswered_in_an_earlier_turn_stays_open() -> None:
    plan = _plan([Turn(role="customer", text="AB3 防水等级是多少?"), Turn(role="customer", text="单耳重量呢?")])
    assert [q.from_earlier_turn for q in plan.questions] == [True, False]
    assert any("IPX4" in e.text for e in plan.questions[0].answer.evidence)


def test_an_unpaid_order_asking_to_ship_today_gets_the_shops_cutoff() -> None:
    order = Order.model_validate({"order_id": "U1", "status": "unpaid", "items": [
        {"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299, "qty": 1}]})
    shop = load_shop_knowledge("demo")
    builder = PlanBuilder(FactFinder(HashingEmbedder()))
    for hour, days in ((10, 0), (17, 1)):  # demo ships orders paid before 16:00 the same day
        now = datetime.fromisoformat(f"2026-11-20T{hour}:00:00+08:00")
        plan = builder.build(shop=shop, conversation=[Turn(role="customer", text="现在付款今天能发货吗")], order=order,
                             facts=compute_order_facts(shop.rules, order, now), hits=[], language="zh", now=now)
        assert plan.questions[0].kind is QuestionKind.logistics
        assert (plan.order.ship_cutoff, plan.order.ship_days_from_today) == ("16:00", days)


def test_before_an_order_a_named_product_the_shop_excludes_from_no_reason_returns_is_stated_so() -> None:
    shop = load_shop_knowledge("demo")
    builder = PlanBuilder(FactFinder(HashingEmbedder()))
    excluded = next(d for d in shop.docs.values() if d.meta.category and d.meta.type.value == "product")
    shop_rules = shop.rules.model_copy(update={"no_reason_excluded_categories": [excluded.meta.category]})
    narrowed = shop.model_copy(update={"rules": shop_rules})
    now = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
    facts = compute_order_facts(shop_rules, None, now)
    asked = [Turn(role="customer", text=f"{excluded.meta.sku}买了不喜欢能退吗")]
    found = builder.presale_facts(narrowed, asked, facts, None)
    assert found.excluded_categories == [excluded.meta.category] and len(found.excluded_items) == 1
    assert builder.presale_facts(narrowed, [Turn(role="customer", text="你好")], facts, None) == facts


@pytest.mark.parametrize(("text", "polarity"), [
    ("AB3 能戴着游泳吗?", "no"),            # the FAQ says it in words ("不能戴着洗澡游泳")
    ("Can I swim with the AirBeat 3?", "no"),  # no English line says so: IPX4 is below what swimming needs
    ("AB3 下雨天跑步戴可以吗?", "yes"),       # rain needs IPX4: the rating covers it
])
def test_a_capability_question_is_answered_by_the_products_rated_level(text: str, polarity: str) -> None:
    question = _plan([Turn(role="customer", text=text)]).questions[0]
    assert question.answer.polarity == polarity
    assert any("IPX4" in (e.value or e.text) for e in question.answer.evidence)


def test_an_accident_that_happened_gets_the_documents_advice_not_a_verdict_from_the_level() -> None:
    question = _plan([Turn(role="customer", text="AB3 掉水里了还能用吗?")]).questions[0]
    assert question.answer.polarity != "no"
