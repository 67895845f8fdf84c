"""Validity windows: validated front matter, out-of-window documents neither retrieved nor citable as an
offer, and a reply promising an ended promotion flagged — over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings
from tests.api.test_docs_api import MD, put

PROMO = """---
id: promo-double11
type: faq
title: 双11 狂欢活动
tags: [双11, 满减]
valid_from: 2026-11-01T00:00:00+08:00
valid_until: 2026-11-12T00:00:00+08:00
---
# 双11 狂欢活动
- 活动期间全店满 300 减 50,可与店铺券叠加。
- 活动期间耳机类商品 8 折。
"""
DURING = "2026-11-10T10:00:00+08:00"
AFTER = "2026-11-20T10:00:00+08:00"
BEFORE = "2026-10-20T10:00:00+08:00"


@pytest.fixture
def db_client(settings: Settings, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}))) as client:
        yield client


def _doc_ids(client: TestClient, now: str) -> set[str]:
    response = client.post("/v1/search", json={"shop_id": "demo", "query": "双11 满减活动", "k": 10, "now": now})
    assert response.status_code == 200, response.text
    return {h["doc_id"] for h in response.json()["hits"]}


def test_a_document_is_searched_only_inside_its_window(db_client: TestClient) -> None:
    put(db_client, "demo", "promo-double11", PROMO)
    assert "promo-double11" in _doc_ids(db_client, DURING)
    assert "promo-double11" not in _doc_ids(db_client, AFTER)
    assert "promo-double11" not in _doc_ids(db_client, BEFORE)


def test_drafts_after_the_window_neither_cite_nor_state_the_offer(db_client: TestClient) -> None:
    put(db_client, "demo", "promo-double11", PROMO)
    ask = [{"role": "customer", "text": "现在双11活动还有满减吗"}]

    def draft(now: str) -> dict[str, object]:
        response = db_client.post("/v1/drafts", json={"shop_id": "demo", "conversation": ask, "now": now,
                                                      "use_llm": False})
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    during, after = draft(DURING), draft(AFTER)
    assert "promo-double11" in {r["doc_id"] for r in during["retrieved"]}  # type: ignore[attr-defined]
    assert "promo-double11" not in {r["doc_id"] for r in after["retrieved"]}  # type: ignore[attr-defined]
    for d in after["drafts"]:  # type: ignore[attr-defined]
        assert "300 减 50" not in d["text"] and "满300减50" not in d["text"]


@pytest.mark.parametrize(("now", "flagged"), [(DURING, False), (AFTER, True), (BEFORE, True)])
def test_guard_flags_an_offer_only_an_out_of_window_document_states(db_client: TestClient, now: str,
                                                                    flagged: bool) -> None:
    put(db_client, "demo", "promo-double11", PROMO)
    reply = "亲,现在下单全店满300减50哦,耳机还能打8折~"
    result = db_client.post("/v1/guard", json={"shop_id": "demo", "reply": reply, "now": now}).json()
    rules = [v for v in result["violations"] if v["rule"] == "false_promise.expired_offer"]
    assert bool(rules) is flagged
    if flagged:
        assert not result["passed"]
        assert {reply[v["span"][0]:v["span"][1]] for v in rules} == {"满300减50", "8折"}
        assert all("promo-double11" in v["message"] for v in rules)
    # the shop's standing offer (faq-promotions, no window) is never flagged
    standing = db_client.post("/v1/guard", json={"shop_id": "demo", "reply": "实付满299减20哦", "now": now}).json()
    assert not [v for v in standing["violations"] if v["rule"] == "false_promise.expired_offer"]


@pytest.mark.parametrize(("front", "field", "says"), [
    ("valid_from: 2026-11-12T00:00:00+08:00\nvalid_until: 2026-11-01T00:00:00+08:00\n", "valid_until", "after"),
    ("valid_until: 2026-11-12T00:00:00\n", "valid_until", "UTC offset"),
    ("valid_from: next week\n", "valid_from", "datetime"),
])
def test_bad_windows_are_422_naming_the_field(client: TestClient, tmp_path: Path, front: str, field: str,
                                              says: str) -> None:
    text = PROMO.replace("valid_from: 2026-11-01T00:00:00+08:00\nvalid_until: 2026-11-12T00:00:00+08:00\n", front)
    response = client.put("/v1/shops/demo/docs/promo-double11", content=text.encode(), headers=MD)
    assert response.status_code == 422, response.text
    body = response.text
    assert field in body and says in body
    assert client.get("/v1/shops/demo/docs/promo-double11").status_code == 404
