"""Disk full on the data dir (a small tmpfs, filled to the last byte): an edit is refused with a clear 507,
nothing is corrupted, the previous version is still served, and edits work again once space returns."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.container import build_services
from service.settings import PROJECT_ROOT, EmbeddingSettings, LLMSettings, Settings

pytestmark = pytest.mark.integration

MD = {"Content-Type": "text/markdown"}
SIZE = "48m"  # holds the demo shop's SQLite store and embedded Chroma with room for a few edits


def faq(marker: str, lines: int) -> str:
    body = "\n".join(f"## 问题{i}\n本店的暗号是 {marker},第{i}段,质保一年。" for i in range(lines))
    return f"---\nid: faq-secret\ntype: faq\ntitle: 暗号\n---\n{body}\n"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of SIZE mounted under tmp_path (needs root; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left."""
    filler = disk / f"filler-{uuid.uuid4().hex}"
    with filler.open("wb", buffering=0) as out:
        for block in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    assert shutil.disk_usage(disk).free < 4096
    return filler


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_disk_full_refuses_the_edit_keeps_the_old_version_and_recovers(
        small_disk: Path, tmp_path: Path, store: str, request: pytest.FixtureRequest) -> None:
    """SQLite in the data dir fails first; with PostgreSQL elsewhere the embedded index's write fails."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", knowledge / "demo")
    database_url = request.getfixturevalue("pg_url") if store == "postgresql" else None
    settings = Settings(data_dir=small_disk / "data", knowledge_dir=knowledge, database_url=database_url,
                        embedding=EmbeddingSettings(mode="hashing"), llm=LLMSettings(mode="off"))
    search = {"shop_id": "demo", "query": "暗号", "k": 5, "max_per_doc": 5}
    with TestClient(create_app(settings)) as client:
        first = client.put("/v1/shops/demo/docs/faq-secret", content=faq("qzalpha", 3).encode(), headers=MD)
        assert first.status_code == 201, first.text
        filler = fill(small_disk)

        refused = client.put("/v1/shops/demo/docs/faq-secret", content=faq("qzbeta", 60).encode(),
                             headers={**MD, "If-Match": '"1"'})
        assert refused.status_code == 507, refused.text
        body = refused.json()
        assert body["error"] == "StorageError" and "space" in body["message"], body

        # the previous version is still what every reader gets
        got = client.get("/v1/shops/demo/docs/faq-secret")
        assert got.status_code == 200 and "qzalpha" in got.text
        texts = [h["text"] for h in client.post("/v1/search", json=search).json()["hits"]]
        assert any("qzalpha" in t for t in texts) and not any("qzbeta" in t for t in texts)
        draft = client.post("/v1/drafts", json={"shop_id": "demo", "use_llm": False,
                                                "conversation": [{"role": "customer", "text": "暗号是什么?"}]})
        assert draft.status_code == 200, draft.text
        versions = client.get("/v1/shops/demo/docs/faq-secret/history").json()["versions"]
        if store == "sqlite":  # the database itself refused: no version at all
            assert [v["version"] for v in versions] == [1]
        else:  # the store took it, the index could not: a new version puts the served text back
            assert [v["version"] for v in versions] == [1, 2, 3] and "undone" in versions[2]["note"]
            assert versions[2]["content_hash"] == versions[0]["content_hash"]
            assert "undone" in body["message"]

        filler.unlink()  # space is back: the same edit goes through, without restarting kefu
        current = got.headers["ETag"] if store == "sqlite" else '"3"'
        again = client.put("/v1/shops/demo/docs/faq-secret", content=faq("qzbeta", 60).encode(),
                           headers={**MD, "If-Match": current})
        assert again.status_code == 200, again.text
        texts = [h["text"] for h in client.post("/v1/search", json=search).json()["hits"]]
        assert any("qzbeta" in t for t in texts) and not any("qzalpha" in t for t in texts)

    if store == "sqlite":
        database = small_disk / "data" / "kefu.db"
        assert sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    services = build_services(settings)  # a restart finds store and index in line, nothing to repair
    assert all(not (r.added or r.updated or r.removed) for r in services.startup_reports)
    shop = services.knowledge.shop("demo")
    assert "qzbeta" in shop.docs["faq-secret"].text
    assert services.retriever.index.vectors.doc_hashes("demo") == {d.id: d.content_hash for d in shop.docs.values()}
    services.database.dispose()
