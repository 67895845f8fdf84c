"""Guard evaluation on the labelled set (evals/guards/*.yaml): recall, false alarms, precision, latency."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Group
from rich.table import Table

from service.errors import UserError
from service.evaluation.golden import SAFE_LOADER
from service.evaluation.shops import load_shop_knowledge
from service.guards.base import Category, GuardContext, Severity, Turn, Violation
from service.guards.registry import default_runner
from service.guards.runner import GuardRunner
from service.policy.facts import compute_order_facts
from service.policy.order import Order


class GuardCase(BaseModel):
    """One labelled reply (docs/data-formats.md, "Guard labelled set")."""

    model_config = ConfigDict(extra="forbid")

    id: str
    shop: str
    now: datetime
    conversation: list[Turn] = Field(default_factory=list)
    order: Order | None = None
    reply: str
    expect: list[Category]
    note: str = ""


class GuardSet(BaseModel):
    """One labelled file."""

    model_config = ConfigDict(extra="forbid")

    cases: list[GuardCase]


class CaseOutcome(BaseModel):
    """What the guards said about one case."""

    case_id: str
    file: str
    reply: str
    expect: list[Category]
    found: list[Category]
    violations: list[Violation]
    latency_ms: float
    note: str = ""


class CategoryStats(BaseModel):
    """Recall and precision of one category."""

    category: Category
    expected: int = Field(description="cases that expect the category")
    caught: int = Field(description="of those, cases with at least one violation of it")
    flagged: int = Field(description="cases with at least one violation of the category")
    recall: float | None
    precision: float | None


class GuardEvalReport(BaseModel):
    """The whole evaluation: per-category scores, false alarms, latency, and the cases to look at."""

    n_cases: int
    n_clean: int
    false_alarms: int
    false_alarm_rate: float
    latency_p50_ms: float
    latency_p99_ms: float
    categories: list[CategoryStats]
    misses: list[CaseOutcome] = Field(description="cases missing an expected category")
    false_alarm_cases: list[CaseOutcome] = Field(description="clean cases with any violation")
    wrong_category: list[CaseOutcome] = Field(description="violating cases flagged in an unexpected category")


def load_cases(paths: list[Path]) -> list[tuple[str, GuardCase]]:
    """(file name, case) for every case in the files (directories are expanded to their *.yaml)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    cases: list[tuple[str, GuardCase]] = []
    seen: dict[str, str] = {}
    for file in files:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {"cases": []}
        try:
            guard_set = GuardSet.model_validate(data)
        except ValueError as exc:
            raise UserError(f"invalid guard labelled set: {exc}", where=str(file)) from exc
        for case in guard_set.cases:
            if case.id in seen:
                raise UserError(f"duplicate case id `{case.id}` (also in {seen[case.id]})", where=str(file))
            seen[case.id] = file.name
            cases.append((file.name, case))
    return cases


def build_context(case: GuardCase) -> GuardContext:
    """The guard context of a case: its shop's knowledge, its order's facts at `now`."""
    shop = load_shop_knowledge(case.shop)
    buyer = [turn.text for turn in case.conversation if turn.role == "customer"]
    facts = compute_order_facts(shop.rules, case.order, case.now, buyer_texts=buyer)
    return GuardContext(
        reply=case.reply,
        shop=shop,
        facts=facts,
        order=case.order,
        conversation=case.conversation,
        now=case.now,
    )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def evaluate_case(file: str, case: GuardCase, runner: GuardRunner) -> CaseOutcome:
    """Run the guards on one case and time them."""
    ctx = build_context(case)
    started = time.perf_counter()
    result = runner.check(ctx)
    latency = (time.perf_counter() - started) * 1000
    # info-severity findings (claims the documents do not support) are not violations
    found = sorted({v.category for v in result.violations if v.severity is not Severity.info}, key=lambda c: c.value)
    return CaseOutcome(
        case_id=case.id,
        file=file,
        reply=case.reply,
        expect=case.expect,
        found=found,
        violations=result.violations,
        latency_ms=latency,
        note=case.note,
    )


def run_guard_eval(paths: list[Path], runner: GuardRunner | None = None) -> GuardEvalReport:
    """Run the guards over every labelled case and score them per category.

    Args:
        paths: Labelled YAML files (or folders of them).
        runner: The guards to evaluate (default: the enabled guards of guards.yaml).
    """
    runner = runner or default_runner()
    outcomes = [evaluate_case(file, case, runner) for file, case in load_cases(paths)]
    clean = [o for o in outcomes if not o.expect]
    false_alarms = [o for o in clean if o.found]
    stats = []
    for category in Category:
        expected = [o for o in outcomes if category in o.expect]
        flagged = [o for o in outcomes if category in o.found]
        caught = [o for o in expected if category in o.found]
        stats.append(
            CategoryStats(
                category=category,
                expected=len(expected),
                caught=len(caught),
                flagged=len(flagged),
                recall=len(caught) / len(expected) if expected else None,
                precision=sum(category in o.expect for o in flagged) / len(flagged) if flagged else None,
            )
        )
    latencies = [o.latency_ms for o in outcomes]
    return GuardEvalReport(
        n_cases=len(outcomes),
        n_clean=len(clean),
        false_alarms=len(false_alarms),
        false_alarm_rate=len(false_alarms) / len(clean) if clean else 0.0,
        latency_p50_ms=statistics.median(latencies) if latencies else 0.0,
        latency_p99_ms=percentile(latencies, 99),
        categories=stats,
        misses=[o for o in outcomes if set(o.expect) - set(o.found)],
        false_alarm_cases=false_alarms,
        wrong_category=[o for o in outcomes if o.expect and set(o.found) - set(o.expect)],
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _violation_text(outcome: CaseOutcome) -> str:
    return "; ".join(f"{v.rule} «{outcome.reply[v.span[0] : v.span[1]]}»" for v in outcome.violations)


def render_report(report: GuardEvalReport) -> Group:
    """Rich tables: per-category scores, then misses, false alarms and wrong-category flags by case id."""
    summary = Table(title=f"Guards on {report.n_cases} labelled replies ({report.n_clean} clean)")
    for column in ("category", "expected", "caught", "recall", "flagged", "precision"):
        summary.add_column(column, justify="left" if column == "category" else "right")
    for s in report.categories:
        summary.add_row(
            s.category.value,
            str(s.expected),
            str(s.caught),
            _fmt(s.recall),
            str(s.flagged),
            _fmt(s.precision),
        )
    summary.caption = (
        f"false-alarm rate {report.false_alarm_rate:.3f} ({report.false_alarms}/{report.n_clean}); "
        f"latency p50 {report.latency_p50_ms:.2f} ms, p99 {report.latency_p99_ms:.2f} ms"
    )
    tables: list[Table] = [summary]
    for title, rows, show in (
        ("Misses (expected category not found)", report.misses, "missing"),
        ("False alarms (clean cases flagged)", report.false_alarm_cases, "violations"),
        ("Flagged in an unexpected category", report.wrong_category, "violations"),
    ):
        if not rows:
            continue
        table = Table(title=title, show_lines=True)
        table.add_column("case")
        table.add_column("expect / found")
        table.add_column("reply")
        table.add_column(show)
        for o in rows:
            detail = (
                ", ".join(sorted(c.value for c in set(o.expect) - set(o.found)))
                if show == "missing"
                else _violation_text(o)
            )
            table.add_row(
                f"{o.case_id}\n{o.file}",
                f"{[c.value for c in o.expect]}\n{[c.value for c in o.found]}",
                o.reply,
                detail,
            )
        tables.append(table)
    return Group(*tables)
