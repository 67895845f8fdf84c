"""Version-pinned citations: drafts carry each cited document's version; POST /v1/citations/check says
which are stale after an edit or a delete (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings
from tests.api.test_docs_api import MD


@pytest.fixture
def db_client(settings: Settings, database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"database_url": database_url}))) as client:
        yield client


def test_citations_carry_versions_and_go_stale_after_an_edit_or_delete(db_client: TestClient) -> None:
    ask = {"shop_id": "demo", "conversation": [{"role": "customer", "text": "AB3 耳机续航多久?"}],
           "now": "2026-11-10T10:00:00+08:00", "use_llm": False}
    drafts = db_client.post("/v1/drafts", json=ask).json()["drafts"]
    citations = [c for d in drafts for c in d["citations"]]
    assert citations and all(c["version"] == 1 for c in citations)
    check = db_client.post("/v1/citations/check", json={"shop_id": "demo", "citations": citations}).json()
    assert check["stale"] is False and {c["state"] for c in check["citations"]} == {"current"}

    cited = citations[0]["doc_id"]
    text = db_client.get(f"/v1/shops/demo/docs/{cited}").text
    assert db_client.put(f"/v1/shops/demo/docs/{cited}", content=(text + "\n- 新增一行。\n").encode(),
                         headers={**MD, "If-Match": '"1"'}).status_code == 200
    check = db_client.post("/v1/citations/check", json={"shop_id": "demo", "citations": citations}).json()
    assert check["stale"] is True
    states = {(c["doc_id"], c["state"], c["current_version"]) for c in check["citations"]}
    assert (cited, "stale", 2) in states
    assert all(s == "current" for d, s, _ in states if d != cited)
    fresh = db_client.post("/v1/drafts", json=ask).json()["drafts"]
    assert {c["version"] for d in fresh for c in d["citations"] if c["doc_id"] == cited} <= {2}

    assert db_client.delete(f"/v1/shops/demo/docs/{cited}").status_code == 204
    check = db_client.post("/v1/citations/check", json={"shop_id": "demo", "citations": citations}).json()
    assert (cited, "deleted", None) in {(c["doc_id"], c["state"], c["current_version"]) for c in check["citations"]}


def test_unknown_documents_unpinned_citations_and_bad_bodies(db_client: TestClient) -> None:
    body = {"shop_id": "demo", "citations": [{"doc_id": "nope", "chunk_id": "nope#0", "version": 1},
                                             {"doc_id": "policy-returns", "chunk_id": "x"}]}
    check = db_client.post("/v1/citations/check", json=body).json()
    assert [c["state"] for c in check["citations"]] == ["unknown", "unpinned"] and check["stale"]
    assert db_client.post("/v1/citations/check", json={"shop_id": "nope", "citations": []}).status_code == 404
    bad = db_client.post("/v1/citations/check", json={"shop_id": "demo", "citations": [{"doc_id": "a", "version": 0}]})
    assert bad.status_code == 422 and "version" in bad.text
