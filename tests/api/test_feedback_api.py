"""Draft records and POST /v1/feedback over HTTP: every status code, and a failed record never fails a draft."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.schemas import DraftResponse
from service.app import create_app
from service.auth.keys import KeyStore, Role
from service.container import Services
from service.feedback.models import DraftRecord, EditClass, FeedbackEntry, Outcome
from service.feedback.store import FeedbackStore
from service.settings import FeedbackSettings, Settings
from tests.api.test_drafts_api import ANGRY_12_DAYS

WITH_PHONE = {**ANGRY_12_DAYS, "conversation": [
    {"role": "customer", "text": "耳机一边没声音了"},
    {"role": "agent", "text": "亲,请问是哪一边呢?"},
    {"role": "customer", "text": "左边。我电话13812345678,地址北京市朝阳区建国路88号"},
]}


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def _draft(client: TestClient, body: dict[str, Any] = ANGRY_12_DAYS, **headers: str) -> DraftResponse:
    raw = client.post("/v1/drafts", json=body, headers=headers)
    assert raw.status_code == 200, raw.text
    return DraftResponse.model_validate(raw.json())


def test_every_draft_answer_is_recorded_redacted_with_versions(client: TestClient) -> None:
    response = _draft(client, WITH_PHONE)
    record = _services(client).feedback.store.record(response.request_id)
    assert isinstance(record, DraftRecord)
    assert record.shop_id == "demo" and record.turns == 3
    assert "13812345678" not in record.customer_text and "138****5678" in record.customer_text
    assert "[address]" in record.customer_text and "左边" in record.customer_text
    assert [d.text for d in record.drafts] == [d.text for d in response.drafts]
    cited = {c.doc_id: c.version for d in record.drafts for c in d.citations}
    assert cited.get("policy-returns") == 1  # the demo shop's first version of its returns policy
    assert [d.passed for d in record.drafts] == [d.guard.passed for d in response.drafts]
    assert response.plan is not None
    assert [q.kind for q in record.questions] == [q.kind.value for q in response.plan.questions]
    assert record.response_ms == response.timings_ms["total"]


def test_feedback_as_is_then_replaced_by_an_edit(client: TestClient) -> None:
    response = _draft(client)
    first = client.post("/v1/feedback", json={"request_id": response.request_id, "draft_index": 0,
                                              "sent_text": response.drafts[0].text})
    assert first.status_code == 201
    entry = FeedbackEntry.model_validate(first.json())
    assert entry.outcome is Outcome.as_is and entry.distance == 0 and entry.edit_classes == []
    edited_text = response.drafts[0].text.replace("15天", "30天")
    assert edited_text != response.drafts[0].text
    again = client.post("/v1/feedback", json={"request_id": response.request_id, "draft_index": 0,
                                              "sent_text": edited_text})
    assert again.status_code == 200  # the agent's last word replaces the first
    replaced = FeedbackEntry.model_validate(again.json())
    assert replaced.outcome is Outcome.edited and replaced.distance == 2
    assert EditClass.policy in replaced.edit_classes and "30天" in replaced.added_facts
    assert replaced.created_at == entry.created_at and replaced.updated_at >= entry.updated_at
    stored = _services(client).feedback.store.feedback(response.request_id)
    assert stored is not None and stored.outcome is Outcome.edited


def test_own_reply_is_ignored_and_compared_with_the_closest_draft(client: TestClient) -> None:
    response = _draft(client)
    raw = client.post("/v1/feedback", json={"request_id": response.request_id, "draft_index": None,
                                            "sent_text": "亲,给您补发一副新耳机,顺丰单号SF1234567890,电话13812345678"})
    assert raw.status_code == 201
    entry = FeedbackEntry.model_validate(raw.json())
    assert entry.outcome is Outcome.ignored and entry.compared_index is not None
    assert "13812345678" not in entry.sent_text and "sf1234567890" in entry.added_facts


@pytest.mark.parametrize(("body", "status", "where"), [
    ({"request_id": "nope", "draft_index": 0, "sent_text": "好的"}, 404, "body.request_id"),
    ({"request_id": "{rid}", "draft_index": 99, "sent_text": "好的"}, 422, "body.draft_index"),
    ({"request_id": "{rid}", "draft_index": -1, "sent_text": "好的"}, 422, "body.draft_index"),
    ({"request_id": "{rid}", "draft_index": "x", "sent_text": "好的"}, 422, "body.draft_index"),
    ({"request_id": "{rid}", "sent_text": "好的"}, 422, "body.draft_index"),
    ({"request_id": "{rid}", "draft_index": 0, "sent_text": "  "}, 422, "body.sent_text"),
    ({"request_id": "{rid}", "draft_index": 0, "sent_text": "长" * 2001}, 422, "body.sent_text"),
    ({"request_id": "{rid}", "draft_index": 0, "sent_text": "好的", "shop_id": "demo"}, 422, "body.shop_id"),
])
def test_bad_feedback_is_refused_saying_where(client: TestClient, body: dict[str, Any], status: int,
                                              where: str) -> None:
    rid = _draft(client).request_id
    sent = {k: (v.format(rid=rid) if isinstance(v, str) and k == "request_id" else v) for k, v in body.items()}
    raw = client.post("/v1/feedback", json=sent)
    assert raw.status_code == status, raw.text
    assert raw.json()["where"] == where
    assert _services(client).feedback.store.feedback(rid) is None  # nothing stored


def test_feedback_needs_an_agent_key_of_the_requests_shop(client: TestClient) -> None:
    keys: KeyStore = _services(client).keys
    _, agent = keys.create(Role.agent, ["demo"])
    _, other = keys.create(Role.agent, ["outdoor"])
    _, editor = keys.create(Role.editor, ["demo"])
    rid = _draft(client, Authorization=f"Bearer {agent}").request_id
    body = {"request_id": rid, "draft_index": 0, "sent_text": "好的"}
    assert client.post("/v1/feedback", json=body).status_code == 401
    assert client.post("/v1/feedback", json=body, headers={"X-API-Key": "kefu_wrong"}).status_code == 401
    refused = client.post("/v1/feedback", json=body, headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403 and "demo" in refused.json()["message"]
    assert client.post("/v1/feedback", json=body, headers={"Authorization": f"Bearer {agent}"}).status_code == 201
    assert client.post("/v1/feedback", json=body, headers={"Authorization": f"Bearer {editor}"}).status_code == 200


class _BrokenStore(FeedbackStore):
    def add_record(self, record: DraftRecord) -> None:
        raise OSError("disk full")


def test_a_failed_record_is_logged_and_the_draft_still_answers(client: TestClient,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    recorder = _services(client).recorder
    assert recorder is not None
    recorder.store = _BrokenStore(_services(client).database)
    with caplog.at_level(logging.ERROR, logger="service.feedback.recorder"):
        response = _draft(client)
    assert response.drafts
    assert any(response.request_id in r.getMessage() and r.exc_info for r in caplog.records)
    missing = client.post("/v1/feedback", json={"request_id": response.request_id, "draft_index": 0,
                                                "sent_text": "好的"})
    assert missing.status_code == 404


def test_recording_can_be_switched_off(settings: Settings) -> None:
    off = settings.model_copy(update={"feedback": FeedbackSettings(record=False)})
    with TestClient(create_app(off)) as client:
        response = _draft(client)
        assert _services(client).recorder is None
        assert _services(client).feedback.store.record(response.request_id) is None
