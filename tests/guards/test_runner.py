"""The registry, the runner, and the suggestion contract (a suggestion repairs its span in place)."""

from __future__ import annotations

import pytest

from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.blame import BlameGuard
from service.guards.registry import build_guards, default_runner, enabled_guard_names
from service.guards.runner import GuardRunner
from tests.guards.shops import make_ctx, order


def test_guards_yaml_enables_the_rule_guards_and_the_tone_layer_and_not_the_judge() -> None:
    rules = ["refund_rule", "false_promise", "blame", "platform_rule", "ungrounded_fact", "expired_offer"]
    assert enabled_guard_names() == [*rules, "tone"]
    assert [g.name for g in build_guards()] == rules  # the tone guard needs its model and embedder, given


def test_the_tone_guard_is_added_only_when_given() -> None:
    class Tone:
        name = "tone"

        def check(self, ctx: GuardContext) -> list[Violation]:
            return []

    assert [g.name for g in build_guards(["blame", "tone"], tone=Tone())] == ["blame", "tone"]
    assert [g.name for g in default_runner(tone=Tone()).guards][-1] == "tone"


def test_build_guards_takes_a_subset_and_refuses_unknown_names() -> None:
    assert [g.name for g in build_guards(["blame"])] == ["blame"]
    with pytest.raises(ValueError, match="unknown guard"):
        build_guards(["no_such_guard"])


def test_the_judge_is_added_only_when_given() -> None:
    class Judge:
        name = "llm_judge"

        def check(self, ctx: GuardContext) -> list[Violation]:
            return []

    assert "llm_judge" not in [g.name for g in build_guards(["blame", "llm_judge"])]
    assert [g.name for g in build_guards(["blame", "llm_judge"], judge=Judge())] == ["blame", "llm_judge"]
    assert "llm_judge" in [g.name for g in default_runner(judge=Judge()).guards]


def test_runner_reports_every_category_and_fails_on_errors() -> None:
    reply = "亲,您自己没看清楚详情页,加我微信私下退给您,保证明天到。"
    result = default_runner().check(make_ctx("short_refunds", reply))
    assert not result.passed
    assert {v.category for v in result.violations} == {Category.blame, Category.platform_rule, Category.false_promise}
    assert [v.span[0] for v in result.violations] == sorted(v.span[0] for v in result.violations)


def test_runner_passes_a_reply_with_only_warnings() -> None:
    result = default_runner().check(make_ctx("short_refunds", "亲,这是国家级品质。"))
    assert result.passed
    assert [v.severity for v in result.violations] == [Severity.warning]


def test_runner_reports_a_duplicate_rule_and_span_once() -> None:
    runner = GuardRunner([BlameGuard(), BlameGuard()])
    result = runner.check(make_ctx("short_refunds", "你懂不懂啊"))
    assert len(result.violations) == 1


def test_a_clean_reply_passes() -> None:
    reply = "亲,签收后7天内可以无理由退货,您是第6天,寄回运费需要您承担。"
    result = default_runner().check(make_ctx("short_refunds", reply, order("SB1", "耳机")))
    assert result.passed and result.violations == []


REPAIRABLE = [
    ("short_refunds", "亲,我们店支持15天无理由退货,放心申请。", order("SB1", "耳机")),
    ("short_refunds", "亲,实在抱歉,补偿您50元。", None),
    ("short_refunds", "亲,放心,保证明天到。", None),
    ("short_refunds", "亲,给您双倍赔偿!", None),
    ("short_refunds", "亲,今天已经是第8天了,抓紧申请。", order("SB1", "耳机")),
    ("long_returns", "亲,本店是7天无理由,您抓紧。", order("CD2", "帐篷")),
]


@pytest.mark.parametrize(("shop", "reply", "order_data"), REPAIRABLE)
def test_suggestions_repair_their_span(shop: str, reply: str, order_data: dict[str, object] | None) -> None:
    runner = default_runner()
    violations = [v for v in runner.check(make_ctx(shop, reply, order_data)).violations if v.suggestion]
    assert violations, "expected a violation with a suggestion"
    repaired = reply
    for v in sorted(violations, key=lambda v: v.span[0], reverse=True):
        assert v.suggestion is not None
        repaired = repaired[: v.span[0]] + v.suggestion + repaired[v.span[1] :]
    fixed_rules = {v.rule for v in violations}
    remaining = runner.check(make_ctx(shop, repaired, order_data)).violations
    assert not fixed_rules & {v.rule for v in remaining}, (repaired, [v.rule for v in remaining])
