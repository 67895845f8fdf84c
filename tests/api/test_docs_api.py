"""Knowledge editors over HTTP: create a new shop, edit, validate, delete; edits take effect at once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.api.doc_schemas import DocList, PutDocResponse
from service.api.schemas import SearchResponse
from service.guards.base import GuardResult

POLICY = """---
id: policy-returns
type: policy
title: 退换货政策
rules:
  no_reason_return_days: {days}
  no_reason_return_shipping: seller
  refund_within_days: 2
  compensation_limit_yuan: 50
---
# 无理由退货
签收次日起{days}天内可无理由退货,寄回运费由本店承担。
"""
TENT = """---
id: tent-td2
type: product
title: 双人帐篷 TrailDome 2
sku: TD2
category: 帐篷
price: 699
---
## 规格
- 重量: 2.1 kg
- 防水: 3000mm
"""
MD = {"Content-Type": "text/markdown"}
ORDER = {
    "order_id": "O1", "status": "delivered", "paid_at": "2026-11-01T10:00:00+08:00",
    "shipped_at": "2026-11-02T10:00:00+08:00", "delivered_at": "2026-11-04T15:00:00+08:00",
    "items": [{"sku": "TD2", "title": "双人帐篷 TrailDome 2", "category": "帐篷", "price": 699, "qty": 1}],
}


def put(client: TestClient, shop: str, doc_id: str, text: str) -> PutDocResponse:
    response = client.put(f"/v1/shops/{shop}/docs/{doc_id}", content=text.encode(), headers=MD)
    assert response.status_code in (200, 201), response.text
    return PutDocResponse.model_validate(response.json())


def test_new_shop_crud_and_search(client: TestClient) -> None:
    created = put(client, "outdoor", "tent-td2", TENT)
    assert created.created and created.chunks >= 1
    assert put(client, "outdoor", "tent-td2", TENT).created is False
    assert client.get("/v1/shops/outdoor/docs/tent-td2").text == TENT
    listed = DocList.model_validate(client.get("/v1/shops/outdoor/docs").json())
    assert [d.doc_id for d in listed.docs] == ["tent-td2"]
    hits = SearchResponse.model_validate(
        client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷多重", "k": 3, "explain": True}).json()
    ).hits
    assert hits[0].doc_id == "tent-td2" and hits[0].explain is not None
    # shop isolation: the demo shop never sees the new shop's chunks
    demo = client.post("/v1/search", json={"shop_id": "demo", "query": "双人帐篷 TrailDome", "k": 10}).json()
    assert all(h["doc_id"] != "tent-td2" for h in demo["hits"])
    assert client.delete("/v1/shops/outdoor/docs/tent-td2").status_code == 204
    assert client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷", "k": 3}).json()["hits"] == []
    assert client.get("/v1/shops/outdoor/docs/tent-td2").status_code == 404


def test_edit_of_return_window_changes_guard_and_drafts_at_once(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    put(client, "outdoor", "policy-returns", POLICY.format(days=7))
    body = {"shop_id": "outdoor", "reply": "亲,签收后7天内可以无理由退货哦。", "order": ORDER,
            "now": "2026-11-06T10:00:00+08:00"}
    assert GuardResult.model_validate(client.post("/v1/guard", json=body).json()).passed
    put(client, "outdoor", "policy-returns", POLICY.format(days=15))
    verdict = GuardResult.model_validate(client.post("/v1/guard", json=body).json())
    assert not verdict.passed
    assert any(v.category == "refund_rule" for v in verdict.violations)
    drafts = client.post("/v1/drafts", json={
        "shop_id": "outdoor", "conversation": [{"role": "customer", "text": "帐篷不想要了,能退吗"}],
        "order": ORDER, "now": "2026-11-16T10:00:00+08:00", "use_llm": False}).json()
    assert drafts["decision"] == "return_no_reason_open"  # day 12 of a 15-day window
    assert "15天" in drafts["drafts"][0]["text"] and "7天" not in drafts["drafts"][0]["text"]
    assert drafts["drafts"][0]["guard"]["passed"]


def test_invalid_document_is_refused_and_nothing_changes(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    bad = TENT.replace("price: 699", "price: 699\ncolour: red")
    response = client.put("/v1/shops/outdoor/docs/tent-td2", content=bad.encode(), headers=MD)
    assert response.status_code == 422
    assert "colour" in response.json()["message"] and "tent-td2" in response.json()["message"]
    assert client.get("/v1/shops/outdoor/docs/tent-td2").text == TENT
    mismatch = client.put("/v1/shops/outdoor/docs/other", content=TENT.encode(), headers=MD)
    assert mismatch.status_code == 422 and "does not match" in mismatch.json()["message"]
    assert client.put("/v1/shops/Bad Shop/docs/x", content=TENT.encode(), headers=MD).status_code == 422


def test_conflicting_rules_in_two_policy_docs_is_409(client: TestClient) -> None:
    put(client, "outdoor", "policy-returns", POLICY.format(days=15))
    other = POLICY.format(days=7).replace("id: policy-returns", "id: policy-extra")
    response = client.put("/v1/shops/outdoor/docs/policy-extra", content=other.encode(), headers=MD)
    assert response.status_code == 409
    assert "policy-returns" in response.json()["message"]


def test_unknown_shop_is_404_and_bad_bodies_are_422(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    r = client.post("/v1/search", json={"shop_id": "nope", "query": "x"})
    assert r.status_code == 404 and "nope" in r.json()["message"]
    assert client.post("/v1/drafts", json={"shop_id": "nope", "conversation": [{"role": "customer", "text": "hi"}]}
                       ).status_code == 404
    r = client.post("/v1/drafts", json={"shop_id": "demo", "conversation": [{"role": "buyer", "text": "hi"}]})
    assert r.status_code == 422 and "conversation.0.role" in r.json()["message"]
    r = client.post("/v1/guard", json={"shop_id": "demo", "reply": "ok", "order": {"status": "lost"}})
    assert r.status_code == 422 and "order.status" in r.json()["message"]
    assert client.post("/v1/search", json={"shop_id": "demo", "query": "x", "k": 0}).status_code == 422


def test_edits_survive_a_restart(settings, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from service.app import create_app

    put(client, "outdoor", "tent-td2", TENT)
    with TestClient(create_app(settings)) as again:
        assert again.get("/v1/shops/outdoor/docs/tent-td2").text == TENT
        hits = again.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷", "k": 1}).json()["hits"]
        assert hits[0]["doc_id"] == "tent-td2"


def test_search_accepts_one_value_or_a_list_and_refuses_a_blank_query(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    one = client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷", "sku": "TD2", "doc_type": "product"})
    many = client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷", "sku": ["TD2"], "doc_type": ["product"]})
    assert one.status_code == 200 and one.json() == many.json() and one.json()["hits"]
    blank = client.post("/v1/search", json={"shop_id": "outdoor", "query": "   "})
    assert blank.status_code == 422 and blank.json()["where"] == "body.query"


def test_putting_the_same_text_again_changes_nothing(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    again = put(client, "outdoor", "tent-td2", TENT)
    assert (again.changed, again.version) == (False, 1)
    put(client, "outdoor", "tent-td2", TENT.replace("2.1 kg", "2.2 kg"))
    versions = client.get("/v1/shops/outdoor/docs/tent-td2/history").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert "2.1 kg" in client.get("/v1/shops/outdoor/docs/tent-td2", params={"version": 1}).text


def test_a_failed_save_changes_nothing_and_says_so(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    put(client, "outdoor", "tent-td2", TENT)
    db = client.app.state.services.knowledge.store.db  # type: ignore[attr-defined]

    def disk_full() -> object:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(db, "write", disk_full)
    changed = TENT.replace("2.1 kg", "3.3 kg")
    response = client.put("/v1/shops/outdoor/docs/tent-td2", content=changed.encode(), headers=MD)
    assert response.status_code == 507 and "nothing changed" in response.json()["message"]
    hits = client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷重量", "k": 5}).json()["hits"]
    assert all("3.3 kg" not in h["text"] for h in hits) and any("2.1 kg" in h["text"] for h in hits)
    assert client.get("/v1/shops/outdoor/docs/tent-td2").text == TENT
    new = client.put("/v1/shops/outdoor/docs/stove", content=TENT.replace("tent-td2", "stove").encode(), headers=MD)
    assert new.status_code == 507
    assert client.get("/v1/shops/outdoor/docs/stove").status_code == 404
    assert all(h["doc_id"] != "stove" for h in
               client.post("/v1/search", json={"shop_id": "outdoor", "query": "帐篷", "k": 10}).json()["hits"])
