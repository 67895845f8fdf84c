"""The guards meet the targets on the labelled set (evals/guards/*.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from service.errors import UserError
from service.evaluation.guard_eval import GuardEvalReport, load_cases, render_report, run_guard_eval
from service.guards.base import Category
from service.settings import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "evals" / "guards"
RECALL_TARGETS = {Category.refund_rule: 0.95, Category.false_promise: 0.95, Category.blame: 0.95}


@pytest.fixture(scope="module")
def report() -> GuardEvalReport:
    if not list(LABELLED.glob("*.yaml")):
        pytest.skip("no labelled set in evals/guards")
    return run_guard_eval([LABELLED])


@pytest.mark.parametrize("category", list(RECALL_TARGETS))
def test_recall_targets(report: GuardEvalReport, category: Category) -> None:
    stats = next(s for s in report.categories if s.category is category)
    missed = [o.case_id for o in report.misses if category in o.expect and category not in o.found]
    assert stats.recall is not None and stats.recall >= RECALL_TARGETS[category], missed


def test_false_alarm_rate(report: GuardEvalReport) -> None:
    assert report.n_clean > 0
    assert report.false_alarm_rate <= 0.03, [o.case_id for o in report.false_alarm_cases]


def test_latency(report: GuardEvalReport) -> None:
    assert report.latency_p50_ms <= 10


def test_report_renders_misses_and_false_alarms_by_case_id(report: GuardEvalReport) -> None:
    console = Console(width=200, record=True)
    console.print(render_report(report))
    text = console.export_text()
    assert "refund_rule" in text and "false-alarm rate" in text
    for outcome in report.misses[:3]:
        assert outcome.case_id in text


def test_duplicate_case_ids_are_refused(tmp_path: Path) -> None:
    case = """
  - id: x-1
    shop: demo
    now: "2026-11-10T10:00:00+08:00"
    reply: 亲,您好
    expect: []
"""
    (tmp_path / "a.yaml").write_text("cases:" + case, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("cases:" + case, encoding="utf-8")
    with pytest.raises(UserError, match="duplicate case id"):
        load_cases([tmp_path])
