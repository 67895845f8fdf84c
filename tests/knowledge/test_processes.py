"""Real processes: two `kefu serve` workers on one PostgreSQL see each other's edits at once; a worker
killed with SIGKILL in the middle of PUTs loses no acknowledged edit and leaves no stale or orphan chunk."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from service.container import build_services
from service.settings import PROJECT_ROOT, EmbeddingSettings, LLMSettings, Settings

MD = {"Content-Type": "text/markdown"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def worker(data_dir: Path, knowledge_dir: Path, database_url: str | None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `kefu serve` process; yields its base URL once /healthz answers."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KEFU_DATA_DIR": str(data_dir),
           "KEFU_KNOWLEDGE_DIR": str(knowledge_dir), "KEFU_EMBEDDING__MODE": "hashing", "KEFU_LLM__MODE": "off",
           "KEFU_RATE_LIMIT__ENABLED": "false"}
    env.pop("KEFU_DATABASE_URL", None)
    if database_url:
        env["KEFU_DATABASE_URL"] = database_url
    log = (data_dir.parent / f"worker-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-c", "from service.cli import app; app()", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (data_dir.parent / f"worker-{port}.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "worker did not start in 180 s"
            time.sleep(0.5)
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def doc(doc_id: str, marker: str, lines: int = 3) -> str:
    body = "\n".join(f"## 第{i}节\n{marker} 第{i}段说明,质保一年。" for i in range(lines))
    return f"---\nid: {doc_id}\ntype: faq\ntitle: 常见问题 {doc_id}\n---\n{body}\n"


def test_two_workers_on_one_postgresql_see_each_others_edits(tmp_path: Path, pg_url: str) -> None:
    (tmp_path / "empty").mkdir()
    with worker(tmp_path / "a", tmp_path / "empty", pg_url) as (a, _), \
            worker(tmp_path / "b", tmp_path / "empty", pg_url) as (b, _):
        first = httpx.put(f"{a}/v1/shops/shared/docs/faq-1", content=doc("faq-1", "qzalpha").encode(), headers=MD)
        assert first.status_code == 201
        got = httpx.get(f"{b}/v1/shops/shared/docs/faq-1")  # B never saw the shop before
        assert got.status_code == 200 and "qzalpha" in got.text and got.headers["ETag"] == '"1"'
        hits = httpx.post(f"{b}/v1/search", json={"shop_id": "shared", "query": "qzalpha", "k": 3}).json()["hits"]
        assert hits and "qzalpha" in hits[0]["text"]
        second = httpx.put(f"{b}/v1/shops/shared/docs/faq-1", content=doc("faq-1", "qzbeta").encode(),
                           headers={**MD, "If-Match": '"1"'})
        assert second.status_code == 200
        stale = httpx.put(f"{a}/v1/shops/shared/docs/faq-1", content=doc("faq-1", "qzgamma").encode(),
                          headers={**MD, "If-Match": '"1"'})
        assert stale.status_code == 412  # A's own cache said version 1; the store said 2
        texts = [h["text"] for h in httpx.post(f"{a}/v1/search", json={"shop_id": "shared", "query": "qzalpha qzbeta",
                                                                          "k": 10}).json()["hits"]]
        assert any("qzbeta" in t for t in texts) and not any("qzalpha" in t for t in texts)
        assert httpx.delete(f"{a}/v1/shops/shared/docs/faq-1", headers={"If-Match": '"2"'}).status_code == 204
        assert httpx.get(f"{b}/v1/shops/shared/docs/faq-1").status_code == 404
        assert httpx.post(f"{b}/v1/search", json={"shop_id": "shared", "query": "qzbeta", "k": 3}).json()["hits"] == []


def test_kill_9_during_puts_loses_nothing_acknowledged_and_leaves_no_stale_chunk(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    data = tmp_path / "data"
    acknowledged: dict[str, str] = {}
    with worker(data, tmp_path / "empty", None) as (url, process):
        stop = threading.Event()

        def editor() -> None:
            n = 0
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    doc_id = f"faq-{n % 7}"  # new documents and edits of earlier ones
                    text = doc(doc_id, f"qzmark{n:04d}", lines=12)
                    try:
                        response = client.put(f"{url}/v1/shops/crash/docs/{doc_id}", content=text.encode(), headers=MD)
                    except httpx.HTTPError:
                        return
                    if response.status_code in (200, 201):
                        acknowledged[doc_id] = text
                    n += 1

        thread = threading.Thread(target=editor)
        thread.start()
        time.sleep(random.uniform(3.0, 6.0))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        stop.set()
        thread.join(timeout=60)
    assert acknowledged, "no PUT finished before the kill"
    settings = Settings(data_dir=data, knowledge_dir=tmp_path / "empty", embedding=EmbeddingSettings(mode="hashing"),
                        llm=LLMSettings(mode="off"))
    services = build_services(settings)  # the restart
    knowledge = services.knowledge.shop("crash")
    for doc_id, text in acknowledged.items():  # every acknowledged edit is there (or a later one)
        stored = knowledge.docs[doc_id].text
        assert stored == text or int(stored.split("qzmark")[1][:4]) > int(text.split("qzmark")[1][:4])
    index = services.retriever.index
    indexed = index.vectors.doc_hashes("crash")
    assert indexed == {d.id: d.content_hash for d in knowledge.docs.values()}  # no orphan, no stale vectors
    chunks = index.shop("crash")
    assert {c.doc_id for c in chunks.by_id.values()} == set(knowledge.docs)
    for d in knowledge.docs.values():
        marker = d.text.split("qzmark")[1][:4]
        hits = services.retriever.search("crash", f"qzmark{marker}", k=20, max_per_doc=20)
        assert hits and all(h.chunk.doc_hash == d.content_hash for h in hits if h.chunk.doc_id == d.id)
    services.database.dispose()
