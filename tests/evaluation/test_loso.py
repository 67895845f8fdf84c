"""Leave-one-shop-out: each shop is measured by a tone model that never saw it (hashing embedder, own cases)."""

from __future__ import annotations

from pathlib import Path

import yaml
from rich.console import Console

from service.evaluation.loso import render_loso, run_leave_one_shop_out
from service.guards.base import Category
from service.guards.registry import default_runner
from service.guards.tone.train import ToneConfig
from service.retrieval.embeddings import HashingEmbedder
from service.text_features import FeatureSpec
from tests.guards.test_tone import BLAME, CLEAN


def _write_cases(path: Path, shops: list[str]) -> None:
    cases = []
    for shop in shops:
        for i, text in enumerate(BLAME):
            cases.append({"id": f"{shop}-b{i}", "shop": shop, "now": "2026-11-10T10:00:00+08:00",
                          "reply": f"亲,很高兴为您服务。{text}。", "expect": ["blame"]})
        for i, text in enumerate(CLEAN):
            cases.append({"id": f"{shop}-c{i}", "shop": shop, "now": "2026-11-10T10:00:00+08:00",
                          "reply": ("亲,很高兴为您服务。" if i % 2 else "") + text, "expect": []})
    path.write_text(yaml.safe_dump({"cases": cases}, allow_unicode=True), encoding="utf-8")


def test_every_shop_is_held_out_once_and_never_trained_on(tmp_path: Path) -> None:
    shops = ["demo", "outdoor", "babyshop"]
    _write_cases(tmp_path / "set.yaml", shops)
    config = ToneConfig(heads=[Category.blame], training_sets=["x"], false_alarm_budget=0.05, c=10,
                        features=FeatureSpec(buckets=1024, embedding_dim=256))
    folds: list[str] = []
    report = run_leave_one_shop_out([tmp_path / "set.yaml"], HashingEmbedder(), config, default_runner(),
                                    on_fold=folds.append)
    assert folds == sorted(shops)
    for shop in shops:
        assert report.training_shops[shop] == sorted(set(shops) - {shop})
    combined = report.modes["combined"]
    assert [s.shop for s in combined.shops] == sorted(shops)
    for rules, learned, both in zip(report.modes["rules"].shops, report.modes["learned"].shops, combined.shops,
                                    strict=True):
        assert both.expected[Category.blame] == len(BLAME) and both.clean == len(CLEAN)
        # a category found by either verdict is found by the combination
        found_by_either = max(rules.recall[Category.blame] or 0, learned.recall[Category.blame] or 0)
        assert (both.recall[Category.blame] or 0) >= found_by_either
    console = Console(width=220, record=True)
    console.print(render_loso(report))
    text = console.export_text()
    assert "Leave one shop out: combined" in text and "worst" in text and "mean" in text
