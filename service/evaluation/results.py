"""A golden run's results: per-case scores and aggregates per category, stage and language, as JSON."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from service.evaluation.scorers.base import Direction, Score

RESULTS_FILE = "results.json"
BEST_OF_N = "best_of_n"  # a metadata key a scorer may set; aggregated as `<scorer>@n`


class DraftSummary(BaseModel):
    text: str
    source: str
    passed: bool


class CaseResult(BaseModel):
    """One case: what came back and every scorer's verdict."""

    case_id: str
    shop: str
    category: str
    stage: str
    language: str
    tags: list[str] = Field(default_factory=list)
    expected_decision: str
    decision: str | None = None
    intent: str | None = None
    answer: str = ""
    golden_reply: str = ""
    drafts: list[DraftSummary] = Field(default_factory=list)
    degraded: bool = False
    error: str | None = Field(default=None, description="set when the request itself failed; no scores then")
    scores: dict[str, Score] = Field(default_factory=dict)

    def value(self, scorer: str) -> float | None:
        score = self.scores.get(scorer)
        return score.value if score else None


class Stat(BaseModel):
    """Summary of one scorer's values over a group of cases (cases where it applied)."""

    n: int
    mean: float
    total: float
    p50: float
    p95: float
    min: float
    max: float


class Aggregates(BaseModel):
    overall: dict[str, Stat] = Field(default_factory=dict)
    by_category: dict[str, dict[str, Stat]] = Field(default_factory=dict)
    by_stage: dict[str, dict[str, Stat]] = Field(default_factory=dict)
    by_language: dict[str, dict[str, Stat]] = Field(default_factory=dict)


class RunConfig(BaseModel):
    """How the run was made, to tell runs apart."""

    suite: str
    model: str = Field(description="the drafting model, or `composer` for deterministic drafts only")
    use_llm: bool
    server: str | None = None
    embedder: str = ""
    judge_model: str | None = None
    limit: int | None = None


class RunResult(BaseModel):
    """Everything `kefu eval run` writes to <out>/results.json."""

    run_id: str
    created_at: datetime
    wall_s: float
    config: RunConfig
    directions: dict[str, Direction] = Field(description="scorer → higher / lower is better, or info")
    cases: list[CaseResult]
    aggregates: Aggregates = Field(default_factory=Aggregates)

    @property
    def errors(self) -> list[CaseResult]:
        return [c for c in self.cases if c.error]


def _percentile(ordered: list[float], q: float) -> float:
    index = max(0, math.ceil(q * len(ordered)) - 1)
    return ordered[index]


def stat(values: Iterable[float]) -> Stat | None:
    """n, mean, total, p50, p95 (nearest rank), min and max; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    total = sum(ordered)
    return Stat(n=len(ordered), mean=round(total / len(ordered), 4), total=round(total, 6),
                p50=_percentile(ordered, 0.5), p95=_percentile(ordered, 0.95),
                min=ordered[0], max=ordered[-1])


def _case_values(case: CaseResult) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, score in case.scores.items():
        if score.value is not None:
            values[name] = score.value
        best = score.metadata.get(BEST_OF_N)
        if isinstance(best, int | float):
            values[f"{name}@n"] = float(best)
    return values


def _group(cases: list[CaseResult]) -> dict[str, Stat]:
    columns: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        if case.error:
            continue
        for name, value in _case_values(case).items():
            columns[name].append(value)
    return {name: s for name, values in columns.items() if (s := stat(values)) is not None}


def _by(cases: list[CaseResult], key: Callable[[CaseResult], str]) -> dict[str, dict[str, Stat]]:
    groups: dict[str, list[CaseResult]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return {name: _group(members) for name, members in sorted(groups.items())}


def aggregate(cases: list[CaseResult]) -> Aggregates:
    """Aggregates over all cases and per category, stage and language (errored cases left out)."""
    return Aggregates(
        overall=_group(cases),
        by_category=_by(cases, lambda c: c.category),
        by_stage=_by(cases, lambda c: c.stage),
        by_language=_by(cases, lambda c: c.language),
    )


def results_path(path: Path) -> Path:
    """A run directory or its results.json → the results.json."""
    return path / RESULTS_FILE if path.is_dir() else path


def save_run(run: RunResult, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / RESULTS_FILE
    target.write_text(run.model_dump_json(indent=2), encoding="utf-8")
    return target


def load_run(path: Path) -> RunResult:
    """Read a run from its directory or its results.json."""
    return RunResult.model_validate_json(results_path(path).read_text(encoding="utf-8"))
