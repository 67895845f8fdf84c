"""POST /v1/drafts when LLM deployments fail: a fallback answers, or deterministic drafts come back degraded.

Never a 5xx. The LLM's HTTP boundary is mocked with respx.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from service.api.schemas import DraftResponse
from service.app import create_app
from service.settings import LLMDeployment, LLMSettings, Settings
from tests.api.test_drafts_api import ANGRY_12_DAYS

A = "http://a.llm.test/v1"
B = "http://b.llm.test/v1"
GOOD = json.dumps({"drafts": [{"text": "亲,非常抱歉!质量问题签收15天内可以为您换货,来回运费我们承担。",
                               "citations": ["policy-returns#0"]}]}, ensure_ascii=False)


pytestmark = pytest.mark.usefixtures("litellm_over_httpx")


def completion(content: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130}}


def with_deployments(settings: Settings, *deployments: LLMDeployment, **llm: Any) -> Settings:
    options: dict[str, Any] = {"mode": "litellm", "num_retries": 0, "deadline_s": 10.0, **llm}
    return settings.model_copy(update={"llm": LLMSettings(deployments=list(deployments), **options)})


def post(settings: Settings) -> tuple[int, DraftResponse]:
    with TestClient(create_app(settings)) as client:
        raw = client.post("/v1/drafts", json={**ANGRY_12_DAYS, "use_llm": True})
    return raw.status_code, DraftResponse.model_validate(raw.json())


@respx.mock(assert_all_mocked=True)
def test_primary_down_the_fallback_drafts(respx_mock: respx.MockRouter, settings: Settings) -> None:
    respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(500, json={"error": "down"}))
    respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(200, json=completion(GOOD)))

    status, response = post(with_deployments(settings, LLMDeployment(name="a", model="openai/a", api_base=A),
                                             LLMDeployment(name="b", model="openai/b", api_base=B)))

    assert status == 200 and not response.degraded
    assert response.model == "openai/b"
    assert any(d.source == "llm" for d in response.drafts)


@respx.mock(assert_all_mocked=True)
def test_llm_timeout_degrades(respx_mock: respx.MockRouter, settings: Settings) -> None:
    calls = 0

    async def stall(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 1:  # the first call answers (it also sets the deployment's HTTP client up)
            await asyncio.sleep(10)
        return httpx.Response(200, json=completion(GOOD))

    respx_mock.post(f"{A}/chat/completions").mock(side_effect=stall)
    body = {**ANGRY_12_DAYS, "use_llm": True}
    llm = with_deployments(settings, LLMDeployment(name="a", model="openai/a", api_base=A, timeout_s=1.0))
    with TestClient(create_app(llm)) as client:
        assert not DraftResponse.model_validate(client.post("/v1/drafts", json=body).json()).degraded
        raw = client.post("/v1/drafts", json=body)

    response = DraftResponse.model_validate(raw.json())
    assert raw.status_code == 200 and response.degraded
    assert "deterministic drafts only" in (response.degraded_reason or "")
    assert response.drafts and all(d.source == "composer" for d in response.drafts)
    assert response.timings_ms["llm"] < 4000


@pytest.mark.parametrize("body", [
    httpx.Response(200, text="<html>502 Bad Gateway</html>"),  # not a chat completion at all
    httpx.Response(200, json=completion("}{ ok")),  # a chat completion with no usable draft in it
])
def test_malformed_llm_output_degrades(body: httpx.Response, settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(f"{A}/chat/completions").mock(return_value=body)
        status, response = post(with_deployments(settings, LLMDeployment(name="a", model="openai/a", api_base=A)))

    assert status == 200 and response.degraded and response.degraded_reason
    assert response.drafts and response.drafts[0].guard.passed
    assert response.model == "composer"
