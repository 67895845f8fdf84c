"""Streamed drafts are recorded too, each under the index it was streamed as, so the console's feedback works."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx
from fastapi.testclient import TestClient

from service.app import create_app
from service.feedback.models import FeedbackEntry, Outcome
from service.feedback.recorder import DISCARDED
from service.settings import Settings
from tests.api.test_drafts_api import ANGRY_12_DAYS
from tests.api.test_drafts_stream import ANSWER, GOOD, URL, SlowBody, llm_settings, pieces, read_all
from tests.api.test_feedback_api import _services

pytestmark = pytest.mark.usefixtures("litellm_over_httpx")


def _of(seen: list[dict[str, Any] | str], kind: str) -> list[dict[str, Any]]:
    return [e for e in seen if isinstance(e, dict) and e["type"] == kind]


def test_streamed_drafts_are_recorded_under_their_event_index(settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(URL).mock(return_value=httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=SlowBody(pieces(ANSWER))))
        with TestClient(create_app(llm_settings(settings))) as client:
            seen = read_all(client, {**ANGRY_12_DAYS, "use_llm": True, "stream": True, "n": 4})
            request_id = _of(seen, "meta")[0]["request_id"]
            record = _services(client).feedback.store.record(request_id)
            assert record is not None
            finals = {e["index"]: e["draft"] for e in _of(seen, "draft")}
            assert {i: d.text for i, d in enumerate(record.drafts)} == {i: d["text"] for i, d in finals.items()}
            good = next(i for i, d in finals.items() if d["text"] == GOOD)
            assert record.drafts[good].source == "llm" and record.drafts[good].passed
            assert record.response_ms > 0 and record.questions
            raw = client.post("/v1/feedback", json={"request_id": request_id, "draft_index": good, "sent_text": GOOD})
            assert raw.status_code == 201
            assert FeedbackEntry.model_validate(raw.json()).outcome is Outcome.as_is


def test_a_discarded_streamed_draft_cannot_be_the_one_sent(settings: Settings) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        mock.post(URL).mock(side_effect=lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=SlowBody(pieces(ANSWER)[:5], stall=True)))
        with TestClient(create_app(llm_settings(settings, deadline_s=1.5))) as client:
            seen = read_all(client, {**ANGRY_12_DAYS, "use_llm": True, "stream": True})
            request_id = _of(seen, "meta")[0]["request_id"]
            record = _services(client).feedback.store.record(request_id)
            assert record is not None
            composer = len(_of(seen, "draft"))
            assert [d.source for d in record.drafts[:composer]] == ["composer"] * composer
            discarded = {e["index"] for e in _of(seen, "discard")}
            # a discarded slot is recorded only when a later draft exists; here the LLM's drafts were last
            assert all(record.drafts[i].source == DISCARDED for i in discarded if i < len(record.drafts))
            index = max(discarded)
            raw = client.post("/v1/feedback", json={"request_id": request_id, "draft_index": index, "sent_text": "好的"})
            assert raw.status_code == 422 and raw.json()["where"] == "body.draft_index"
