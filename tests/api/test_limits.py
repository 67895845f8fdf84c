"""Limits keep the server alive: large or deep bodies and oversized fields get a 4xx in the one error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.api.limits import BodyLimitMiddleware, json_depth_exceeds
from service.app import create_app
from service.settings import LimitSettings, Settings

TURN = {"role": "customer", "text": "耳机一边没声音了"}
DRAFT = {"shop_id": "demo", "conversation": [TURN], "use_llm": False}
MB = 1024 * 1024


def _error(response: Any, status: int, where: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["where"] == where and body["message"] and body["error"]
    return body


@pytest.mark.parametrize("size", [2 * MB, 20 * MB])
def test_large_bodies_are_refused_with_413(client: TestClient, size: int) -> None:
    text = "退" * (size // 3)
    response = client.post("/v1/drafts", json={**DRAFT, "conversation": [{"role": "customer", "text": text}]})
    body = _error(response, 413, "body")
    assert "1048576" in body["message"]
    assert client.get("/healthz").status_code == 200  # still alive


def test_deeply_nested_body_is_a_422_not_a_recursion_error(client: TestClient) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/v1/drafts", content=deep, headers={"content-type": "application/json"})
    _error(response, 422, "body")
    nested_in_field = '{"shop_id": "demo", "conversation": ' + "[" * 40 + "]" * 40 + "}"
    _error(client.post("/v1/search", content=nested_in_field, headers={"content-type": "application/json"}),
           422, "body")


def test_a_body_within_the_limits_is_served(client: TestClient) -> None:
    turns = [{"role": "customer", "text": "质量问题能退吗" * 142}] * 8  # 994 chars each, 7952 in all
    response = client.post("/v1/drafts", json={**DRAFT, "conversation": turns})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("path", "body", "where"), [
    ("/v1/drafts", {**DRAFT, "conversation": [{"role": "customer", "text": "x" * 1001}]}, "body.conversation.0.text"),
    ("/v1/drafts", {**DRAFT, "conversation": [TURN] * 101}, "body.conversation"),
    ("/v1/drafts", {**DRAFT, "conversation": [{"role": "customer", "text": "x" * 1000}] * 9}, "body.conversation"),
    ("/v1/drafts", {**DRAFT, "n": 9}, "body.n"),
    ("/v1/drafts", {**DRAFT, "order": {"status": "paid", "items": [{"sku": "A"}] * 51}}, "body.order.items"),
    ("/v1/drafts", {**DRAFT, "order": {"status": "paid", "items": [{"sku": "A", "title": "长" * 201}]}},
     "body.order.items.0.title"),
    ("/v1/search", {"shop_id": "demo", "query": "q" * 4001}, "body.query"),
    ("/v1/search", {"shop_id": "demo", "query": "退货", "k": 51}, "body.k"),
    ("/v1/search", {"shop_id": "demo", "query": "退货", "max_per_doc": 51}, "body.max_per_doc"),
    ("/v1/guard", {"shop_id": "demo", "reply": "好" * 2001}, "body.reply"),
    ("/v1/guard", {"shop_id": "demo", "reply": "好", "conversation": [TURN, {"role": "agent", "text": "y" * 1001}]},
     "body.conversation.1.text"),
])
def test_field_limits_name_the_field(client: TestClient, path: str, body: dict[str, Any], where: str) -> None:
    _error(client.post(path, json=body), 422, where)


def test_document_size_is_limited_on_put(settings: Settings) -> None:
    small = settings.model_copy(update={"limits": LimitSettings(max_doc_bytes=1000)})
    doc = "---\nid: faq-big\ntype: faq\ntitle: 大\n---\n" + "问答" * 600
    with TestClient(create_app(small)) as client:
        response = client.put("/v1/shops/demo/docs/faq-big", content=doc.encode(),
                              headers={"content-type": "text/markdown"})
    body = _error(response, 413, "body")
    assert "1000" in body["message"]


def test_limits_come_from_settings_and_show_in_openapi(settings: Settings) -> None:
    tight = settings.model_copy(update={"limits": LimitSettings(max_message_chars=10, max_n=2, max_body_bytes=2000)})
    with TestClient(create_app(tight)) as client:
        _error(client.post("/v1/drafts", json={**DRAFT, "conversation": [{"role": "customer", "text": "长" * 11}]}),
               422, "body.conversation.0.text")
        _error(client.post("/v1/drafts", json={**DRAFT, "n": 3}), 422, "body.n")
        _error(client.post("/v1/drafts", json={**DRAFT, "pad": "x" * 3000}), 413, "body")
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["Turn"]["properties"]["text"]["maxLength"] == 10
    assert schemas["DraftRequest"]["properties"]["n"]["maximum"] == 2


def test_limits_can_be_raised_above_the_defaults(settings: Settings) -> None:
    wide = settings.model_copy(update={"limits": LimitSettings(max_query_chars=6000, max_reply_chars=3000)})
    with TestClient(create_app(wide)) as client:
        assert client.post("/v1/search", json={"shop_id": "demo", "query": "退货" * 2500}).status_code == 200
        assert client.post("/v1/guard", json={"shop_id": "demo", "reply": "好的" * 1400}).status_code == 200
        _error(client.post("/v1/search", json={"shop_id": "demo", "query": "退" * 6001}), 422, "body.query")


@pytest.mark.parametrize(("text", "limit", "exceeds"), [
    (b'{"a": [[1]]}', 3, False),
    (b'{"a": [[[1]]]}', 3, True),
    (b'{"a": "[[[[[[[[", "b": "\\"[[[["}', 1, False),  # brackets inside strings, escaped quotes
    (b"[" * 50, 49, True),
    (b"", 1, False),
])
def test_json_depth_scan(text: bytes, limit: int, exceeds: bool) -> None:
    assert json_depth_exceeds(text, limit) is exceeds


class _Stream:
    """A client sending `chunks` pieces of `size` bytes; counts how many the server pulled."""

    def __init__(self, chunks: int, size: int) -> None:
        self.left = chunks
        self.size = size
        self.pulled = 0

    async def __call__(self) -> Message:
        self.pulled += 1
        self.left -= 1
        return {"type": "http.request", "body": b"x" * self.size, "more_body": self.left > 0}


def _run(middleware: BodyLimitMiddleware, scope: Scope, receive: Receive) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def _never_called(scope: Scope, receive: Receive, send: Send) -> Iterator[None]:
    raise AssertionError("the app must not see a refused body")


def _scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/v1/drafts", "headers": headers}


def test_streamed_body_is_refused_at_the_limit_without_reading_the_rest() -> None:
    stream = _Stream(chunks=320, size=64 * 1024)  # 20 MB sent without Content-Length
    middleware = BodyLimitMiddleware(_never_called, max_bytes=MB, max_depth=32)  # type: ignore[arg-type]
    sent = _run(middleware, _scope([(b"content-type", b"application/json")]), stream)
    assert sent[0]["status"] == 413
    assert stream.pulled == 17  # 16 chunks fill 1 MB, the 17th passes it; 303 chunks never read


def test_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    stream = _Stream(chunks=1, size=10)
    middleware = BodyLimitMiddleware(_never_called, max_bytes=MB, max_depth=32)  # type: ignore[arg-type]
    sent = _run(middleware, _scope([(b"content-length", str(20 * MB).encode())]), stream)
    assert sent[0]["status"] == 413 and stream.pulled == 0


def test_framework_errors_use_the_same_error_shape(client: TestClient) -> None:
    body = _error(client.get("/v1/nowhere"), 404, "/v1/nowhere")
    assert body["error"] == "HTTPError"
    _error(client.delete("/v1/drafts"), 405, "/v1/drafts")
