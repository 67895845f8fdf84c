"""KEFU_CHROMA_URL: the vector index on a real Chroma server (`chroma run`), killed and restarted mid-run.

kefu answers 503 with a clear message while the server is down and recovers by itself when it is back.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.container import build_services
from service.settings import EmbeddingSettings, LLMSettings, Settings

pytestmark = pytest.mark.integration

CHROMA = Path(sys.executable).parent / "chroma"
SEARCH = {"shop_id": "demo", "query": "充电宝能不能带上飞机", "k": 3}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ChromaServer:
    """`chroma run` on loopback with its data in a temp folder; can be stopped and started again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not start (exit {self.proc.returncode})")
            time.sleep(0.2)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    if not CHROMA.is_file():
        pytest.fail(f"the chroma CLI should come with chromadb at {CHROMA}")
    server = ChromaServer(tmp_path / "chroma-server")
    server.start()
    yield server
    server.kill()


def _settings(tmp_path: Path, knowledge_dir: Path, url: str, name: str) -> Settings:
    return Settings(data_dir=tmp_path / name, knowledge_dir=knowledge_dir, chroma_url=url,
                    embedding=EmbeddingSettings(), llm=LLMSettings(mode="off"))


def test_index_and_search_through_a_chroma_server_that_dies_and_comes_back(
        tmp_path: Path, knowledge_dir: Path, chroma: ChromaServer) -> None:
    settings = _settings(tmp_path, knowledge_dir, chroma.url, "worker-1")
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/search", json=SEARCH)
        assert first.status_code == 200, first.text
        top = first.json()["hits"][0]["doc_id"]
        assert top.startswith("powerbank")
        assert not (settings.data_dir / "chroma").exists(), "vectors live on the server, not in the data dir"

        chroma.kill()
        down = client.post("/v1/search", json=SEARCH)
        assert down.status_code == 503
        body = down.json()
        assert body["error"] == "VectorStoreUnavailable" and chroma.url in body["message"]
        drafts = client.post("/v1/drafts", json={"shop_id": "demo", "use_llm": False,
                                                 "conversation": [{"role": "customer", "text": "充电宝能带上飞机吗"}]})
        assert drafts.status_code == 503 and drafts.json()["error"] == "VectorStoreUnavailable"

        chroma.start()  # same folder and port: the index is still there
        back = client.post("/v1/search", json=SEARCH)
        assert back.status_code == 200, back.text
        assert back.json()["hits"][0]["doc_id"] == top


def test_a_second_worker_finds_the_index_already_on_the_server(
        tmp_path: Path, knowledge_dir: Path, chroma: ChromaServer) -> None:
    first = build_services(_settings(tmp_path, knowledge_dir, chroma.url, "worker-1"))
    assert sum(len(r.added) for r in first.startup_reports) > 0

    second = build_services(_settings(tmp_path, knowledge_dir, chroma.url, "worker-2"))

    assert all(not r.added and not r.updated for r in second.startup_reports), "nothing embedded twice"
    hits = second.retriever.search("demo", SEARCH["query"], 3)
    assert hits and hits[0].chunk.doc_id.startswith("powerbank")


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8000", "127.0.0.1:8000", "http://"])
def test_a_chroma_url_that_is_not_http_is_refused_clearly(url: str) -> None:
    from service.errors import UserError
    from service.retrieval.vector_store import ChromaVectorStore

    with pytest.raises(UserError, match="KEFU_CHROMA_URL"):
        ChromaVectorStore(None, "e", url=url)
