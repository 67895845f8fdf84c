"""Edit latency at shop scale: PUT, edit → searchable, and search latency while edits stream in.

For each size, a synthetic shop (bench/search_latency.py's recombined demo documents) is written to a
fresh store and indexed; then documents are edited one at a time over HTTP (in process, TestClient):
- PUT: the request's wall time (validate, embed the one document, one transaction, swap its chunks in);
- edit → searchable: from sending the PUT until a search returns the new text (a unique token added
  by the edit), i.e. what an agent waits for;
- search p50/p99 with no edits, and while another thread PUTs edits back to back.

Usage:
    python bench/edit_latency.py [--sizes 1000,10000] [--embedding use-onnx|hashing] [--edits 30] [--stream-s 20]
                                 [--chroma-url http://127.0.0.1:8001]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from fastapi.testclient import TestClient
from search_latency import synthetic_shop

from service.app import create_app
from service.container import Services, build_services
from service.knowledge.chunking import chunk_document
from service.knowledge.file_store import FileStore
from service.knowledge.versions import DocumentStore
from service.settings import PROJECT_ROOT, EmbeddingSettings, LLMSettings, RateLimitSettings, Settings
from service.store.database import Database, database_url

SHOP = "bench"
MD = {"Content-Type": "text/markdown"}


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms"


def _edited(text: str, marker: str) -> str:
    return text.rstrip("\n") + f"\n\n## 批次\n- 批次编号: {marker}\n"


def run_size(chunks: int, embedding: str, edits: int, stream_s: float, queries: list[str],
             chroma_url: str | None = None) -> None:
    source, _ = FileStore(PROJECT_ROOT / "knowledge").load_shop("demo")
    docs = synthetic_shop(source, SHOP, chunks)
    total_chunks = sum(len(chunk_document(d)) for d in docs)
    with tempfile.TemporaryDirectory(prefix="kefu-edit-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", knowledge_dir=Path(tmp) / "empty",
                            embedding=EmbeddingSettings(mode=embedding), llm=LLMSettings(mode="off"),  # type: ignore[arg-type]
                            rate_limit=RateLimitSettings(enabled=False), chroma_url=chroma_url)
        db = Database(database_url(None, settings.data_dir))
        db.migrate()
        store = DocumentStore(db)
        started = time.perf_counter()
        for doc in docs:
            store.write(SHOP, doc.id, doc.text, doc.content_hash, author="bench")
        stored_s = time.perf_counter() - started
        started = time.perf_counter()
        services = build_services(settings)
        index_s = time.perf_counter() - started
        print(f"\n== {total_chunks} chunks ({len(docs)} docs, embedding {services.retriever.index.embedder.name}): "
              f"store {stored_s:.1f} s, full index {index_s:.1f} s")

        def factory(_: Settings) -> Services:
            return services

        rng = random.Random(11)
        with TestClient(create_app(settings, services_factory=factory)) as client:
            put_ms: list[float] = []
            visible_ms: list[float] = []
            for i in range(edits):
                doc = rng.choice(docs)
                marker = f"zq{i:03d}edit{rng.randrange(10**6):06d}"
                started = time.perf_counter()
                response = client.put(f"/v1/shops/{SHOP}/docs/{doc.id}", content=_edited(doc.text, marker).encode(),
                                      headers=MD)
                put_ms.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
                hits = client.post("/v1/search", json={"shop_id": SHOP, "query": marker, "k": 50}).json()["hits"]
                visible_ms.append((time.perf_counter() - started) * 1000)
                assert any(marker in h["text"] for h in hits), f"edit {marker} not searchable after PUT returned"
            print(f"PUT                 {_ms(put_ms)}   ({edits} edits)")
            print(f"edit → searchable   {_ms(visible_ms)}")

            def search_times(seconds: float) -> list[float]:
                times: list[float] = []
                end = time.perf_counter() + seconds
                while time.perf_counter() < end:
                    query = rng.choice(queries)
                    started = time.perf_counter()
                    response = client.post("/v1/search", json={"shop_id": SHOP, "query": query, "k": 5})
                    assert response.status_code == 200, response.text
                    times.append((time.perf_counter() - started) * 1000)
                return times

            quiet = search_times(stream_s / 2)
            stop = threading.Event()
            streamed: list[float] = []

            def editor() -> None:
                edit_rng = random.Random(5)
                n = 0
                while not stop.is_set():
                    doc = edit_rng.choice(docs)
                    started = time.perf_counter()
                    response = client.put(f"/v1/shops/{SHOP}/docs/{doc.id}",
                                          content=_edited(doc.text, f"s{n}").encode(), headers=MD)
                    if response.status_code != 200:
                        raise RuntimeError(response.text)
                    streamed.append((time.perf_counter() - started) * 1000)
                    n += 1

            thread = threading.Thread(target=editor)
            thread.start()
            busy = search_times(stream_s)
            stop.set()
            thread.join()
            print(f"search, no edits    {_ms(quiet)}   ({len(quiet)} searches)")
            print(f"search during edits {_ms(busy)}   ({len(busy)} searches, {len(streamed)} PUTs "
                  f"at {_ms(streamed)})")
        services.database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="shop sizes in chunks, comma-separated")
    parser.add_argument("--embedding", default="use-onnx", help="use-onnx | hashing")
    parser.add_argument("--edits", type=int, default=30, help="timed single edits per size")
    parser.add_argument("--stream-s", type=float, default=20.0, help="seconds of searching during edits")
    parser.add_argument("--chroma-url", default=None,
                        help="a Chroma server (`chroma run`) instead of the embedded ChromaDB: its writes run in "
                             "another process (the embedded one holds Python's GIL while it writes)")
    args = parser.parse_args()
    retrieval = yaml.safe_load((PROJECT_ROOT / "evals" / "retrieval" / "demo.yaml").read_text(encoding="utf-8"))
    queries = [c["query"] for c in retrieval["cases"]]
    for size in (int(s) for s in args.sizes.split(",")):
        run_size(size, args.embedding, args.edits, args.stream_s, queries, args.chroma_url)


if __name__ == "__main__":
    main()
