from __future__ import annotations

from pathlib import Path

import pytest

from service.evaluation.compare import compare_runs, render_comparison
from service.evaluation.html_report import latency_histogram, render_html, write_report
from service.evaluation.results import load_run, save_run, stat
from service.evaluation.scorers.base import Score
from tests.evaluation.helpers import run


def test_stat_nearest_rank_percentiles() -> None:
    s = stat([5.0, 1.0, 4.0, 2.0, 3.0])
    assert s is not None
    assert (s.n, s.mean, s.total, s.p50, s.p95, s.min, s.max) == (5, 3.0, 15.0, 3.0, 5.0, 1.0, 5.0)
    assert stat([]) is None


def test_aggregates_per_category_skip_errors_and_inapplicable_scores() -> None:
    result = run(
        {
            "c1": {"decision": 1.0, "must_state": None},
            "c2": {"decision": 0.0, "must_state": 0.5},
            "c3": {"decision": 1.0, "must_state": 1.0},
            "c4": {"decision": 0.0},
        },
        errors=("c4",),
    )
    overall = result.aggregates.overall
    assert overall["decision"].n == 3 and overall["decision"].mean == pytest.approx(0.6667, abs=1e-4)
    assert overall["must_state"].n == 2 and overall["must_state"].mean == 0.75
    assert result.aggregates.by_category["七天无理由退货"]["decision"].mean == 1.0  # c1, c3
    assert result.aggregates.by_category["物流查询"]["decision"].n == 1  # c2 (c4 errored)
    assert set(result.aggregates.by_stage) == {"售后"} and set(result.aggregates.by_language) == {"zh"}
    assert [c.case_id for c in result.errors] == ["c4"]


def test_best_of_n_metadata_becomes_its_own_metric() -> None:
    result = run({"c1": {"must_state": 0.5}})
    result.cases[0].scores["must_state"] = Score(value=0.5, metadata={"best_of_n": 1.0})
    from service.evaluation.results import aggregate

    assert aggregate(result.cases).overall["must_state@n"].mean == 1.0


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    result = run({"c1": {"decision": 1.0}})
    save_run(result, tmp_path / "r")
    assert load_run(tmp_path / "r") == result == load_run(tmp_path / "r" / "results.json")


def test_compare_lists_regressions_and_improvements_case_by_case() -> None:
    a = run(
        {
            "c1": {"decision": 1.0, "never_say": 0.0, "must_state": 0.5, "latency_ms": 10.0},
            "c2": {"decision": 0.0, "never_say": 1.0, "must_state": 1.0, "latency_ms": 10.0},
            "c3": {"decision": 1.0},
            "c4": {"decision": 1.0},
            "gone": {"decision": 1.0},
        },
        run_id="A",
    )
    b = run(
        {
            "c1": {"decision": 0.0, "never_say": 0.0, "must_state": 0.52, "latency_ms": 900.0},
            "c2": {"decision": 1.0, "never_say": 0.0, "must_state": 0.5, "latency_ms": 10.0},
            "c3": {"decision": 1.0},
            "c4": {"decision": 1.0},
            "new": {"decision": 1.0},
        },
        run_id="B",
        errors=("c3",),
    )
    comparison = compare_runs(a, b)
    regressions = {(c.case_id, c.scorer) for c in comparison.regressions}
    improvements = {(c.case_id, c.scorer) for c in comparison.improvements}
    assert regressions == {("c1", "decision"), ("c2", "must_state"), ("c3", "error")}
    assert improvements == {("c2", "decision"), ("c2", "never_say")}  # fewer never_say hits is better
    assert comparison.only_in_a == ["gone"] and comparison.only_in_b == ["new"]
    text = render_comparison(comparison)
    assert "regressions: 3" in text and "c1" in text and "1 → 0" in text


def test_compare_tolerance_hides_noise() -> None:
    a = run({"c1": {"must_state": 0.50}})
    b = run({"c1": {"must_state": 0.40}}, run_id="b")
    assert compare_runs(a, b, tolerance=0.2).regressions == []
    assert len(compare_runs(a, b, tolerance=0.05).regressions) == 1


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    result = run(
        {
            "c1": {"decision": 1.0, "must_state": 0.5, "latency_ms": 12.0},
            "c2": {"decision": 0.0, "must_state": 1.0, "latency_ms": 40.0},
        }
    )
    result.cases[0].answer = "<script>alert(1)</script>"
    html = render_html(result, ["物流查询", "七天无理由退货"])
    assert html.count("<svg") == 2 and "<script>" not in html and "&lt;script&gt;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "src=" not in html and "<link" not in html
    assert html.index("物流查询 (1)") < html.index("七天无理由退货 (1)")  # the given category order
    assert write_report(result, tmp_path, ["物流查询", "七天无理由退货"]).read_text(encoding="utf-8") == html


def test_latency_histogram_counts_every_value() -> None:
    svg = latency_histogram([10.0, 10.0, 11.0, 50.0], bins=4)
    assert "10–20 ms: 3" in svg and "40–50 ms: 1" in svg
    assert "ms: 0" in svg  # empty bins are drawn too
