"""The Chatwoot agent-bot webhook against a fake Chatwoot API (uvicorn on a free port).

Payloads: tests/integrations/data/*.json, copied from Chatwoot's documentation (chatwoot/docs,
docs/product/others/webhook-events.md); each test says what it changes.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.app import create_app
from service.settings import ChatwootSettings, Settings
from tests.integrations.fake_chatwoot import FakeChatwoot, Served

DATA = Path(__file__).parent / "data"
TOKEN = "cw-token-" + uuid.uuid4().hex
SECRET = "cw-secret-" + uuid.uuid4().hex
URL = "/v1/integrations/chatwoot/demo"
QUESTION = "耳机一边没声音了,能退货吗?"


def payload(name: str = "message_created", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data.update(changes)
    return data


def contact_message(message_id: int = 118, content: str = QUESTION) -> dict[str, Any]:
    """The documented message_created sample with a Chinese buyer question and its own message id."""
    return payload(id=message_id, content=content)


@pytest.fixture
def fake() -> Iterator[tuple[FakeChatwoot, str]]:
    chatwoot = FakeChatwoot(token=TOKEN, history=[
        {"id": 116, "content": "在吗", "message_type": 0, "created_at": 1627063300, "private": False},
        {"id": 117, "content": "您好,在的,请问有什么可以帮您?", "message_type": 1, "created_at": 1627063310,
         "private": False, "sender": {"id": 1, "name": "John", "type": "user"}},
        {"id": 119, "content": "kefu 的旧便签", "message_type": 1, "created_at": 1627063320, "private": True},
        {"id": 118, "content": QUESTION, "message_type": 0, "created_at": 1627063368, "private": False},
        {"id": 121, "content": "later agent reply", "message_type": 1, "created_at": 1627063400, "private": False},
    ])
    with Served(chatwoot.app()) as url:
        yield chatwoot, url


def chatwoot_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    config = ChatwootSettings(base_url=url, api_access_token=SecretStr(TOKEN), accounts={1: "demo"}, **extra)
    return settings.model_copy(update={"chatwoot": config})


@pytest.fixture
def kefu(settings: Settings, fake: tuple[FakeChatwoot, str]) -> Iterator[TestClient]:
    with TestClient(create_app(chatwoot_settings(settings, fake[1]))) as client:
        yield client


def test_a_contacts_message_gets_a_private_note_with_citations(kefu: TestClient,
                                                               fake: tuple[FakeChatwoot, str]) -> None:
    chatwoot, _ = fake
    answer = kefu.post(URL, json=contact_message())
    assert answer.status_code == 200 and answer.json() == {"status": "queued", "reason": None}
    [note] = chatwoot.wait_for_notes(1)
    assert note["account"] == 1 and note["conversation"] == 10
    assert note["private"] is True and note["message_type"] == "outgoing"
    assert "kefu" in note["content"] and "policy-returns#" in note["content"]  # the return policy is cited
    assert chatwoot.reads == 1


def test_the_draft_reads_the_conversation_up_to_the_message(kefu: TestClient, fake: tuple[FakeChatwoot, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    chatwoot, _ = fake
    services = kefu.app.state.services  # type: ignore[attr-defined]
    seen: list[list[tuple[str, str]]] = []
    original = services.pipeline.draft

    async def recording(request: Any) -> Any:
        seen.append([(t.role, t.text) for t in request.conversation])
        return await original(request)

    monkeypatch.setattr(services.pipeline, "draft", recording)
    kefu.post(URL, json=contact_message())
    chatwoot.wait_for_notes(1)
    assert seen == [[("customer", "在吗"), ("agent", "您好,在的,请问有什么可以帮您?"), ("customer", QUESTION)]]


@pytest.mark.parametrize(("change", "reason"), [
    ({"message_type": "outgoing", "sender": {"id": 1, "name": "John", "type": "user"}}, "outgoing message"),
    ({"private": True}, "private note"),
    ({"message_type": "outgoing", "private": True, "sender": {"id": 3, "type": "agent_bot"}}, "outgoing message"),
    ({"sender": {"id": 3, "name": "kefu", "type": "agent_bot"}}, "sent by agent_bot, not a contact"),
    ({"event": "message_updated"}, "event message_updated"),
    ({"content": "   "}, "no text"),
])
def test_messages_kefu_must_not_answer_are_ignored(kefu: TestClient, fake: tuple[FakeChatwoot, str],
                                                   change: dict[str, Any], reason: str) -> None:
    answer = kefu.post(URL, json=contact_message() | change)
    assert answer.status_code == 200 and answer.json() == {"status": "ignored", "reason": reason}
    assert kefu.post(URL, json=contact_message(message_id=122)).json()["status"] == "queued"  # a real one after it
    assert len(fake[0].wait_for_notes(1)) == 1
    time.sleep(0.3)
    assert len(fake[0].notes) == 1 and fake[0].reads == 1


def test_other_events_from_the_docs_are_ignored(kefu: TestClient, fake: tuple[FakeChatwoot, str]) -> None:
    answer = kefu.post(URL, json=payload("conversation_status_changed"))
    assert answer.json() == {"status": "ignored", "reason": "event conversation_status_changed"}


def test_the_same_message_twice_gets_one_note(kefu: TestClient, fake: tuple[FakeChatwoot, str]) -> None:
    assert kefu.post(URL, json=contact_message()).json()["status"] == "queued"
    assert kefu.post(URL, json=contact_message()).json() == {"status": "ignored", "reason": "duplicate message"}
    assert len(fake[0].wait_for_notes(1)) == 1
    time.sleep(0.3)
    assert len(fake[0].notes) == 1


def test_the_webhook_answers_before_chatwoot_has_the_note(kefu: TestClient, fake: tuple[FakeChatwoot, str]) -> None:
    chatwoot, _ = fake
    chatwoot.release_posts.clear()  # the fake's POST now waits until the test lets it go
    assert kefu.post(URL, json=contact_message()).json()["status"] == "queued"
    assert chatwoot.notes == []
    chatwoot.release_posts.set()
    assert len(chatwoot.wait_for_notes(1)) == 1


def test_without_history_the_new_message_alone_is_drafted(kefu: TestClient, fake: tuple[FakeChatwoot, str]) -> None:
    chatwoot, _ = fake
    chatwoot.history_status = 500
    kefu.post(URL, json=contact_message())
    [note] = chatwoot.wait_for_notes(1)
    assert note["private"] is True and chatwoot.reads == 1


def test_a_failed_post_is_logged_without_the_token(kefu: TestClient, fake: tuple[FakeChatwoot, str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    chatwoot, _ = fake
    chatwoot.post_status = 500
    bot = kefu.app.state.services.chatwoot  # type: ignore[attr-defined]
    with caplog.at_level(logging.DEBUG):
        kefu.post(URL, json=contact_message())
        deadline = time.monotonic() + 30
        while bot.failed == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert bot.failed == 1 and bot.posted == 0
    assert "HTTP 500" in caplog.text and TOKEN not in caplog.text


def test_an_unmapped_account_is_refused(kefu: TestClient) -> None:
    message = contact_message() | {"account": {"id": 7, "name": "Other"}}
    answer = kefu.post(URL, json=message)
    assert answer.status_code == 403 and answer.json()["where"] == "body.account.id"
    assert kefu.post("/v1/integrations/chatwoot/other", json=contact_message()).status_code == 403


def test_a_body_that_is_not_a_webhook_is_a_422(kefu: TestClient) -> None:
    answer = kefu.post(URL, json={"content": "hi"})
    assert answer.status_code == 422 and answer.json()["where"] == "body.event"


def test_without_settings_the_webhook_says_it_is_not_configured(client: TestClient) -> None:
    answer = client.post(URL, json=contact_message())
    assert answer.status_code == 503 and "KEFU_CHATWOOT__BASE_URL" in answer.json()["message"]


def sign(body: bytes, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"x-chatwoot-signature": f"sha256={digest}", "x-chatwoot-timestamp": str(timestamp),
            "content-type": "application/json"}


def test_with_a_secret_only_signed_fresh_calls_are_taken(settings: Settings, fake: tuple[FakeChatwoot, str]) -> None:
    chatwoot, url = fake
    signed = chatwoot_settings(settings, url, webhook_secret=SecretStr(SECRET))
    body = json.dumps(contact_message(), ensure_ascii=False).encode()
    now = int(time.time())
    with TestClient(create_app(signed)) as client:
        assert client.post(URL, content=body, headers={"content-type": "application/json"}).status_code == 401
        assert client.post(URL, content=body, headers=sign(body, now, "wrong")).status_code == 401
        assert client.post(URL, content=body, headers=sign(body, now - 3600)).status_code == 401
        tampered = body.replace(QUESTION.encode(), "我要退款".encode())
        assert client.post(URL, content=tampered, headers=sign(body, now)).status_code == 401
        answer = client.post(URL, content=body, headers=sign(body, now))
        assert answer.status_code == 200 and answer.json()["status"] == "queued"
        assert len(chatwoot.wait_for_notes(1)) == 1


@pytest.mark.parametrize(("history_messages", "expected"), [
    (1, [("customer", QUESTION)]),
    (2, [("agent", "您好,在的,请问有什么可以帮您?"), ("customer", QUESTION)]),
])
def test_the_history_is_cut_to_the_setting(settings: Settings, fake: tuple[FakeChatwoot, str],
                                           monkeypatch: pytest.MonkeyPatch, history_messages: int,
                                           expected: list[tuple[str, str]]) -> None:
    chatwoot, url = fake
    with TestClient(create_app(chatwoot_settings(settings, url, history_messages=history_messages))) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        seen: list[list[tuple[str, str]]] = []
        original = services.pipeline.draft

        async def recording(request: Any) -> Any:
            seen.append([(t.role, t.text) for t in request.conversation])
            return await original(request)

        monkeypatch.setattr(services.pipeline, "draft", recording)
        client.post(URL, json=contact_message())
        chatwoot.wait_for_notes(1)
    assert seen == [expected]


ORDER = {"order_id": "D1", "status": "delivered", "delivered_at": "2026-11-04T12:00:00+08:00",
         "items": [{"sku": "AB3", "title": "AirBeat 3", "price": 299, "qty": 1}]}


@pytest.mark.parametrize(("attribute", "expected"), [
    (ORDER, "D1"),  # an object
    (json.dumps(ORDER), "D1"),  # JSON text, as a text custom attribute holds it
    ({"status": "teleported"}, None),  # not an order: drafted without one (logged)
])
def test_the_order_comes_from_the_conversations_custom_attribute(
        kefu: TestClient, fake: tuple[FakeChatwoot, str], monkeypatch: pytest.MonkeyPatch,
        attribute: Any, expected: str | None) -> None:
    services = kefu.app.state.services  # type: ignore[attr-defined]
    orders: list[str | None] = []
    original = services.pipeline.draft

    async def recording(request: Any) -> Any:
        orders.append(request.order.order_id if request.order else None)
        return await original(request)

    monkeypatch.setattr(services.pipeline, "draft", recording)
    message = contact_message()
    message["conversation"]["custom_attributes"] = {"kefu_order": attribute}  # newer payloads carry them here
    kefu.post(URL, json=message)
    fake[0].wait_for_notes(1)
    assert orders == [expected]
