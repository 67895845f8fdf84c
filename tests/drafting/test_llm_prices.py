"""Zero prices for what litellm cannot price: its per-call cost lookup stays a hit, known prices stay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import litellm
import pytest
import respx

from service.drafting.llm_client import LiteLLMClient
from service.drafting.llm_prices import register_zero_prices, unpriced
from service.settings import LLMDeployment, LLMSettings

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("litellm_over_httpx")]
BASE = "http://prices.llm.test/v1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def completion(model: str) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "在的"}}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}}


def test_only_models_without_a_price_get_a_zero_price() -> None:
    assert unpriced(litellm, "openai/kefu-test-unmapped-model")
    assert not unpriced(litellm, "openai/gpt-4o-mini")
    registered = register_zero_prices(litellm, ["kefu-gate/test-0"],
                                      ["openai/kefu-test-unmapped-model", "openai/gpt-4o-mini"])
    assert registered == ["kefu-gate/test-0", "openai/kefu-test-unmapped-model"]
    assert not unpriced(litellm, "openai/kefu-test-unmapped-model")
    assert litellm.get_model_info("openai/kefu-test-unmapped-model")["input_cost_per_token"] == 0.0
    assert litellm.get_model_info("openai/gpt-4o-mini")["input_cost_per_token"] > 0  # a known price is kept


@respx.mock(assert_all_mocked=True)
async def test_a_priced_model_is_still_priced_and_an_unpriced_one_costs_zero(respx_mock: respx.MockRouter,
                                                                           tmp_path: Path) -> None:
    respx_mock.post(f"{BASE}/chat/completions").mock(side_effect=lambda request: httpx.Response(
        200, json=completion("m")))
    for model, priced in (("openai/gpt-4o-mini", True), ("openai/kefu-test-selfhosted", False)):
        llm = LiteLLMClient(LLMSettings(mode="litellm", num_retries=0, deployments=[
            LLMDeployment(name="p", model=model, api_base=BASE)]), tmp_path)
        reply = await llm.acomplete([{"role": "user", "content": "在吗"}])
        assert reply.text == "在的"
        if priced:  # 1000 prompt + 100 completion tokens at gpt-4o-mini's listed price
            info = litellm.get_model_info(model)
            assert reply.cost_usd == pytest.approx(1000 * info["input_cost_per_token"]
                                                   + 100 * info["output_cost_per_token"])
        else:
            assert reply.cost_usd == 0.0
            assert not unpriced(litellm, model)
            gate = llm.gates()[0].target.gate_id
            assert litellm.get_model_info(f"kefu-gate/{gate}")["output_cost_per_token"] == 0.0
