"""The console and editor pages are served by kefu itself, and the chunk a citation points at can be read."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from service.web.pages import STATIC_DIR


def test_pages_and_their_files_are_served_without_a_key_or_a_cdn(client: TestClient) -> None:
    for path in ("/console", "/editor"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            assert client.get(asset).status_code == 200, asset
    for file in STATIC_DIR.iterdir():
        text = file.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", text), f"{file.name} loads something from elsewhere"
        assert "@import url(http" not in text


def test_a_cited_chunk_with_its_document_version(client: TestClient) -> None:
    chunk = client.get("/v1/shops/demo/chunks/policy-returns%230").json()
    assert chunk["doc_id"] == "policy-returns" and chunk["chunk_id"] == "policy-returns#0"
    assert chunk["text"] and chunk["doc_version"] == 1


def test_an_unknown_chunk_or_shop_is_a_404_that_names_it(client: TestClient) -> None:
    missing = client.get("/v1/shops/demo/chunks/policy-returns%2399")
    assert missing.status_code == 404 and "policy-returns#99" in missing.json()["message"]
    assert client.get("/v1/shops/nope/chunks/x%230").status_code == 404
