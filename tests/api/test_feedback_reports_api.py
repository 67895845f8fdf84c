"""GET the feedback report, the stats and the stats page: answers and every refusal."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.auth.keys import KeyStore, Role
from service.feedback.report import FeedbackReport
from service.feedback.stats import ServiceStats
from tests.api.test_drafts_api import ANGRY_12_DAYS
from tests.api.test_feedback_api import _draft, _services

PATHS = ["/v1/shops/{shop}/feedback/report", "/v1/shops/{shop}/stats", "/stats?shop={shop}"]


def test_reports_count_what_was_drafted_and_sent(client: TestClient) -> None:
    used, ignored, silent = (_draft(client) for _ in range(3))
    assert client.post("/v1/feedback", json={"request_id": used.request_id, "draft_index": 0,
                                             "sent_text": used.drafts[0].text}).status_code == 201
    assert client.post("/v1/feedback", json={"request_id": ignored.request_id, "draft_index": None,
                                             "sent_text": "亲,已为您登记,明天顺丰上门取件,单号SF2233。"}).status_code == 201
    report = FeedbackReport.model_validate(client.get("/v1/shops/demo/feedback/report").json())
    a = report.adoption
    assert (a.requests, a.with_feedback, a.as_is, a.ignored, a.mean_edit_distance) == (3, 2, 1, 1, 0.0)
    assert report.knowledge_gaps and report.knowledge_gaps[0].ignored == 1
    assert "sf2233" in {f.fact for g in report.knowledge_gaps for f in g.added_facts}
    stats = ServiceStats.model_validate(client.get("/v1/shops/demo/stats?days=7").json())
    assert len(stats.per_day) == 7 and stats.per_day[-1].requests == 3
    assert stats.totals.conversations == 1  # three requests with the same first turn: one conversation
    assert stats.totals.resolution_rate == 0.5 and stats.totals.first_response_ms is not None
    page = client.get("/stats?shop=demo&days=7")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text.count("<svg") == 4 and "知识缺口" in page.text
    assert silent.request_id in {r.request_id for r, _ in _services(client).feedback.store.records("demo")}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("query", "status", "where"), [
    ("", 404, None), ("&days=0", 422, "query.days"), ("&days=367", 422, "query.days"), ("&days=x", 422, "query.days"),
])
def test_bad_report_requests(client: TestClient, path: str, query: str, status: int, where: str | None) -> None:
    shop = "nowhere" if status == 404 else "demo"
    url = path.format(shop=shop) + ("?" + query[1:] if "?" not in path and query else query)
    raw = client.get(url)
    assert raw.status_code == status, raw.text
    if where:
        assert raw.json()["where"] == where


def test_the_page_needs_a_valid_shop(client: TestClient) -> None:
    assert client.get("/stats").json()["where"] == "query.shop"
    assert client.get("/stats?shop=Bad Shop").status_code == 422


@pytest.mark.parametrize("path", PATHS)
def test_reports_need_an_editor_key_of_the_shop(client: TestClient, path: str) -> None:
    keys: KeyStore = _services(client).keys
    _, agent = keys.create(Role.agent, ["demo"])
    _, editor = keys.create(Role.editor, ["demo"])
    _, elsewhere = keys.create(Role.editor, ["outdoor"])
    url = path.format(shop="demo")
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-API-Key": agent}).status_code == 403
    assert client.get(url, headers={"X-API-Key": elsewhere}).status_code == 403
    assert client.get(url, headers={"X-API-Key": editor}).status_code == 200


def test_a_conversation_is_counted_once(client: TestClient) -> None:
    _draft(client)
    longer = {**ANGRY_12_DAYS, "conversation": [*ANGRY_12_DAYS["conversation"],  # type: ignore[list-item]
                                                {"role": "agent", "text": "亲,非常抱歉"},
                                                {"role": "customer", "text": "那怎么办"}]}
    _draft(client, longer)
    _draft(client, {**ANGRY_12_DAYS, "conversation": [{"role": "customer", "text": "帐篷有货吗"}]})
    stats = ServiceStats.model_validate(client.get("/v1/shops/demo/stats?days=1").json())
    assert (stats.totals.requests, stats.totals.conversations) == (3, 2)
