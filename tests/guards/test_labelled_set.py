"""The guards on the labelled set (evals/guards/*.yaml) and the CI gates of evals/thresholds.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from rich.console import Console
from typer.testing import CliRunner

from service.cli import app
from service.errors import UserError
from service.evaluation.guard_eval import GuardEvalReport, load_cases, render_report, run_guard_eval
from service.evaluation.guard_gates import GuardGate, check_guard_gate
from service.evaluation.thresholds import THRESHOLDS_FILE, load_thresholds
from service.guards.base import Category
from service.settings import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "evals" / "guards"


@pytest.fixture(scope="module")
def report() -> GuardEvalReport:
    if not list(LABELLED.glob("*.yaml")):
        pytest.skip("no labelled set in evals/guards")
    return run_guard_eval([LABELLED])


def test_thresholds_gate_every_category_and_false_alarms_on_the_labelled_and_dev_sets() -> None:
    gates = load_thresholds(THRESHOLDS_FILE).guards
    assert {tuple(g.set) for g in gates} >= {("evals/guards",), ("evals/guards_dev",)}
    for gate in gates:
        assert set(gate.recall) == set(Category) and gate.false_alarm_rate <= 0.02
        assert all((PROJECT_ROOT / p).exists() for p in gate.set)


def test_the_labelled_set_meets_its_gates(report: GuardEvalReport) -> None:
    [gate] = [g for g in load_thresholds(THRESHOLDS_FILE).guards if g.set == ["evals/guards"]]
    failed = [v for v in check_guard_gate(report, gate) if not v.passed]
    assert not failed, (failed, [o.case_id for o in report.misses + report.false_alarm_cases])


def test_a_gate_without_every_category_is_refused() -> None:
    with pytest.raises(ValidationError, match="ungrounded_fact"):
        GuardGate.model_validate({"set": ["evals/guards"], "false_alarm_rate": 0.01,
                                  "recall": {c.value: 0.9 for c in Category if c is not Category.ungrounded_fact}})


def test_a_gate_fails_on_low_recall_false_alarms_and_unmeasured_categories(report: GuardEvalReport) -> None:
    gate = GuardGate(set=["x"], recall=dict.fromkeys(Category, 0.5), false_alarm_rate=0.0)
    worse = report.model_copy(update={
        "false_alarm_rate": 0.1,
        "categories": [s.model_copy(update={"recall": 0.4 if s.category is Category.blame else None
                                            if s.category is Category.ungrounded_fact else s.recall})
                       for s in report.categories],
    })
    failed = {v.metric for v in check_guard_gate(worse, gate) if not v.passed}
    assert failed == {"recall.blame", "recall.ungrounded_fact", "false_alarm_rate"}


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


def test_cli_gate_exits_1_when_a_floor_is_missed(tmp_path: Path) -> None:
    floors = ", ".join(f"{c.value}: 1.0" for c in Category)
    strict = tmp_path / "thresholds.yaml"
    strict.write_text(f"guards:\n  - set: [evals/guards/ungrounded_fact.yaml]\n    recall: {{{floors}}}\n"
                      "    false_alarm_rate: 0.0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "guards", "--gate", "--thresholds", str(strict)])
    # that file has no clean replies and no other category: those bounds fail, they never pass by measuring nothing
    assert result.exit_code == 1, result.output
    assert "FAIL recall.blame" in result.output and "FAIL false_alarm_rate" in result.output
