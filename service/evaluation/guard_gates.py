"""CI gates for the guards (`guards:` in evals/thresholds.yaml): every category's recall and the false alarms.

A gate names a labelled set (files or folders under the project root) and bounds, for that set, the
recall of each of the five categories (all five are required, so none can be left ungated), the
false-alarm rate on its clean replies and optionally the p50 latency. `kefu eval guards --gate`
evaluates every gated set and exits 1 when a bound is missed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.evaluation.guard_eval import GuardEvalReport
from service.guards.base import Category


class GuardGate(BaseModel):
    """Bounds for one labelled set."""

    model_config = ConfigDict(extra="forbid")

    set: list[str] = Field(min_length=1, description="labelled files or folders, relative to the project root")
    recall: dict[Category, float] = Field(description="minimum recall of every category")
    false_alarm_rate: float = Field(ge=0, le=1, description="maximum share of clean replies flagged")
    latency_p50_ms: float | None = Field(None, gt=0, description="maximum p50 guard latency per reply")
    note: str = ""

    @model_validator(mode="after")
    def _every_category(self) -> GuardGate:
        missing = [c.value for c in Category if c not in self.recall]
        if missing:
            raise ValueError(f"guard gate {self.set}: every category needs a recall floor; missing {missing}")
        return self

    def paths(self, root: Path) -> list[Path]:
        return [root / p for p in self.set]


class GuardGateResult(BaseModel):
    """One bound's verdict."""

    metric: str
    bound: str
    actual: float | None
    passed: bool


def check_guard_gate(report: GuardEvalReport, gate: GuardGate) -> list[GuardGateResult]:
    """Every bound of the gate against the report; a category with no labelled case fails (nothing measured)."""
    results: list[GuardGateResult] = []
    for stats in report.categories:
        floor = gate.recall[stats.category]
        results.append(GuardGateResult(metric=f"recall.{stats.category.value}", bound=f">= {floor:g}",
                                       actual=stats.recall,
                                       passed=stats.recall is not None and stats.recall >= floor))
    results.append(GuardGateResult(metric="false_alarm_rate", bound=f"<= {gate.false_alarm_rate:g}",
                                   actual=report.false_alarm_rate if report.n_clean else None,
                                   passed=report.n_clean > 0 and report.false_alarm_rate <= gate.false_alarm_rate))
    if gate.latency_p50_ms is not None:
        results.append(GuardGateResult(metric="latency_p50_ms", bound=f"<= {gate.latency_p50_ms:g}",
                                       actual=report.latency_p50_ms,
                                       passed=report.latency_p50_ms <= gate.latency_p50_ms))
    return results
