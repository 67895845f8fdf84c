"""Publish gate, as an editor uses it: the demo shop's return window 7 → 15 days is previewed (golden
conversations and guard cases that change, nothing live changes), refused for a shop requiring clean
previews, then published; the next draft says 15 and the guard calls "7天无理由" wrong for this shop.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.evaluation.preview import PreviewReport
from service.settings import Settings
from tests.api.test_docs_api import MD

RETURN_ASK = {
    "shop_id": "demo", "now": "2026-11-15T10:00:00+08:00", "use_llm": False,
    "conversation": [{"role": "customer", "text": "耳机不太喜欢,想退货可以吗"}],
    "order": {"order_id": "D1", "status": "delivered", "paid_at": "2026-11-01T10:00:00+08:00",
              "shipped_at": "2026-11-02T10:00:00+08:00", "delivered_at": "2026-11-04T15:00:00+08:00",
              "items": [{"sku": "AB3", "title": "AirBeat 3 真无线蓝牙耳机", "category": "耳机", "price": 299,
                         "qty": 1}]},
}  # signed 11-04, asked 11-15: day 11, closed after 7 days, open after 15


def fifteen_days(text: str) -> str:
    for old, new in (("no_reason_return_days: 7", "no_reason_return_days: 15"), ("7天无理由", "15天无理由"),
                     ("7 天无理由", "15 天无理由"), ("签收后 7 天", "签收后 15 天"), ("7 天从签收", "15 天从签收"),
                     ("11 月 11 日(含当天)", "11 月 19 日(含当天)")):
        text = text.replace(old, new)
    return text


def _client(settings: Settings, database_url: str, **update: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update={"database_url": database_url, **update})))


@pytest.fixture
def db_client(settings: Settings, database_url: str) -> Iterator[TestClient]:
    with _client(settings, database_url) as client:
        yield client


def test_preview_lists_what_changes_and_publishing_makes_it_live(db_client: TestClient) -> None:
    live = db_client.get("/v1/shops/demo/docs/policy-returns")
    proposed = fifteen_days(live.text)
    assert proposed != live.text
    before = db_client.post("/v1/drafts", json=RETURN_ASK).json()

    response = db_client.post("/v1/shops/demo/docs/policy-returns/preview", content=proposed.encode(), headers=MD)
    assert response.status_code == 200, response.text
    report = PreviewReport.model_validate(response.json())
    assert report.base_version == 1 and report.conversations > 50 and report.guard_cases > 100
    changed = {c.case_id: c for c in report.changed_conversations}
    assert changed, "a 15-day window changes what the returns conversations say"
    assert any(c.before.decision != c.after.decision or c.before.must_state != c.after.must_state
               for c in changed.values())
    assert any("15" in c.after.text and "15" not in c.before.text for c in changed.values())
    assert report.changed_guard_cases and not report.clean and report.problems > 0

    # nothing live changed: same version, same draft
    assert db_client.get("/v1/shops/demo/docs/policy-returns").headers["ETag"] == '"1"'
    assert db_client.post("/v1/drafts", json=RETURN_ASK).json()["drafts"][0]["text"] == before["drafts"][0]["text"]
    assert before["decision"] != "return_no_reason_open"

    published = db_client.put("/v1/shops/demo/docs/policy-returns", content=proposed.encode(),
                              headers={**MD, "If-Match": f'"{report.base_version}"'})
    assert published.status_code == 200 and published.json()["version"] == 2
    # the live side is compared afresh once the shop changed: the published text previews as no change
    again = db_client.post("/v1/shops/demo/docs/policy-returns/preview", content=proposed.encode(), headers=MD)
    assert again.status_code == 200
    assert PreviewReport.model_validate(again.json()).model_dump(include={
        "base_version", "changed_conversations", "changed_guard_cases", "clean"}) == {
        "base_version": 2, "changed_conversations": [], "changed_guard_cases": [], "clean": True}
    after = db_client.post("/v1/drafts", json=RETURN_ASK).json()
    assert after["decision"] == "return_no_reason_open"
    assert "15" in after["drafts"][0]["text"] and "7天" not in after["drafts"][0]["text"]
    verdict = db_client.post("/v1/guard", json={**{k: RETURN_ASK[k] for k in ("shop_id", "now", "order")},
                                                "reply": "亲,本店支持7天无理由退货,您这单已经过了7天,无法退货哦"}).json()
    assert not verdict["passed"]
    assert "refund_rule" in {v["category"] for v in verdict["violations"]}


def test_a_shop_requiring_clean_previews_refuses_a_regressing_edit_with_its_problems(
        settings: Settings, database_url: str) -> None:
    with _client(settings, database_url, clean_preview_shops=["demo"]) as client:
        live = client.get("/v1/shops/demo/docs/policy-returns")
        refused = client.put("/v1/shops/demo/docs/policy-returns", content=fifteen_days(live.text).encode(),
                             headers={**MD, "If-Match": '"1"'})
        assert refused.status_code == 409, refused.text
        body = refused.json()
        assert body["error"] == "PreviewNotClean" and body["preview"]["problems"] > 0
        assert client.get("/v1/shops/demo/docs/policy-returns").headers["ETag"] == '"1"'
        # an edit that changes no outcome is published
        harmless = live.text.replace("# 退换货与退款政策", "# 退换货与退款政策(2026 版)")
        ok = client.put("/v1/shops/demo/docs/policy-returns", content=harmless.encode(),
                        headers={**MD, "If-Match": '"1"'})
        assert ok.status_code == 200, ok.text[:2000]
        bad = client.post("/v1/shops/demo/docs/policy-returns/preview", content=b"no front matter", headers=MD)
        assert bad.status_code == 422


def test_previewing_a_document_unchanged_changes_nothing(db_client: TestClient) -> None:
    """The copy is the live shop: an unchanged text (of a document in the middle of the shop) changes no case."""
    for doc_id in ("faq-payment", "guide-logistics"):
        live = db_client.get(f"/v1/shops/demo/docs/{doc_id}")
        response = db_client.post(f"/v1/shops/demo/docs/{doc_id}/preview", content=live.content, headers=MD)
        report = PreviewReport.model_validate(response.json())
        assert report.conversations > 50 and report.guard_cases > 100
        assert [c.case_id for c in report.changed_conversations + report.changed_guard_cases] == [], doc_id
