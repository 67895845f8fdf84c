"""The deterministic writer: what a rendered plan says, given the plan."""

from __future__ import annotations

from datetime import datetime

from service.drafting.composer import Composer
from service.drafting.plan_writer import PlanWriter
from service.evaluation.shops import load_shop_knowledge
from service.planning.glossary import Glossary
from service.planning.models import Answer, AnswerPlan, Evidence, OrderState, Question, QuestionKind
from service.policy.facts import compute_order_facts
from service.settings import PROJECT_ROOT


def _writer() -> PlanWriter:
    prompts = PROJECT_ROOT / "prompts"
    return PlanWriter(prompts / "plan_writer.yaml", Glossary(prompts / "glossary_en.yaml"),
                      Composer(prompts / "composer.yaml"))


def _write(plan: AnswerPlan) -> str:
    shop = load_shop_knowledge("demo")
    facts = compute_order_facts(shop.rules, None, datetime.fromisoformat("2026-11-20T10:00:00+08:00"))
    return _writer().write(plan, facts=facts, rules=shop.rules, hits=[], product="")[0].text


def _logistics_plan(*questions: Question, language: str = "zh") -> AnswerPlan:
    return AnswerPlan(language=language, questions=list(questions), tone="apologetic",  # type: ignore[arg-type]
                      request_kind=QuestionKind.logistics, request_intent="logistics",
                      order=OrderState(status="shipped", decision="check_logistics"))


def test_a_complaint_beside_an_order_state_the_writer_renders_opens_with_the_apology() -> None:
    stuck = Question(text="物流一直没动", kind=QuestionKind.logistics, intent="logistics",
                     answer=Answer(status="answered"))
    angry = Question(text="你们管不管", kind=QuestionKind.complaint, intent="quality", answer=Answer(status="answered"))
    text = _write(_logistics_plan(stuck, angry))
    assert text.startswith("亲,真的非常抱歉")
    assert "24小时内" in text  # the shipped-order answer is still there
    assert "确认一下具体信息" not in text  # not the composer's bare "let me check" for a decision it does not own


def test_a_complaint_the_composer_owns_keeps_its_rule_block() -> None:
    broken = Question(text="耳机一边没声音了", kind=QuestionKind.complaint, intent="quality",
                      answer=Answer(status="answered"))
    plan = AnswerPlan(language="zh", questions=[broken], tone="apologetic", request_kind=QuestionKind.complaint,
                      request_intent="quality", order=OrderState(status="delivered", decision="quality_return"))
    assert "照片" in _write(plan)


def test_the_price_stays_firm_without_suggesting_a_private_price_change() -> None:
    ask = Question(text="能便宜点吗", kind=QuestionKind.bargain, intent="bargain", answer=Answer(status="answered"))
    for language in ("zh", "en"):
        plan = AnswerPlan(language=language, questions=[ask], request_kind=QuestionKind.bargain,  # type: ignore[arg-type]
                          request_intent="bargain", order=OrderState(decision="decline_bargain"))
        text = _write(plan)
        assert ("统一定价" in text and "单独改价" not in text) if language == "zh" else "individually" not in text


def test_an_english_rule_block_glosses_the_shops_chinese_condition() -> None:
    from service.policy.rules import NoReasonCondition

    shop = load_shop_knowledge("demo")
    facts = compute_order_facts(shop.rules, None, datetime.fromisoformat("2026-11-20T10:00:00+08:00"))
    facts = facts.model_copy(update={"unmet_conditions": [
        NoReasonCondition(requires="unopened", text="包装袋未拆封")]})
    ask = Question(text="I opened the bag, can I return it?", kind=QuestionKind.policy, intent="return",
                   answer=Answer(status="answered"))
    plan = AnswerPlan(language="en", questions=[ask], request_kind=QuestionKind.policy, request_intent="return",
                      order=OrderState(status="delivered", decision="return_no_reason_condition_unmet"))
    text = _writer().write(plan, facts=facts, rules=shop.rules, hits=[], product="")[0].text
    assert "unopened" in text and "未拆封" not in text


def test_a_fact_two_questions_share_is_stated_once() -> None:
    battery = Evidence(kind="spec", text="续航: 单次 6 小时", key="续航", value="单次 6 小时", product="AirBeat 3",
                       doc_id="earbuds-ab3", chunk_id="earbuds-ab3#1")
    rating = Evidence(kind="spec", text="防水等级: IPX4", key="防水等级", value="IPX4", product="AirBeat 3",
                      doc_id="earbuds-ab3", chunk_id="earbuds-ab3#1")
    swim = Question(text="Can I swim with it?", kind=QuestionKind.product_fact, intent="product",
                    answer=Answer(status="answered", evidence=[battery, rating]))
    hours = Question(text="How long does the battery last?", kind=QuestionKind.product_fact, intent="product",
                     answer=Answer(status="answered", evidence=[battery]))
    plan = AnswerPlan(language="en", questions=[swim, hours], request_kind=QuestionKind.product_fact,
                      request_intent="product", order=OrderState(decision="answer"))
    text = _write(plan)
    assert text.count("6 hours") == 1 and "IPX4" in text


def test_a_comparison_answered_by_each_products_own_sentence_names_each_product_once() -> None:
    walnut = Evidence(kind="faq", text="没有烤,是原味生核桃。", key="是烤过的吗?", value="没有烤,是原味生核桃。",
                      product="纸皮核桃 W2", doc_id="walnut-w2", chunk_id="walnut-w2#2")
    nuts = Evidence(kind="spec", text="工艺: 坚果低温烘烤", key="工艺", value="坚果低温烘烤, 不油炸", product="每日坚果 N1",
                    doc_id="nuts-n1", chunk_id="nuts-n1#1")
    question = Question(text="纸皮核桃和每日坚果哪个是烤过的?", kind=QuestionKind.comparison, intent="product",
                        products=["walnut-w2", "nuts-n1"], answer=Answer(status="answered", evidence=[walnut, nuts]))
    plan = AnswerPlan(language="zh", questions=[question], request_kind=QuestionKind.product_fact,
                      request_intent="product", order=OrderState(decision="answer"))
    text = _write(plan)
    assert "工艺:每日坚果 N1 坚果低温烘烤" in text
    assert "纸皮核桃 W2 没有烤,是原味生核桃" in text and ":纸皮核桃" not in text  # no empty key before it
