"""The retrieval eval: metrics, orders built from the shop, report and rendering (hashing embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from service.evaluation.retrieval_eval import (
    MODES,
    _metrics,
    case_order,
    render_retrieval_report,
    run_retrieval_eval,
)
from service.retrieval.embeddings import HashingEmbedder
from tests.retrieval.conftest import EARBUDS, POWERBANK, RETURNS, demo_docs


def test_metrics() -> None:
    m = _metrics([1, 2, None, 5])
    assert (m.n, m.recall_at_1, m.recall_at_5, m.mrr) == (4, 0.25, 0.75, round((1 + 0.5 + 0.2) / 4, 4))
    assert _metrics([]).n == 0


def test_case_order_takes_titles_and_categories_from_the_product_docs() -> None:
    order = case_order(["ab3", "GONE"], demo_docs("demo"))
    assert order is not None
    assert [(i.sku, i.title, i.category) for i in order.items] == [
        ("ab3", "AirBeat 3 真无线蓝牙耳机", "耳机"), ("GONE", "", "")]
    assert case_order([], demo_docs("demo")) is None


@pytest.fixture
def retrieval_set(tmp_path: Path) -> Path:
    shop = tmp_path / "shops" / "tiny"
    shop.mkdir(parents=True)
    for doc in demo_docs("tiny"):
        (shop / f"{doc.id}.md").write_text(doc.text, encoding="utf-8")
    assert EARBUDS and POWERBANK and RETURNS
    cases = [
        {"id": "t-1", "query": "充电宝能带上飞机吗", "relevant": ["powerbank-pb20"], "tags": ["colloquial"]},
        {"id": "t-2", "query": "它掉进水里了怎么办", "order_skus": ["AB3"], "relevant": ["earbuds-ab3"],
         "tags": ["order-ref"]},
        {"id": "t-3", "query": "运费谁出", "history": [{"role": "customer", "text": "我想七天无理由退货"}],
         "relevant": ["policy-returns"], "tags": ["multi-turn", "policy"]},
    ]
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({"shop": "tiny", "cases": cases}, allow_unicode=True), encoding="utf-8")
    return path


def test_run_and_render(retrieval_set: Path, tmp_path: Path) -> None:
    report = run_retrieval_eval(retrieval_set, HashingEmbedder(), tmp_path / "data",
                                shop_roots=[tmp_path / "shops"])
    assert [m.mode for m in report.modes] == [m.name for m in MODES]
    fused = report.modes[-1]
    assert fused.overall.n == 3 and fused.overall.recall_at_5 == 1.0
    assert set(fused.by_tag) == {"colloquial", "order-ref", "multi-turn", "policy"}
    text = render_retrieval_report(report, show_misses=True)
    assert "R@1" in text and "tag: multi-turn" in text and "fused" in text
