"""Retrieval evaluation: doc-level recall@1, recall@5 and MRR per retriever, fused, and per tag."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from service.errors import UserError
from service.evaluation.shops import shop_root
from service.guards.base import Turn
from service.knowledge.document import DocType, Document
from service.knowledge.file_store import FileStore
from service.policy.order import Order
from service.retrieval.embeddings import Embedder
from service.retrieval.index import IndexOptions, KnowledgeIndex
from service.retrieval.query import SearchQuery, build_query
from service.retrieval.retriever import RETRIEVERS, Retriever, RetrieverConfig
from service.retrieval.vector_store import ChromaVectorStore

DEPTH = 10  # hits looked at for MRR; recall@5 reads the first five
QueryBuilder = Callable[[list[Turn], Order | None], SearchQuery]


class RetrievalCase(BaseModel):
    """One labelled buyer message (docs/data-formats.md, "Retrieval set")."""

    model_config = ConfigDict(extra="forbid")

    id: str
    query: str = Field(min_length=1)
    history: list[Turn] = Field(default_factory=list)
    order_skus: list[str] = Field(default_factory=list)
    relevant: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)


class RetrievalSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shop: str
    cases: list[RetrievalCase]


class Mode(BaseModel):
    """One way of searching: which retrievers take part and whether the order's products are boosted."""

    name: str
    retrievers: tuple[str, ...]
    boost: bool


MODES = (
    Mode(name="dense", retrievers=("dense",), boost=False),
    Mode(name="lexical", retrievers=("lexical",), boost=False),
    Mode(name="fused-no-order", retrievers=RETRIEVERS, boost=False),  # order boost off
    Mode(name="fused", retrievers=RETRIEVERS, boost=True),
)


class Metrics(BaseModel):
    n: int
    recall_at_1: float
    recall_at_5: float
    mrr: float


class Miss(BaseModel):
    """A case whose first relevant doc is not the first hit."""

    case_id: str
    rank: int | None
    query: str
    top_docs: list[str]


class ModeResult(BaseModel):
    mode: str
    overall: Metrics
    by_tag: dict[str, Metrics]
    misses: list[Miss]


class RetrievalReport(BaseModel):
    """Everything `kefu eval retrieval` prints."""

    path: str
    shop: str
    embedder: str
    chunks: int
    index_seconds: float
    search_ms_p50: float
    modes: list[ModeResult]


def _metrics(ranks: list[int | None]) -> Metrics:
    n = len(ranks)
    if n == 0:
        return Metrics(n=0, recall_at_1=0.0, recall_at_5=0.0, mrr=0.0)
    return Metrics(
        n=n,
        recall_at_1=round(sum(1 for r in ranks if r == 1) / n, 4),
        recall_at_5=round(sum(1 for r in ranks if r is not None and r <= 5) / n, 4),
        mrr=round(sum(1 / r for r in ranks if r is not None) / n, 4),
    )


def case_order(skus: list[str], docs: list[Document]) -> Order | None:
    """An order holding the case's SKUs, titles and categories taken from the product docs."""
    if not skus:
        return None
    products = {(d.meta.sku or "").lower(): d.meta for d in docs if d.meta.type is DocType.product}
    items = []
    for sku in skus:
        meta = products.get(sku.lower())
        item: dict[str, object] = {"sku": sku}
        if meta:
            item |= {"title": meta.title, "category": meta.category or "", "price": meta.price or 0}
        items.append(item)
    return Order.model_validate({"status": "delivered", "items": items})


