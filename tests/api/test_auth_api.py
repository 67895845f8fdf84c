"""Keys over HTTP: dev mode without keys; 401 without a key, 403 outside role or shops, 428 without If-Match."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.auth.keys import KeyStore, Role
from tests.api.test_docs_api import MD, TENT

SEARCH = {"query": "耳机", "k": 3}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_dev_mode_is_explicit(client: TestClient) -> None:
    assert client.get("/healthz").json()["auth"] == "dev-mode"
    assert client.post("/v1/search", json={"shop_id": "demo", **SEARCH}).status_code == 200


def test_roles_and_shop_scope(client: TestClient) -> None:
    keys: KeyStore = client.app.state.services.keys  # type: ignore[attr-defined]
    agent_info, agent = keys.create(Role.agent, ["demo"])
    _, editor = keys.create(Role.editor, ["outdoor"])
    _, admin = keys.create(Role.admin, [])
    assert client.get("/healthz").json()["auth"] == "keys"
    # 401: no key, unknown key
    missing = client.post("/v1/search", json={"shop_id": "demo", **SEARCH})
    assert missing.status_code == 401 and missing.json()["where"] == "header.Authorization"
    assert client.post("/v1/search", json={"shop_id": "demo", **SEARCH}, headers=bearer("kefu_wrong")).status_code == 401
    assert client.get("/v1/shops/demo/docs").status_code == 401
    # agent: drafts, guard, search on its shop only; no documents
    assert client.post("/v1/search", json={"shop_id": "demo", **SEARCH}, headers=bearer(agent)).status_code == 200
    assert client.post("/v1/search", json={"shop_id": "demo", **SEARCH}, headers={"X-API-Key": agent}).status_code == 200
    assert client.post("/v1/guard", json={"shop_id": "demo", "reply": "亲,您好"}, headers=bearer(agent)).status_code == 200
    other = client.post("/v1/search", json={"shop_id": "outdoor", **SEARCH}, headers=bearer(agent))
    assert other.status_code == 403 and "outdoor" in other.json()["message"]
    assert client.get("/v1/shops/demo/docs", headers=bearer(agent)).status_code == 403
    assert client.put("/v1/shops/demo/docs/tent-td2", content=TENT.encode(),
                      headers={**MD, **bearer(agent), "If-Match": "0"}).status_code == 403
    # editor: its shop's documents (If-Match required) and agent rights there
    no_version = client.put("/v1/shops/outdoor/docs/tent-td2", content=TENT.encode(), headers={**MD, **bearer(editor)})
    assert no_version.status_code == 428 and no_version.json()["where"] == "header.If-Match"
    created = client.put("/v1/shops/outdoor/docs/tent-td2", content=TENT.encode(),
                         headers={**MD, **bearer(editor), "If-Match": "0"})
    assert created.status_code == 201
    history = client.get("/v1/shops/outdoor/docs/tent-td2/history", headers=bearer(editor)).json()["versions"]
    assert history[0]["author"] != "dev" and history[0]["author"].startswith("key_")
    assert client.post("/v1/search", json={"shop_id": "outdoor", **SEARCH}, headers=bearer(editor)).status_code == 200
    assert client.get("/v1/shops/demo/docs", headers=bearer(editor)).status_code == 403
    assert client.delete("/v1/shops/outdoor/docs/tent-td2", headers=bearer(editor)).status_code == 428
    # admin: everything, no If-Match needed
    assert client.get("/v1/shops/demo/docs", headers=bearer(admin)).status_code == 200
    assert client.delete("/v1/shops/outdoor/docs/tent-td2", headers=bearer(admin)).status_code == 204
    # a revoked key stops at once
    keys.revoke(agent_info.id)
    assert client.post("/v1/search", json={"shop_id": "demo", **SEARCH}, headers=bearer(agent)).status_code == 401
    assert client.get("/healthz").status_code == 200  # health needs no key
