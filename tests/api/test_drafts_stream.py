"""POST /v1/drafts with "stream": true: server-sent events; the LLM's streaming HTTP is faked with respx."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from service.api.schemas import DraftResponse
from service.app import create_app
from service.drafting.models import Draft
from service.settings import LLMSettings, Settings
from tests.api.test_drafts_api import ANGRY_12_DAYS

URL = "http://llm.test/v1/chat/completions"
GOOD = "亲,非常抱歉!质量问题签收15天内可以为您换货,来回运费我们承担。"
BLAME = "这是你自己使用不当造成的,我们不负责。"
ANSWER = json.dumps({"drafts": [{"text": GOOD, "citations": ["policy-returns#0", "made-up#9"]},
                                {"text": BLAME, "citations": []}]}, ensure_ascii=False)

pytestmark = pytest.mark.usefixtures("litellm_over_httpx")


def llm_settings(settings: Settings, **llm: Any) -> Settings:
    return settings.model_copy(update={"llm": LLMSettings(
        mode="litellm", model="openai/test-model", api_base="http://llm.test/v1", api_key="x", timeout_s=5,
        num_retries=0, **llm)})


def sse_chunk(content: str) -> bytes:
    chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "test-model",
             "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


class SlowBody(httpx.AsyncByteStream):
    """The model's SSE answer; after the first `hold_after` pieces it waits until the test says go on."""

    def __init__(self, parts: list[str], *, hold_after: int | None = None,
                 go_on: threading.Event | None = None, stall: bool = False) -> None:
        self.parts, self.hold_after, self.go_on, self.stall = parts, hold_after, go_on, stall

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for i, part in enumerate(self.parts):
            if i == self.hold_after and self.go_on is not None:
                while not self.go_on.is_set():
                    await asyncio.sleep(0.01)
            yield sse_chunk(part)
        if self.stall:
            await asyncio.sleep(30)
        yield b"data: [DONE]\n\n"


def events(lines: Iterator[str]) -> Iterator[dict[str, Any] | str]:
    for line in lines:
        if line.startswith("data: "):
            payload = line[len("data: "):]
            yield payload if payload == "[DONE]" else json.loads(payload)


def read_all(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any] | str]:
    with client.stream("POST", "/v1/drafts", json=body) as raw:
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("text/event-stream")
        return list(events(raw.iter_lines()))


def completion(content: str) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "c2", "object": "chat.completion", "created": 1, "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 30, "total_tokens": 130}})


FIXED = "亲,给您添麻烦了,非常抱歉!麻烦您拍下问题的照片发给我们,我们马上为您处理。"


def test_deterministic_drafts_then_llm_tokens_as_they_come_then_the_verdict(settings: Settings) -> None:
    go_on = threading.Event()
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(URL).mock(side_effect=[
            httpx.Response(200, headers={"content-type": "text/event-stream"},
                           stream=SlowBody(pieces(ANSWER), hold_after=4, go_on=go_on)),
            completion(json.dumps({"drafts": [{"text": FIXED, "citations": []}]}, ensure_ascii=False)),
        ])
        with TestClient(create_app(llm_settings(settings))) as client:
            seen: list[dict[str, Any] | str] = []
            with client.stream("POST", "/v1/drafts", json={**ANGRY_12_DAYS, "use_llm": True, "stream": True,
                                                           "n": 4}) as raw:
                for event in events(raw.iter_lines()):
                    seen.append(event)
                    if isinstance(event, dict) and event["type"] == "delta":
                        go_on.set()  # the first text is on screen while the model is still held back
                        assert not any(isinstance(e, dict) and e["type"] == "draft" and e["draft"]["source"] == "llm"
                                       for e in seen)
    assert go_on.is_set(), "no delta before the model finished"
    assert seen[-1] == "[DONE]"
    kinds = [e["type"] for e in seen[:-1] if isinstance(e, dict)]
    assert kinds[0] == "meta" and kinds[-1] == "done"
    first_delta = kinds.index("delta")
    assert kinds[1:first_delta] and set(kinds[1:first_delta]) == {"draft"}, "deterministic drafts come first"
    drafts = [e for e in seen if isinstance(e, dict) and e["type"] == "draft"]
    finals = {e["index"]: e for e in drafts}  # the last event of an index is the one that counts
    composer = [e for e in finals.values() if e["draft"]["source"] == "composer"]
    assert composer and all(Draft.model_validate(e["draft"]).text for e in composer)
    streamed: dict[int, str] = {}
    for e in seen:
        if isinstance(e, dict) and e["type"] == "delta":
            streamed[e["index"]] = streamed.get(e["index"], "") + e["choices"][0]["delta"]["content"]
    assert sorted(streamed.values()) == sorted([GOOD, BLAME]), "the deltas are the drafts' text, not the JSON"
    good_index = next(i for i, t in streamed.items() if t == GOOD)
    blame_index = next(i for i, t in streamed.items() if t == BLAME)
    good = finals[good_index]
    assert good["draft"]["source"] == "llm" and not good["blocked"]
    assert [c["chunk_id"] for c in good["draft"]["citations"]] == ["policy-returns#0"]
    blame, fixed = [e for e in drafts if e["index"] == blame_index]
    assert blame["blocked"] and not blame["draft"]["guard"]["passed"], "marked before anyone could copy it"
    assert any(v["category"] == "blame" for v in blame["draft"]["guard"]["violations"])
    assert fixed["draft"]["text"] == FIXED and fixed["draft"]["repaired"] and not fixed["blocked"]
    repair_prompt = json.loads(route.calls[1].request.content)["messages"][-1]["content"]
    assert BLAME in repair_prompt, "the LLM is told what to fix"
    assert seen[-2]["model"] == "openai/test-model"  # type: ignore[index]


