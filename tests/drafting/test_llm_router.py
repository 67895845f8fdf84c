"""The LLM client: async calls through litellm's Router, per-deployment gates, deadlines, fallbacks.

The HTTP boundary is mocked with respx (litellm's httpx transport, so respx sees async calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import litellm
import pytest
import respx

from service.drafting.llm_client import LiteLLMClient
from service.errors import LLMError
from service.settings import LLMDeployment, LLMSettings

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("litellm_over_httpx")]

A = "http://a.llm.test/v1"
B = "http://b.llm.test/v1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"




def completion(content: str, model: str = "m") -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}}


def client(tmp_path: Path, *deployments: LLMDeployment, **settings: Any) -> LiteLLMClient:
    options: dict[str, Any] = {"mode": "litellm", "num_retries": 0, "queue_timeout_s": 5.0, "deadline_s": 10.0}
    options.update(settings)
    return LiteLLMClient(LLMSettings(deployments=list(deployments), **options), tmp_path)


def hosted(name: str, base: str, **kwargs: Any) -> LLMDeployment:
    return LLMDeployment(name=name, model=f"openai/{name}-model", api_base=base, **kwargs)


MESSAGES = [{"role": "user", "content": "在吗"}]


@respx.mock(assert_all_mocked=True)
async def test_one_deployment_down_falls_back_to_the_next(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    down = respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(500, json={"error": "boom"}))
    up = respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(200, json=completion("在的")))
    llm = client(tmp_path, hosted("a", A), hosted("b", B))

    reply = await llm.acomplete(MESSAGES)

    assert reply.text == "在的" and reply.model == "openai/b-model"
    assert down.called and up.call_count == 1
    assert reply.prompt_tokens == 12


@respx.mock(assert_all_mocked=True)
async def test_a_failing_deployment_cools_down_and_is_skipped(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    down = respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(500, json={"error": "boom"}))
    respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(200, json=completion("在的")))
    llm = client(tmp_path, hosted("a", A), hosted("b", B), allowed_fails=1, cooldown_s=60)

    for _ in range(5):
        assert (await llm.acomplete(MESSAGES)).model == "openai/b-model"

    assert down.call_count < 5, "a deployment in cooldown is not called again"


@respx.mock(assert_all_mocked=True)
async def test_every_deployment_failing_raises_llm_error(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(500, json={"error": "boom"}))
    respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(503, json={"error": "busy"}))

    with pytest.raises(LLMError):
        await client(tmp_path, hosted("a", A), hosted("b", B)).acomplete(MESSAGES)


@respx.mock(assert_all_mocked=True)
async def test_malformed_answer_is_an_llm_error(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(200, text="<html>gateway</html>"))

    with pytest.raises(LLMError):
        await client(tmp_path, hosted("a", A)).acomplete(MESSAGES)


@respx.mock(assert_all_mocked=True)
async def test_slow_deployment_times_out_and_the_fallback_answers(respx_mock: respx.MockRouter,
                                                                  tmp_path: Path) -> None:
    cancelled = asyncio.Event()
    calls = 0

    async def stall(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first call answers: a deployment's first call also sets up its HTTP client
            return httpx.Response(200, json=completion("在的"))
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return httpx.Response(200, json=completion("too late"))

    respx_mock.post(f"{A}/chat/completions").mock(side_effect=stall)
    respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(200, json=completion("在的")))
    llm = client(tmp_path, hosted("a", A, timeout_s=0.3), hosted("b", B))
    assert (await llm.acomplete(MESSAGES)).model == "openai/a-model"

    started = time.perf_counter()
    reply = await llm.acomplete(MESSAGES)

    assert reply.model == "openai/b-model"
    assert time.perf_counter() - started < 3.0  # 0.3 s, plus b's first-call setup
    assert cancelled.is_set(), "the timed-out HTTP request was cancelled, not left running"


@respx.mock(assert_all_mocked=True)
async def test_deadline_cancels_the_call_in_flight(respx_mock: respx.MockRouter, tmp_path: Path) -> None:
    cancelled = asyncio.Event()
    calls = 0

    async def stall(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first call answers: a deployment's first call also sets up its HTTP client
            return httpx.Response(200, json=completion("在的"))
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return httpx.Response(200, json=completion("too late"))

    respx_mock.post(f"{A}/chat/completions").mock(side_effect=stall)
    llm = client(tmp_path, hosted("a", A, timeout_s=30), deadline_s=0.5)
    await llm.acomplete(MESSAGES, timeout_s=30)

    started = time.perf_counter()
    with pytest.raises(LLMError, match=r"no answer within 0\.5 s"):
        await llm.acomplete(MESSAGES)

    assert time.perf_counter() - started < 3.0
    await asyncio.sleep(0)
    assert cancelled.is_set()
    assert llm.gates()[0].in_flight == 0


@respx.mock(assert_all_mocked=True)
async def test_concurrency_limit_queues_and_the_deadline_starts_after_the_queue(respx_mock: respx.MockRouter,
                                                                                tmp_path: Path) -> None:
    running = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.3)
        running -= 1
        return httpx.Response(200, json=completion("好的"))

    respx_mock.post(f"{A}/chat/completions").mock(side_effect=slow)
    # 8 calls of 0.3 s through 2 slots: the last two queue about 0.9 s, so a 1 s deadline counted
    # from the queue's start would fail them; counted from the call's start it does not.
    llm = client(tmp_path, hosted("a", A, max_concurrency=2, timeout_s=1.0))
    with contextlib.suppress(LLMError):  # the first call also sets up the HTTP client (slow on a busy machine)
        await llm.acomplete(MESSAGES)

    replies = await asyncio.gather(*(llm.acomplete(MESSAGES) for _ in range(8)))

    assert peak == 2
    assert all(r.text == "好的" for r in replies)
    assert max(r.queue_ms for r in replies) >= 800, "queue wait is reported"
    assert max(r.queue_ms + r.call_ms for r in replies) > 1000, "some calls waited longer than the deadline in all"
    assert all(r.call_ms < 1000 for r in replies)


@respx.mock(assert_all_mocked=True)
async def test_queue_wait_is_bounded_then_the_next_deployment_serves(respx_mock: respx.MockRouter,
                                                                     tmp_path: Path) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.5)
        return httpx.Response(200, json=completion("慢"))

    respx_mock.post(f"{A}/chat/completions").mock(side_effect=slow)
    respx_mock.post(f"{B}/chat/completions").mock(return_value=httpx.Response(200, json=completion("快")))
    llm = client(tmp_path, hosted("a", A, max_concurrency=1), hosted("b", B), queue_timeout_s=0.1)

    first, second = await asyncio.gather(llm.acomplete(MESSAGES), llm.acomplete(MESSAGES))

    assert {first.model, second.model} == {"openai/a-model", "openai/b-model"}


class SlowChatServer:
    """A stand-in for the in-process llama.cpp server: blocks its thread, records overlap."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running = 0
        self.peak = 0
        self.calls = 0
        self._lock = threading.Lock()

    def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        return {"id": "x", "created": 1, "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "在的亲"}}]}


async def test_local_model_runs_one_call_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(litellm, "custom_provider_map", [])
    (tmp_path / "m.gguf").write_bytes(b"gguf")
    server = SlowChatServer(0.1)
    llm = LiteLLMClient(LLMSettings(mode="local", local_model_path=tmp_path / "m.gguf", num_retries=0),
                        tmp_path, local_server_factory=lambda _config: server)

    replies = await asyncio.gather(*(llm.acomplete(MESSAGES) for _ in range(3)))

    assert [r.text for r in replies] == ["在的亲"] * 3
    assert server.peak == 1 and server.calls == 3
    assert replies[0].model == "kefu-local/qwen2.5-coder-1.5b"


async def test_an_abandoned_local_call_keeps_its_slot_until_the_thread_is_done(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(litellm, "custom_provider_map", [])
    (tmp_path / "m.gguf").write_bytes(b"gguf")
    server = SlowChatServer(0.4)
    llm = LiteLLMClient(LLMSettings(mode="local", local_model_path=tmp_path / "m.gguf", num_retries=0,
                                    deadline_s=0.1), tmp_path, local_server_factory=lambda _config: server)

    with pytest.raises(LLMError):
        await llm.acomplete(MESSAGES)
    (gate,) = llm.gates()
    assert gate.in_flight == 1, "the worker thread still computes: its slot is not handed out"
    for _ in range(100):  # the thread needs 0.4 s (more on a busy machine)
        if gate.in_flight == 0:
            break
        await asyncio.sleep(0.1)
    assert gate.in_flight == 0
    reply = await llm.acomplete(MESSAGES, timeout_s=5)
    assert reply.text == "在的亲" and server.peak == 1


def test_missing_local_model_is_a_clear_llm_error(tmp_path: Path) -> None:
    llm = LiteLLMClient(LLMSettings(mode="local", local_model_path=tmp_path / "absent.gguf"), tmp_path)

    with pytest.raises(LLMError, match="kefu model fetch"):
        llm.complete(MESSAGES)


def test_deployments_come_from_settings_or_from_the_single_model(tmp_path: Path) -> None:
    single = LiteLLMClient(LLMSettings(mode="litellm", model="openai/x", api_base=A, max_concurrency=7), tmp_path)
    (only,) = single.deployments()
    assert (only.model, only.api_base, only.max_concurrency) == ("openai/x", A, 7)
    local = LiteLLMClient(LLMSettings(mode="local"), tmp_path)
    assert local.deployments()[0].max_concurrency == 1
    assert local.model_name == "kefu-local/qwen2.5-coder-1.5b"


def test_deployments_parse_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.settings import Settings

    monkeypatch.setenv("KEFU_LLM__DEPLOYMENTS", '[{"name": "vllm", "model": "openai/qwen", "api_base": "'
                       + A + '", "api_key_env": "VLLM_KEY", "max_concurrency": 128, "timeout_s": 20},'
                       ' {"name": "local", "model": "kefu-local", "max_concurrency": 1}]')
    settings = Settings()
    first, second = settings.llm.deployments
    assert (first.name, first.max_concurrency, first.api_key_env) == ("vllm", 128, "VLLM_KEY")
    assert (second.model, second.max_concurrency) == ("kefu-local", 1)


@respx.mock(assert_all_mocked=True)
def test_api_key_is_read_from_the_named_environment_variable(respx_mock: respx.MockRouter, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_TEST_LLM_KEY", "sk-from-env")
    route = respx_mock.post(f"{A}/chat/completions").mock(return_value=httpx.Response(200, json=completion("好")))

    client(tmp_path, hosted("a", A, api_key_env="KEFU_TEST_LLM_KEY")).complete(MESSAGES)

    assert route.calls.last.request.headers["authorization"] == "Bearer sk-from-env"
