"""`kefu eval compare RUN_A RUN_B`: what got worse and what got better, case by case."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from service.evaluation.results import RunResult

Kind = Literal["regression", "improvement"]


class CaseChange(BaseModel):
    """One scorer's value on one case moved by more than the tolerance, in the worse or better direction."""

    case_id: str
    category: str
    scorer: str
    before: float | None
    after: float | None
    kind: Kind
    answer_after: str = ""


class MeanDelta(BaseModel):
    scorer: str
    before: float | None
    after: float | None


class Comparison(BaseModel):
    run_a: str
    run_b: str
    regressions: list[CaseChange]
    improvements: list[CaseChange]
    only_in_a: list[str]
    only_in_b: list[str]
    means: list[MeanDelta]


def _kind(before: float, after: float, direction: str, tolerance: float) -> Kind | None:
    delta = after - before if direction == "higher" else before - after
    if abs(delta) <= tolerance:
        return None
    return "improvement" if delta > 0 else "regression"


def compare_runs(a: RunResult, b: RunResult, *, tolerance: float = 0.05) -> Comparison:
    """Compare B against A on the cases both ran.

    Only scorers with a direction ("higher"/"lower") are compared per case; latency and usage show
    in the means. A case that errored in B but not in A is a regression of the pseudo-scorer `error`.

    Args:
        a: the baseline run.
        b: the new run.
        tolerance: changes of at most this much are noise (binary scorers move by 1).
    """
    directions = {**a.directions, **b.directions}
    cases_a = {c.case_id: c for c in a.cases}
    cases_b = {c.case_id: c for c in b.cases}
    changes: list[CaseChange] = []
    for case_id, new in cases_b.items():
        old = cases_a.get(case_id)
        if old is None:
            continue
        if bool(old.error) != bool(new.error):
            changes.append(CaseChange(case_id=case_id, category=new.category, scorer="error",
                                      before=float(bool(old.error)), after=float(bool(new.error)),
                                      kind="regression" if new.error else "improvement"))
            continue
        for scorer, direction in directions.items():
            before, after = old.value(scorer), new.value(scorer)
            if direction == "info" or before is None or after is None:
                continue
            kind = _kind(before, after, direction, tolerance)
            if kind:
                changes.append(CaseChange(case_id=case_id, category=new.category, scorer=scorer,
                                          before=before, after=after, kind=kind, answer_after=new.answer))
    means = [MeanDelta(scorer=s,
                       before=a.aggregates.overall[s].mean if s in a.aggregates.overall else None,
                       after=b.aggregates.overall[s].mean if s in b.aggregates.overall else None)
             for s in sorted(set(a.aggregates.overall) | set(b.aggregates.overall))]
    return Comparison(
        run_a=a.run_id, run_b=b.run_id,
        regressions=[c for c in changes if c.kind == "regression"],
        improvements=[c for c in changes if c.kind == "improvement"],
        only_in_a=sorted(set(cases_a) - set(cases_b)), only_in_b=sorted(set(cases_b) - set(cases_a)),
        means=means,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def render_comparison(comparison: Comparison) -> str:
    """Plain text: the means side by side, then every regression and improvement."""
    lines = [f"compare {comparison.run_a} (A) → {comparison.run_b} (B)", "",
             f"{'scorer':<20}{'A':>10}{'B':>10}"]
    lines += [f"{m.scorer:<20}{_fmt(m.before):>10}{_fmt(m.after):>10}" for m in comparison.means]
    for title, items in (("regressions", comparison.regressions), ("improvements", comparison.improvements)):
        lines += ["", f"{title}: {len(items)}"]
        lines += [f"  {c.case_id:<24} {c.category:<10} {c.scorer:<16} {_fmt(c.before)} → {_fmt(c.after)}"
                  for c in items]
    if comparison.only_in_a or comparison.only_in_b:
        lines += ["", f"only in A: {', '.join(comparison.only_in_a) or '-'}",
                  f"only in B: {', '.join(comparison.only_in_b) or '-'}"]
    return "\n".join(lines)
