"""`kefu serve --workers 2` on one port, on the real shared servers: PostgreSQL, Redis and a Chroma server.

The kernel hands each new connection to either worker, so every request below opens its own connection;
/healthz names the worker's pid to show that both answer. An edit is then seen by every later search and
draft whichever worker serves it, the rate limit counts the callers' requests across both workers, and
/metrics adds up both workers' counters.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.settings import PROJECT_ROOT
from tests.retrieval.test_chroma_server import CHROMA, ChromaServer, _free_port

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MD = {"Content-Type": "text/markdown"}
LIMIT = 30


def faq(doc_id: str, marker: str) -> str:
    return f"---\nid: {doc_id}\ntype: faq\ntitle: 暗号 {doc_id}\n---\n## 暗号是什么?\n本店的暗号是 {marker},请记好。\n"


def call(method: str, url: str, **kwargs: object) -> httpx.Response:
    """One request on a fresh connection (either worker may take it)."""
    with httpx.Client(timeout=60) as client:
        return client.request(method, url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def two_workers(tmp_path: Path, pg_url: str) -> Iterator[str]:
    if not CHROMA.is_file():
        pytest.fail(f"the chroma CLI should come with chromadb at {CHROMA}")
    chroma = ChromaServer(tmp_path / "chroma-server")
    chroma.start()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KEFU_DATA_DIR": str(tmp_path / "data"),
           "KEFU_KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"), "KEFU_EMBEDDING__MODE": "hashing",
           "KEFU_LLM__MODE": "off", "KEFU_DATABASE_URL": pg_url, "KEFU_CHROMA_URL": chroma.url,
           "KEFU_REDIS_URL": REDIS_URL, "KEFU_RATE_LIMIT__REQUESTS": str(LIMIT),
           "KEFU_RATE_LIMIT__KEY_PREFIX": f"kefu-test-{uuid.uuid4().hex[:8]}:"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("KEFU_LLM_MODEL", None)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                                    "--workers", "2"], env=env, cwd=PROJECT_ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + 240
        while len(pids) < 2:  # both workers up, each seen answering on the one port
            assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, f"saw workers {pids} only\n{log_path.read_text()[-3000:]}"
            try:
                response = call("GET", f"{url}/healthz")
                if response.status_code == 200:
                    pids.add(response.json()["worker_pid"])
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)
        chroma.kill()


def _searched(url: str, key: str, query: str) -> list[str]:
    response = call("POST", f"{url}/v1/search", json={"shop_id": "demo", "query": query, "k": 3},
                    headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return [hit["text"] for hit in response.json()["hits"]]


def test_two_workers_share_edits_rate_limits_and_metrics(two_workers: str) -> None:
    url = two_workers
    editor = f"editor-{uuid.uuid4().hex}"  # in dev mode a key sent is only the rate limiter's caller id
    version = None
    for marker in ("qzalpha", "qzbeta", "qzgamma"):
        headers = {**MD, "X-API-Key": editor, **({"If-Match": f'"{version}"'} if version else {})}
        put = call("PUT", f"{url}/v1/shops/demo/docs/faq-secret", content=faq("faq-secret", marker).encode(),
                   headers=headers)
        assert put.status_code in (200, 201), put.text
        version = put.json()["version"]
        for _ in range(3):  # each read on its own connection: whichever worker, the new text, never the old
            texts = _searched(url, editor, f"暗号 {marker}")
            assert any(marker in t for t in texts)
            assert not any(old in t for t in texts for old in ("qzalpha", "qzbeta", "qzgamma") if old != marker)
        draft = call("POST", f"{url}/v1/drafts", headers={"X-API-Key": editor},
                     json={"shop_id": "demo", "conversation": [{"role": "customer", "text": f"暗号是什么?{marker}"}],
                           "use_llm": False})
        assert draft.status_code == 200, draft.text
        assert "faq-secret" in {hit["doc_id"] for hit in draft.json()["retrieved"]}
    assert call("DELETE", f"{url}/v1/shops/demo/docs/faq-secret",
                headers={"If-Match": f'"{version}"', "X-API-Key": editor}).status_code == 204
    assert not any("qzgamma" in t for t in _searched(url, editor, "暗号 qzgamma"))

    burst = f"burst-{uuid.uuid4().hex}"
    statuses = [call("POST", f"{url}/v1/search", json={"shop_id": "demo", "query": "充电宝", "k": 1},
                     headers={"X-API-Key": burst}).status_code for _ in range(LIMIT + 10)]
    assert statuses.count(200) == LIMIT and statuses.count(429) == 10  # one count for both workers

    scrapes = [call("GET", f"{url}/metrics").text for _ in range(4)]
    refused = [_sample(text, 'kefu_http_requests_total{method="POST",route="/v1/search",status="429"}')
               for text in scrapes]
    assert refused == [10.0] * 4  # every scrape, whichever worker answers, adds up both workers
    assert all(_sample(text, 'kefu_http_requests_total{method="PUT",route="/v1/shops/{shop_id}/docs/{doc_id}",'
                             'status="200"}') == 2.0 for text in scrapes)


def _sample(exposition: str, series: str) -> float:
    found = re.search(re.escape(series) + r" ([0-9.e+]+)", exposition)
    assert found, f"{series} not in /metrics"
    return float(found.group(1))
