"""Leave-one-shop-out evaluation: for each shop, train the tone model on the other shops, measure on it.

Three verdicts are scored per shop: the rule-based guards alone, the learned tone layer alone (its heads
only) and both together (a category is found when either finds it), as recall per category and the
false-alarm rate on the shop's clean replies; then the mean over shops and the worst shop. The tone
model is trained inside each fold (its thresholds calibrated on folds of the training shops), so no
case of the held-out shop reaches it. The rule guards are not retrained: their phrase lists were
written while looking at these shops, so their numbers here are not held-out ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from rich.console import Group
from rich.table import Table

from service.evaluation.guard_eval import GuardCase, evaluate_case, load_cases
from service.guards.base import Category
from service.guards.runner import GuardRunner
from service.guards.tone.train import Corpus, LabelledReply, ToneConfig, reply_scores, train_tone_model
from service.retrieval.embeddings import Embedder

MODES = ("rules", "learned", "combined")


class ShopScores(BaseModel):
    """One shop's numbers under one verdict."""

    shop: str
    cases: int
    clean: int
    recall: dict[Category, float | None] = Field(description="None when the shop has no case of the category")
    expected: dict[Category, int]
    false_alarm_rate: float
    false_alarms: int


class ModeSummary(BaseModel):
    """One verdict over all folds: per shop, the mean over shops and the worst shop."""

    mode: str
    shops: list[ShopScores]
    mean_recall: dict[Category, float | None]
    worst_recall: dict[Category, tuple[str, float] | None]
    mean_false_alarm_rate: float
    worst_false_alarm_rate: tuple[str, float]


class LosoReport(BaseModel):
    """Leave-one-shop-out over every shop of the labelled sets."""

    heads: list[Category]
    files: list[str]
    modes: dict[str, ModeSummary]
    training_shops: dict[str, list[str]] = Field(description="held-out shop -> the shops its model was trained on")


def labelled_replies(cases: list[tuple[str, GuardCase]]) -> list[LabelledReply]:
    """What the tone model's training needs of labelled cases."""
    return [LabelledReply(c.id, c.shop, c.reply, frozenset(c.expect)) for _, c in cases]


def _shop_scores(shop: str, expect: list[frozenset[Category]], found: list[set[Category]]) -> ShopScores:
    clean = [i for i, e in enumerate(expect) if not e]
    recall: dict[Category, float | None] = {}
    expected: dict[Category, int] = {}
    for category in Category:
        rows = [i for i, e in enumerate(expect) if category in e]
        expected[category] = len(rows)
        recall[category] = sum(category in found[i] for i in rows) / len(rows) if rows else None
    alarms = sum(bool(found[i]) for i in clean)
    return ShopScores(shop=shop, cases=len(expect), clean=len(clean), recall=recall, expected=expected,
                      false_alarm_rate=alarms / len(clean) if clean else 0.0, false_alarms=alarms)


def _summary(mode: str, shops: list[ShopScores]) -> ModeSummary:
    mean: dict[Category, float | None] = {}
    worst: dict[Category, tuple[str, float] | None] = {}
    for category in Category:
        measured = [(s.shop, s.recall[category]) for s in shops if s.recall[category] is not None]
        values = [(shop, float(v)) for shop, v in measured if v is not None]
        mean[category] = float(np.mean([v for _, v in values])) if values else None
        worst[category] = min(values, key=lambda sv: sv[1]) if values else None
    worst_fa = max(((s.shop, s.false_alarm_rate) for s in shops), key=lambda sv: sv[1])
    return ModeSummary(mode=mode, shops=shops, mean_recall=mean, worst_recall=worst,
                       mean_false_alarm_rate=float(np.mean([s.false_alarm_rate for s in shops])),
                       worst_false_alarm_rate=worst_fa)


def run_leave_one_shop_out(paths: list[Path], embedder: Embedder, config: ToneConfig, rules: GuardRunner,
                           on_fold: Callable[[str], None] | None = None) -> LosoReport:
    """Rotate over the shops of the labelled files.

    Args:
        paths: Labelled files or folders (every shop in them is held out once).
        embedder: The sentence embedder of the tone model.
        config: The tone model's training settings (heads, budget, features).
        rules: The rule-based guards (without the tone layer).
        on_fold: Called with each shop before its fold is trained (progress).
    """
    cases = load_cases(paths)
    replies = labelled_replies(cases)
    rule_found = [set(evaluate_case(file, case, rules).found) for file, case in cases]
    corpus = Corpus.build(replies, embedder)
    shops = corpus.shops()
    learned_found: list[set[Category]] = [set() for _ in replies]
    trained_on: dict[str, list[str]] = {}
    for shop in sorted(set(shops.tolist())):
        if on_fold is not None:
            on_fold(shop)
        held = shops == shop
        train = corpus.subset(~held)
        model = train_tone_model(train.replies, embedder, config, [str(p) for p in paths], corpus=train)
        if shop in model.sidecar.cases_per_shop:  # the fold's whole point: never train on the shop measured
            raise AssertionError(f"fold {shop}: the held-out shop's cases reached the training data")
        trained_on[shop] = sorted(model.sidecar.cases_per_shop)
        flagged = reply_scores(corpus.subset(held), model.weights, model.bias, config.features) > model.thresholds
        for row, reply in enumerate(np.flatnonzero(held)):
            learned_found[reply] = {h for h, on in zip(config.heads, flagged[row], strict=True) if on}
    verdicts = {"rules": rule_found, "learned": learned_found,
                "combined": [r | s for r, s in zip(rule_found, learned_found, strict=True)]}
    modes = {}
    for mode, found in verdicts.items():
        per_shop = []
        for shop in sorted(set(shops.tolist())):
            rows = np.flatnonzero(shops == shop)
            per_shop.append(_shop_scores(shop, [replies[i].expect for i in rows], [found[i] for i in rows]))
        modes[mode] = _summary(mode, per_shop)
    return LosoReport(heads=config.heads, files=[str(p) for p in paths], modes=modes, training_shops=trained_on)


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_loso(report: LosoReport) -> Group:
    """One table per verdict: shops as rows, recall per category and false alarms as columns, then mean and worst."""
    tables = []
    heads = set(report.heads)
    for mode in MODES:
        summary = report.modes[mode]
        shown = [c for c in Category if mode != "learned" or c in heads]
        table = Table(title=f"Leave one shop out: {mode}" + (" (heads: " + ", ".join(h.value for h in report.heads)
                                                            + ")" if mode == "learned" else ""))
        table.add_column("held-out shop")
        for category in shown:
            table.add_column(category.value, justify="right")
        table.add_column("false alarms", justify="right")
        for s in summary.shops:
            table.add_row(f"{s.shop} ({s.cases})",
                          *[f"{_cell(s.recall[c])} /{s.expected[c]}" for c in shown],
                          f"{s.false_alarm_rate:.3f} ({s.false_alarms}/{s.clean})")
        table.add_row("mean", *[_cell(summary.mean_recall[c]) for c in shown],
                      f"{summary.mean_false_alarm_rate:.3f}", style="bold")
        worst = [summary.worst_recall[c] for c in shown]
        table.add_row("worst", *["-" if w is None else f"{w[1]:.2f} {w[0]}" for w in worst],
                      f"{summary.worst_false_alarm_rate[1]:.3f} {summary.worst_false_alarm_rate[0]}", style="bold")
        tables.append(table)
    caption = ("The learned layer is trained inside each fold without the held-out shop. The rule guards are "
               "not retrained: they were tuned while looking at these shops, so their numbers are not held-out.")
    tables[-1].caption = caption
    return Group(*tables)