def test_llm_timeout_ends_the_stream_cleanly_with_degraded(settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(URL).mock(side_effect=lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=SlowBody(pieces(ANSWER)[:5], stall=True)))
        with TestClient(create_app(llm_settings(settings, deadline_s=1.5))) as client:
            seen = read_all(client, {**ANGRY_12_DAYS, "use_llm": True, "stream": True})
    kinds = [e["type"] for e in seen if isinstance(e, dict)]
    assert seen[-1] == "[DONE]" and kinds[-1] == "done"
    assert "degraded" in kinds and "within 1.5 s" in next(e["reason"] for e in seen
                                                           if isinstance(e, dict) and e["type"] == "degraded")
    discarded = {e["index"] for e in seen if isinstance(e, dict) and e["type"] == "discard"}
    deltas = {e["index"] for e in seen if isinstance(e, dict) and e["type"] == "delta"}
    assert deltas and discarded == deltas, "half-written LLM text is taken back"
    assert all(e["draft"]["source"] == "composer" for e in seen if isinstance(e, dict) and e["type"] == "draft")


def test_llm_error_degrades_and_the_deterministic_drafts_stand(settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(URL).mock(return_value=httpx.Response(500, json={"error": "down"}))
        with TestClient(create_app(llm_settings(settings))) as client:
            seen = read_all(client, {**ANGRY_12_DAYS, "use_llm": True, "stream": True})
    kinds = [e["type"] for e in seen if isinstance(e, dict)]
    assert kinds[0] == "meta" and "draft" in kinds and kinds[-2:] == ["degraded", "done"] and seen[-1] == "[DONE]"


def test_without_llm_the_stream_has_the_deterministic_drafts_only(client: TestClient) -> None:
    seen = read_all(client, {**ANGRY_12_DAYS, "stream": True})
    kinds = [e["type"] for e in seen if isinstance(e, dict)]
    assert kinds[0] == "meta" and kinds[-1] == "done" and "degraded" not in kinds
    drafts = [e for e in seen if isinstance(e, dict) and e["type"] == "draft"]
    assert [e["index"] for e in drafts] == list(range(len(drafts)))
    plain = DraftResponse.model_validate(client.post("/v1/drafts", json=ANGRY_12_DAYS).json())
    assert drafts[0]["draft"]["text"] == plain.drafts[0].text, "the stream's deterministic drafts are the same"


def test_unknown_shop_is_a_404_not_a_broken_stream(client: TestClient) -> None:
    raw = client.post("/v1/drafts", json={**ANGRY_12_DAYS, "shop_id": "nope", "stream": True})
    assert raw.status_code == 404 and "nope" in raw.json()["message"]


def test_a_repair_that_still_fails_stays_blocked(settings: Settings) -> None:
    blaming = completion(json.dumps({"drafts": [{"text": BLAME, "citations": []}]}, ensure_ascii=False))
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post(URL).mock(side_effect=[
            httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=SlowBody(pieces(ANSWER))),
            blaming, blaming])
        with TestClient(create_app(llm_settings(settings))) as client:
            seen = read_all(client, {**ANGRY_12_DAYS, "use_llm": True, "stream": True, "n": 4})
    assert route.call_count == 3  # the stream, then max_repairs (2) rounds
    finals = {e["index"]: e for e in seen if isinstance(e, dict) and e["type"] == "draft"}
    blocked = [e for e in finals.values() if e["draft"]["text"] == BLAME]
    assert blocked and all(e["blocked"] for e in blocked)
