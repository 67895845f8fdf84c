"""Search latency at shop scale: builds a synthetic ~10k-chunk shop, indexes it, times searches.

The shop is made from the demo shop's documents: each synthetic document copies a demo document of
the same type under a new id, SKU and series name, jitters its numbers, shuffles its list lines and
borrows a few lines from another document of its type, so the index holds plausible Chinese
product/policy text with many near-duplicates (the hard case for both retrievers).

Usage:
    python bench/search_latency.py [--chunks 10000] [--embedding use-onnx] [--data-dir DIR] [--json FILE]

Prints index time, p50/p99 of fused, dense-only and lexical-only searches (the demo retrieval set's
queries), and memory (RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service.knowledge.chunking import chunk_document
from service.knowledge.document import DocType, Document, parse_document
from service.knowledge.file_store import FileStore
from service.retrieval.embeddings import build_embedder
from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import RETRIEVERS, Retriever
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import PROJECT_ROOT, EmbeddingSettings

SERIES = ["青春版", "Pro", "Max", "Lite", "Plus", "Air", "mini", "经典款", "旗舰版", "2025款", "SE", "Ultra"]
_NUMBER_RE = re.compile(r"(?<![A-Za-z])(\d{2,5})(?![A-Za-z\d])")
_SECTION_RE = re.compile(r"^(#{1,6} .*)$", re.MULTILINE)


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _jitter(line: str, rng: random.Random) -> str:
    """Scale the numbers of a line by 0.5-1.5 (half of the lines), keeping the text plausible."""
    if rng.random() < 0.5:
        return line
    return _NUMBER_RE.sub(lambda m: str(max(1, round(int(m.group(1)) * rng.uniform(0.5, 1.5)))), line)


def _rewrite_body(body: str, donor: str, old_sku: str, new_sku: str, rng: random.Random) -> str:
    """Shuffle each section's list lines, jitter numbers, add two lines from the donor document."""
    donor_lines = [line for line in donor.splitlines() if line.startswith("- ")]
    parts = _SECTION_RE.split(body)
    out: list[str] = []
    for part in parts:
        if _SECTION_RE.fullmatch(part):
            out.append(part)
            continue
        lines = part.strip("\n").splitlines()
        bullets = [i for i, line in enumerate(lines) if line.startswith("- ")]
        shuffled = [lines[i] for i in bullets]
        rng.shuffle(shuffled)
        for i, line in zip(bullets, shuffled, strict=True):
            lines[i] = line
        if bullets and donor_lines:
            lines += rng.sample(donor_lines, min(2, len(donor_lines)))
        out.append("\n".join(_jitter(line, rng) for line in lines))
    text = "\n".join(out)
    return text.replace(old_sku, new_sku) if old_sku else text


def synthetic_shop(source: list[Document], shop_id: str, target_chunks: int, seed: int = 7) -> list[Document]:
    """Documents recombined from `source` until they make `target_chunks` chunks."""
    rng = random.Random(seed)
    by_type: dict[DocType, list[Document]] = {}
    for doc in source:
        by_type.setdefault(doc.meta.type, []).append(doc)
    docs: list[Document] = []
    total = 0
    while total < target_chunks:
        n = len(docs)
        template = rng.choice(source)
        donor = rng.choice(by_type[template.meta.type])
        meta = template.meta
        series = f"{rng.choice(SERIES)} {n % 97 + 2}"
        front: dict[str, object] = {"id": f"{meta.id}-{n:05d}", "type": meta.type.value,
                                    "title": f"{meta.title} {series}", "tags": list(meta.tags)}
        sku = ""
        if meta.type is DocType.product:
            sku = f"{meta.sku}X{n:05d}"
            front |= {"sku": sku, "category": meta.category,
                      "price": round((meta.price or 99) * rng.uniform(0.6, 1.6))}
        body = _rewrite_body(template.body, donor.body, meta.sku or "", sku, rng)
        text = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n{body}"
        doc = parse_document(text, shop_id=shop_id, path=f"synthetic/{front['id']}.md")
        docs.append(doc)
        total += len(chunk_document(doc))
    return docs


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50": round(statistics.median(ordered), 2),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
            "mean": round(statistics.fmean(ordered), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--embedding", default="use-onnx", help="use-onnx | sentence-transformers | hashing")
    parser.add_argument("--model", default="", help="sentence-transformers model (name or local path)")
    parser.add_argument("--data-dir", type=Path, default=None, help="reuse an index (default: a temp dir)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the query set")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    source, _ = FileStore(PROJECT_ROOT / "knowledge").load_shop("demo")
    queries = [c["query"] for c in yaml.safe_load(
        (PROJECT_ROOT / "evals" / "retrieval" / "demo.yaml").read_text(encoding="utf-8"))["cases"]]
    docs = synthetic_shop(source, "bench", args.chunks)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    rss_start = _rss_mb()

    embedder = build_embedder(EmbeddingSettings(mode=args.embedding, model=args.model))
    index = KnowledgeIndex(embedder, ChromaVectorStore(data_dir / "chroma", embedder.name))
    started = time.perf_counter()
    report = index.sync_shop("bench", docs)
    index_s = time.perf_counter() - started
    retriever = Retriever(index)
    retriever.search("bench", queries[0], 5)  # warm-up: first query loads lazily built structures

    modes = {"fused": RETRIEVERS, "dense": ("dense",), "lexical": ("lexical",)}
    timings: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):
        for query in queries:
            for name, retrievers in modes.items():
                t0 = time.perf_counter()
                retriever.search("bench", query, 5, retrievers=retrievers)
                timings[name].append((time.perf_counter() - t0) * 1000)
    results = {
        "embedder": embedder.name,
        "documents": len(docs),
        "chunks": report.chunks,
        "index_s": round(index_s, 1),
        "embedded_docs": len(report.added) + len(report.updated),
        "search_ms": {name: _percentiles(samples) for name, samples in timings.items()},
        "queries": len(queries) * args.rounds,
        "rss_mb": round(_rss_mb(), 0),
        "rss_index_mb": round(_rss_mb() - rss_start, 0),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "data_dir": str(data_dir),
    }
    print(f"shop: {results['documents']} docs, {results['chunks']} chunks; embedder {results['embedder']}")
    print(f"index: {results['index_s']} s ({results['embedded_docs']} docs embedded)")
    for name, stats in results["search_ms"].items():  # type: ignore[attr-defined]
        print(f"search {name:<8} p50 {stats['p50']:>7} ms   p99 {stats['p99']:>7} ms   "
              f"mean {stats['mean']} ms")
    print(f"memory: RSS {results['rss_mb']} MB (index +{results['rss_index_mb']} MB), "
          f"peak {results['peak_rss_mb']} MB; load average {results['load_average_1m']} on {os.cpu_count()} CPUs")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
