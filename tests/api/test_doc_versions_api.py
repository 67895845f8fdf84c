"""Versions over HTTP: ETag, If-Match (412 on a stale version), history, restore, tombstone deletes."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from tests.api.test_docs_api import MD, ORDER, POLICY, TENT, put


def search_texts(client: TestClient, query: str) -> list[str]:
    hits = client.post("/v1/search", json={"shop_id": "outdoor", "query": query, "k": 10}).json()["hits"]
    return [h["text"] for h in hits]


def test_etag_if_match_history_and_restore(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    got = client.get("/v1/shops/outdoor/docs/tent-td2")
    assert got.headers["ETag"] == '"1"'
    heavier = TENT.replace("2.1 kg", "2.4 kg")
    ok = client.put("/v1/shops/outdoor/docs/tent-td2", content=heavier.encode(),
                    headers={**MD, "If-Match": got.headers["ETag"]}, params={"note": "新批次更重"})
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok.headers["ETag"] == '"2"'
    stale = client.put("/v1/shops/outdoor/docs/tent-td2", content=TENT.replace("2.1 kg", "9 kg").encode(),
                       headers={**MD, "If-Match": '"1"'})
    assert stale.status_code == 412 and "version 2, not 1" in stale.json()["message"]
    assert any("2.4 kg" in t for t in search_texts(client, "帐篷重量"))
    history = client.get("/v1/shops/outdoor/docs/tent-td2/history").json()["versions"]
    assert [(v["version"], v["note"], v["author"]) for v in history] == [(1, "", "dev"), (2, "新批次更重", "dev")]
    assert client.get("/v1/shops/outdoor/docs/tent-td2", params={"version": 1}).text == TENT
    assert client.get("/v1/shops/outdoor/docs/tent-td2", params={"version": 7}).status_code == 404
    restored = client.post("/v1/shops/outdoor/docs/tent-td2/restore", json={"version": 1})
    assert restored.status_code == 200 and restored.json()["version"] == 3
    assert client.get("/v1/shops/outdoor/docs/tent-td2").text == TENT
    texts = search_texts(client, "帐篷重量")
    assert any("2.1 kg" in t for t in texts) and not any("2.4 kg" in t for t in texts)
    assert client.get("/v1/shops/outdoor/docs/tent-td2/history").json()["versions"][-1]["restored_from"] == 1
    bad = client.put("/v1/shops/outdoor/docs/tent-td2", content=TENT.encode(), headers={**MD, "If-Match": "latest"})
    assert bad.status_code == 422 and bad.json()["where"] == "header.If-Match"


def test_delete_is_a_restorable_tombstone_and_leaves_the_index_at_once(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    put(client, "outdoor", "stove", TENT.replace("tent-td2", "stove").replace("双人帐篷 TrailDome 2", "炉头"))
    assert client.delete("/v1/shops/outdoor/docs/tent-td2", headers={"If-Match": '"5"'}).status_code == 412
    gone = client.delete("/v1/shops/outdoor/docs/tent-td2", headers={"If-Match": '"1"'})
    assert gone.status_code == 204 and gone.headers["ETag"] == '"2"'
    assert client.get("/v1/shops/outdoor/docs/tent-td2").status_code == 404
    assert all("TrailDome" not in t for t in search_texts(client, "双人帐篷 TrailDome"))
    assert client.delete("/v1/shops/outdoor/docs/tent-td2").status_code == 404
    history = client.get("/v1/shops/outdoor/docs/tent-td2/history").json()["versions"]
    assert [v["deleted"] for v in history] == [False, True]
    tombstone = client.post("/v1/shops/outdoor/docs/tent-td2/restore", json={"version": 2})
    assert tombstone.status_code == 422 and "deletion" in tombstone.json()["message"]
    back = client.post("/v1/shops/outdoor/docs/tent-td2/restore", json={"version": 1})
    assert back.status_code == 200 and back.json()["version"] == 3 and back.json()["created"]
    assert client.get("/v1/shops/outdoor/docs/tent-td2").text == TENT


def test_two_editors_same_base_version_one_wins_the_other_gets_412(client: TestClient) -> None:
    put(client, "outdoor", "tent-td2", TENT)
    put(client, "outdoor", "policy-returns", POLICY.format(days=7))
    base = client.get("/v1/shops/outdoor/docs/policy-returns").headers["ETag"]
    barrier = threading.Barrier(2)
    results: dict[int, int] = {}

    def edit(days: int) -> None:
        barrier.wait()
        response = client.put("/v1/shops/outdoor/docs/policy-returns", content=POLICY.format(days=days).encode(),
                              headers={**MD, "If-Match": base})
        results[days] = response.status_code

    threads = [threading.Thread(target=edit, args=(d,)) for d in (15, 30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 412]
    winner = next(d for d, code in results.items() if code == 200)
    loser = 45 - winner
    current = client.get("/v1/shops/outdoor/docs/policy-returns")
    assert f"{winner}天" in current.text and current.headers["ETag"] == '"2"'
    # the winner's value everywhere: search, guard and drafts; the loser's and the old one nowhere
    texts = " ".join(search_texts(client, "无理由退货几天"))
    assert f"{winner}天" in texts and f"{loser}天" not in texts and "7天" not in texts
    verdict = client.post("/v1/guard", json={"shop_id": "outdoor", "reply": f"亲,签收后{winner}天内可以无理由退货哦。",
                                              "order": ORDER, "now": "2026-11-06T10:00:00+08:00"}).json()
    assert verdict["passed"], verdict
    drafts = client.post("/v1/drafts", json={
        "shop_id": "outdoor", "conversation": [{"role": "customer", "text": "帐篷不想要了,能退吗"}],
        "order": ORDER, "now": "2026-11-10T10:00:00+08:00", "use_llm": False}).json()
    assert f"{winner}天" in drafts["drafts"][0]["text"]
    # the loser re-reads, reapplies on the current version, and wins this time: nothing is lost
    retry = client.put("/v1/shops/outdoor/docs/policy-returns", content=POLICY.format(days=loser).encode(),
                       headers={**MD, "If-Match": current.headers["ETag"]})
    assert retry.status_code == 200 and retry.json()["version"] == 3
    assert [v["version"] for v in client.get("/v1/shops/outdoor/docs/policy-returns/history").json()["versions"]] == [1, 2, 3]


def test_every_problem_of_a_document_is_reported_at_once(client: TestClient) -> None:
    bad = TENT.replace("price: 699", "price: -1\ncolour: red").replace("title: 双人帐篷 TrailDome 2", "title: ''")
    response = client.put("/v1/shops/outdoor/docs/tent-td2", content=bad.encode(), headers=MD)
    assert response.status_code == 422
    body = response.json()
    assert "3 problems" in body["message"]
    wheres = [e["where"] for e in body["errors"]]
    assert wheres == ["/v1/shops/outdoor/docs/tent-td2:4 (title)", "/v1/shops/outdoor/docs/tent-td2:7 (price)",
                      "/v1/shops/outdoor/docs/tent-td2:8 (colour)"]
