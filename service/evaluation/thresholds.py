"""CI gates (evals/thresholds.yaml): golden runs (`kefu eval run` exits 1 on a miss) and the guards' sets."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.errors import UserError
from service.evaluation.guard_gates import GuardGate
from service.evaluation.results import RunResult, Stat
from service.settings import PROJECT_ROOT

THRESHOLDS_FILE = PROJECT_ROOT / "evals" / "thresholds.yaml"
STATS = frozenset(Stat.model_fields)


class Gate(BaseModel):
    """`metric` is `<scorer>.<stat>` over the whole run, e.g. guard_pass.mean or latency_ms.p95."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(pattern=r"^[a-z0-9_@]+\.[a-z0-9]+$")
    min: float | None = None
    max: float | None = None
    suite: str | None = Field(default=None, description="only for this suite (default: every suite)")
    llm: bool | None = Field(default=None, description="only for runs with (true) or without (false) the LLM")
    note: str = ""

    @model_validator(mode="after")
    def _bounded(self) -> Gate:
        if (self.min is None) == (self.max is None):
            raise ValueError(f"gate {self.metric}: give exactly one of min or max")
        if self.metric.rsplit(".", 1)[1] not in STATS:
            raise ValueError(f"gate {self.metric}: stat must be one of {', '.join(sorted(STATS))}")
        return self

    def applies(self, run: RunResult) -> bool:
        return (self.suite in (None, run.config.suite)) and (self.llm in (None, run.config.use_llm))


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_errors: int = Field(default=0, ge=0, description="cases whose request failed")
    gates: list[Gate] = Field(default_factory=list)
    guards: list[GuardGate] = Field(default_factory=list, description="labelled guard sets (`kefu eval guards --gate`)")


class GateResult(BaseModel):
    metric: str
    bound: str
    actual: float | None
    passed: bool
    note: str = ""


def load_thresholds(path: Path = THRESHOLDS_FILE) -> Thresholds:
    """Read and validate a thresholds file.

    Raises:
        UserError: the file is not valid YAML or does not match the model.
    """
    try:
        return Thresholds.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as exc:
        raise UserError(f"invalid thresholds: {exc}", where=str(path)) from exc


def check_thresholds(run: RunResult, thresholds: Thresholds) -> list[GateResult]:
    """Every applicable gate's verdict.

    A gate on a scorer the run did not use (e.g. llm_judge without --judge) is skipped; a scorer that
    ran but never applied (no values) fails, so a gate cannot pass by measuring nothing.
    """
    results = [GateResult(metric="errors", bound=f"<= {thresholds.max_errors}", actual=len(run.errors),
                          passed=len(run.errors) <= thresholds.max_errors)]
    for gate in (g for g in thresholds.gates if g.applies(run)):
        scorer, stat_name = gate.metric.rsplit(".", 1)
        if scorer.removesuffix("@n") not in run.directions:
            continue
        found = run.aggregates.overall.get(scorer)
        actual = float(getattr(found, stat_name)) if found is not None else None
        if gate.min is not None:
            bound, ok = f">= {gate.min:g}", actual is not None and actual >= gate.min
        else:
            assert gate.max is not None
            bound, ok = f"<= {gate.max:g}", actual is not None and actual <= gate.max
        results.append(GateResult(metric=gate.metric, bound=bound, actual=actual, passed=ok,
                                  note=gate.note if actual is not None else "not measured in this run"))
    return results