def evaluate(retriever: Retriever, shop: str, cases: list[RetrievalCase], docs: list[Document],
             modes: tuple[Mode, ...] = MODES, *, build: QueryBuilder = build_query,
             max_per_doc: int = 2) -> tuple[list[ModeResult], float]:
    """Run every case through every mode; also returns the fused search p50 in ms.

    Args:
        retriever: What to evaluate.
        shop: The shop the cases ask.
        cases: The labelled cases.
        docs: The shop's documents (the cases' orders take product titles from them).
        modes: Retriever combinations to score.
        build: Turns a case's conversation and order into the search query.
        max_per_doc: Per-document cap of the searches (the API's default).
    """
    queries = {case.id: build([*case.history, Turn(role="customer", text=case.query)],
                              case_order(case.order_skus, docs)) for case in cases}
    results: list[ModeResult] = []
    timings: list[float] = []
    for mode in modes:
        ranks: dict[str, int | None] = {}
        misses: list[Miss] = []
        for case in cases:
            query = queries[case.id]
            started = time.perf_counter()
            hits = retriever.search(shop, query.text, DEPTH, retrievers=mode.retrievers,
                                    boost_skus=query.boost_skus if mode.boost else (),
                                    max_per_doc=max_per_doc)
            if mode.name == "fused":
                timings.append((time.perf_counter() - started) * 1000)
            rank = next((i for i, h in enumerate(hits, start=1) if h.chunk.doc_id in case.relevant), None)
            ranks[case.id] = rank
            if rank != 1:
                top = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:3]
                misses.append(Miss(case_id=case.id, rank=rank, query=query.text, top_docs=top))
        tags: dict[str, list[int | None]] = defaultdict(list)
        for case in cases:
            for tag in case.tags:
                tags[tag].append(ranks[case.id])
        results.append(ModeResult(mode=mode.name, overall=_metrics(list(ranks.values())),
                                  by_tag={t: _metrics(r) for t, r in sorted(tags.items())}, misses=misses))
    timings.sort()
    return results, round(timings[len(timings) // 2], 2) if timings else 0.0


def load_set(path: Path, data_dir: Path,
             shop_roots: list[Path] | None = None) -> tuple[RetrievalSet, list[Document]]:
    """A retrieval set and its shop's documents."""
    data = RetrievalSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    store = FileStore(shop_root(data.shop, shop_roots))
    docs, errors = store.load_shop(data.shop)
    if errors:
        raise UserError(f"shop `{data.shop}` has invalid documents: {'; '.join(map(str, errors))}")
    return data, docs


def run_retrieval_eval(path: Path, embedder: Embedder, data_dir: Path, *,
                       config: RetrieverConfig | None = None,
                       index_options: IndexOptions | None = None,
                       shop_roots: list[Path] | None = None) -> RetrievalReport:
    """Index the set's shop into a Chroma store under `data_dir` and score every case.

    Args:
        path: A retrieval set (`evals/retrieval/*.yaml`).
        embedder: The dense model to evaluate.
        data_dir: Where the vector store lives (reused incrementally between runs).
        config: Retriever settings to evaluate (defaults: the service's).
        index_options: What to index (defaults: the service's).
        shop_roots: Folders searched for the shop's documents (default: knowledge/, evals/shops/).
    """
    data, docs = load_set(path, data_dir, shop_roots)
    index = KnowledgeIndex(embedder, ChromaVectorStore(data_dir / "chroma", embedder.name), index_options)
    started = time.perf_counter()
    sync = index.sync_shop(data.shop, docs)
    index_seconds = time.perf_counter() - started
    retriever = Retriever(index, config)
    modes, p50 = evaluate(retriever, data.shop, data.cases, docs)
    return RetrievalReport(path=str(path), shop=data.shop, embedder=embedder.name, chunks=sync.chunks,
                           index_seconds=round(index_seconds, 2), search_ms_p50=p50, modes=modes)


def render_retrieval_report(report: RetrievalReport, *, show_misses: bool = False) -> str:
    """A plain-text table: one row per mode overall, then one block per tag."""
    lines = [f"retrieval eval {report.path}  shop={report.shop}  embedder={report.embedder}  "
             f"chunks={report.chunks}  index={report.index_seconds}s  fused p50={report.search_ms_p50} ms",
             "", f"{'mode':<16}{'n':>5}{'R@1':>8}{'R@5':>8}{'MRR':>8}"]

    def row(label: str, m: Metrics) -> str:
        return f"{label:<16}{m.n:>5}{m.recall_at_1:>8.3f}{m.recall_at_5:>8.3f}{m.mrr:>8.3f}"

    lines += [row(m.mode, m.overall) for m in report.modes]
    tags = sorted({t for m in report.modes for t in m.by_tag})
    for tag in tags:
        lines += ["", f"tag: {tag}"]
        lines += [row(m.mode, m.by_tag[tag]) for m in report.modes if tag in m.by_tag]
    if show_misses:
        for m in report.modes:
            lines += ["", f"misses ({m.mode}): {len(m.misses)}"]
            lines += [f"  {x.case_id} rank={x.rank} top={x.top_docs} q={x.query}" for x in m.misses]
    return "\n".join(lines)
