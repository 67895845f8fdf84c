"""Full rebuild throughput as a share of the embedding model's raw throughput.

A synthetic shop (bench/search_latency.py's recombined demo documents) is indexed from scratch into a
fresh Chroma (`KnowledgeIndex.sync_shop`: chunking, passages, embedding, vector writes, BM25); the same
passage and profile texts are then embedded alone, in the same batches. Prints passages/s of both and the
share (target ≥ 80 %).

    python bench/rebuild_throughput.py [--chunks 2000] [--embedding use-onnx|hashing]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_latency import synthetic_shop

from service.knowledge.file_store import FileStore
from service.retrieval.embeddings import build_embedder
from service.retrieval.index import KnowledgeIndex
from service.retrieval.passages import dense_passages, doc_card, doc_profile
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import PROJECT_ROOT, EmbeddingSettings

SHOP = "bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000, help="shop size in chunks")
    parser.add_argument("--embedding", default="use-onnx", help="use-onnx | hashing")
    args = parser.parse_args()
    source, _ = FileStore(PROJECT_ROOT / "knowledge").load_shop("demo")
    docs = synthetic_shop(source, SHOP, args.chunks)
    embedder = build_embedder(EmbeddingSettings(mode=args.embedding))
    embedder.embed(["预热"])  # model load is not throughput
    with tempfile.TemporaryDirectory(prefix="kefu-rebuild-bench-") as tmp:
        index = KnowledgeIndex(embedder, ChromaVectorStore(Path(tmp), embedder.name))
        started = time.perf_counter()
        report = index.sync_shop(SHOP, docs)
        rebuild_s = time.perf_counter() - started
    from service.knowledge.chunking import chunk_document

    texts = [doc_profile(d.meta) for d in docs]
    texts += [p.text for d in docs for c in chunk_document(d) for p in dense_passages(c, doc_card(d.meta))]
    started = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - started
    print(f"{report.chunks} chunks, {len(texts)} texts embedded ({embedder.name})")
    print(f"raw embedding: {raw_s:.1f} s, {len(texts) / raw_s:.0f} texts/s")
    print(f"full rebuild:  {rebuild_s:.1f} s, {len(texts) / rebuild_s:.0f} texts/s")
    print(f"rebuild throughput = {raw_s / rebuild_s:.0%} of the model's raw throughput (target >= 80 %)")


if __name__ == "__main__":
    main()
