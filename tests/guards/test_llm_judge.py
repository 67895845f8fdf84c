"""The optional LLM judge, through litellm, with the HTTP boundary mocked by respx."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from service.errors import GuardUnavailable, TemplateMissingVariables
from service.guards.base import Category, Severity
from service.guards.blame import BlameGuard
from service.guards.llm_judge import DEFAULT_TEMPLATE, LLMJudgeGuard
from service.guards.runner import GuardRunner
from tests.guards.shops import make_ctx, order

URL = "http://llm.test/v1/chat/completions"
REPLY = "亲,耳机肯定没问题的,您放心用,坏了包换一辈子。"


def _judge(template: Path = DEFAULT_TEMPLATE) -> LLMJudgeGuard:
    return LLMJudgeGuard(
        model="openai/test", api_base="http://llm.test/v1", api_key="test-key", template_path=template, timeout_s=5
    )


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "test",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


@respx.mock
def test_findings_become_warnings_with_spans() -> None:
    answer = json.dumps(
        [
            {
                "category": "false_promise",
                "quote": "坏了包换一辈子",
                "message": "承诺终身包换,超出保修政策",
                "suggestion": "坏了按保修政策处理",
            }
        ],
        ensure_ascii=False,
    )
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=_completion(answer)))
    found = _judge().check(make_ctx("short_refunds", REPLY, order("SB1", "耳机")))
    assert route.called
    prompt = json.loads(route.calls.last.request.content)["messages"][0]["content"]
    assert REPLY in prompt and "7 天无理由退货" in prompt and "补偿上限 20 元" in prompt
    [violation] = found
    assert violation.category is Category.false_promise
    assert violation.severity is Severity.warning
    assert REPLY[violation.span[0] : violation.span[1]] == "坏了包换一辈子"
    assert violation.suggestion == "坏了按保修政策处理"


@respx.mock
def test_an_empty_list_means_clean() -> None:
    respx.post(URL).mock(return_value=httpx.Response(200, json=_completion("[]")))
    assert _judge().check(make_ctx("short_refunds", "亲,您好,有什么可以帮您?")) == []


@respx.mock
def test_a_quote_not_in_the_reply_covers_the_whole_reply_without_suggestion() -> None:
    answer = '[{"category": "blame", "quote": "不存在的句子", "message": "语气生硬", "suggestion": "x"}]'
    respx.post(URL).mock(return_value=httpx.Response(200, json=_completion(answer)))
    [violation] = _judge().check(make_ctx("short_refunds", REPLY))
    assert violation.span == (0, len(REPLY)) and violation.suggestion is None


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, json={"error": {"message": "boom"}}),
        httpx.Response(429, json={"error": {"message": "slow down"}}),
        httpx.Response(200, json=_completion("I think the reply is fine.")),
        httpx.Response(200, json=_completion("[{broken json")),
    ],
)
@respx.mock
def test_a_judge_failure_is_raised_and_marks_the_result_degraded(
    response: httpx.Response, caplog: pytest.LogCaptureFixture
) -> None:
    route = respx.post(URL).mock(return_value=response)
    judge = _judge()
    with pytest.raises(GuardUnavailable):
        judge.check(make_ctx("short_refunds", REPLY))
    assert route.called  # the request reached the HTTP boundary: litellm is installed and called
    runner = GuardRunner([BlameGuard(), judge])
    with caplog.at_level(logging.WARNING, logger="service.guards.runner"):
        result = runner.check(make_ctx("short_refunds", "亲,您自己没看清楚详情页。"))
    assert result.degraded and result.degraded_reason is not None and "llm_judge" in result.degraded_reason
    assert {v.category for v in result.violations} == {Category.blame}  # the other guards still ran
    assert not result.passed
    assert runner.failures["llm_judge"] == 1
    assert any("llm_judge unavailable" in r.getMessage() for r in caplog.records)


@respx.mock
def test_an_http_500_gives_a_degraded_result_that_still_passes_a_clean_reply() -> None:
    respx.post(URL).mock(return_value=httpx.Response(500, json={"error": {"message": "boom"}}))
    result = GuardRunner([_judge()]).check(make_ctx("short_refunds", "亲,您好,有什么可以帮您?"))
    assert result.passed and result.degraded and result.violations == []


@respx.mock
def test_an_item_with_an_unknown_category_is_skipped_not_a_failure() -> None:
    answer = '[{"category": "not_a_category", "message": "x"}]'
    route = respx.post(URL).mock(return_value=httpx.Response(200, json=_completion(answer)))
    assert _judge().check(make_ctx("short_refunds", REPLY)) == []
    assert route.called


@respx.mock
def test_a_network_error_is_a_failure() -> None:
    respx.post(URL).mock(side_effect=httpx.ConnectError("no route"))
    with pytest.raises(GuardUnavailable, match="openai/test"):
        _judge().check(make_ctx("short_refunds", REPLY))


def test_a_missing_litellm_is_a_failure_that_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)  # `import litellm` now raises ImportError
    with pytest.raises(GuardUnavailable, match="litellm"):
        _judge().check(make_ctx("short_refunds", REPLY))


def test_the_template_renders_with_the_three_variables() -> None:
    prompt = _judge().render(make_ctx("long_returns", REPLY, order("CD2", "帐篷")))
    assert "15 天无理由退货" in prompt and "店铺" in prompt and REPLY in prompt and "{{" not in prompt


def test_a_template_with_an_unknown_variable_fails_loudly(tmp_path: Path) -> None:
    template = tmp_path / "judge.md"
    template.write_text("{{ reply }} {{ shop_name }}", encoding="utf-8")
    with pytest.raises(TemplateMissingVariables, match="shop_name"):
        _judge(template).render(make_ctx("short_refunds", REPLY))
