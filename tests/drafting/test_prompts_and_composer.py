from __future__ import annotations

from datetime import datetime

import pytest

from service.drafting.composer import Composer
from service.drafting.llm_client import parse_drafts
from service.drafting.prompt import PromptLibrary
from service.errors import TemplateMissingVariables
from service.guards.base import Turn
from service.planning.models import AnswerPlan, OrderState
from service.policy.decision import DECISIONS
from service.policy.facts import compute_order_facts
from service.policy.rules import LAW_DEFAULTS, ShopRules
from service.settings import PROJECT_ROOT

PROMPTS = PROJECT_ROOT / "prompts"


def test_every_prompt_renders_with_its_variables() -> None:
    library = PromptLibrary(PROMPTS)
    facts = compute_order_facts(LAW_DEFAULTS, None, datetime(2026, 11, 10, 10, 0))
    variables = {
        "draft_system.md": {},
        "draft_user.md": {"plan": AnswerPlan(language="zh", questions=[], order=OrderState(decision="answer")),
                          "plan_lines": ["问:防水吗 → [earbuds-ab3#1] 防水等级: IPX4"],
                          "facts_lines": facts.summary_lines(), "reference": "亲,您好",
                          "conversation": [Turn(role="customer", text="你好")], "n": 2},
        "draft_repair.md": {"violations": [], "reply": "r"},
    }
    for name in library.names():
        if name in variables:
            assert library.render(name, **variables[name])
    with pytest.raises(TemplateMissingVariables):
        library.render("draft_user.md", plan_lines=[])


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("decision", DECISIONS)
def test_composer_has_a_template_for_every_decision_and_uses_the_shops_numbers(decision: str, language: str) -> None:
    composer = Composer(PROMPTS / "composer.yaml")
    assert decision in composer.decisions(language)
    rules = ShopRules(no_reason_return_days=15, refund_within_days=2, compensation_limit_yuan=50,
                      no_reason_excluded_categories=("定制商品",))
    facts = compute_order_facts(rules, None, datetime(2026, 11, 10, 10, 0))
    drafts = composer.compose(decision=decision, facts=facts, rules=rules, query="q", hits=[], language=language)
    assert drafts and all(d.text for d in drafts)
    joined = " ".join(d.text for d in drafts)
    if decision == "return_no_reason_open":
        assert "15" in joined and "7天" not in joined


def test_parse_drafts_reads_json_and_falls_back_to_lines() -> None:
    parsed = parse_drafts('```json\n{"drafts":[{"text":"您好,可以退的哦亲","citations":["a#1"]},{"text":"亲亲,支持无理由退货","citations":[]}]}\n```')
    assert [p.text for p in parsed] == ["您好,可以退的哦亲", "亲亲,支持无理由退货"] and parsed[0].citations == ["a#1"]
    assert [p.text for p in parse_drafts("1. 亲,您好,这款耳机支持防水\n2. 您好,支持的哦亲")] == [
        "亲,您好,这款耳机支持防水", "您好,支持的哦亲"]


def test_parse_drafts_drops_format_echoes_and_fragments() -> None:
    parsed = parse_drafts('{"drafts":[{"text":"回复1"},{"text":"回复"},{"text":"亲,您好,签收7天内可以退货的哦"}]}')
    assert [p.text for p in parsed] == ["亲,您好,签收7天内可以退货的哦"]
