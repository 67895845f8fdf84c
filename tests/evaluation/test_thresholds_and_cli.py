from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.evaluation import golden_eval
from service.evaluation.golden_eval import GoldenRunOptions
from service.evaluation.results import RunResult, save_run
from service.evaluation.scorers import default_scorers
from service.evaluation.thresholds import THRESHOLDS_FILE, Gate, Thresholds, check_thresholds, load_thresholds
from tests.evaluation.helpers import run

GOOD = {
    "c1": {"guard_pass": 1.0, "decision": 1.0, "never_say": 0.0},
    "c2": {"guard_pass": 1.0, "decision": 0.5, "never_say": 0.0},
}
BAD = {
    "c1": {"guard_pass": 0.0, "decision": 1.0, "never_say": 2.0},
    "c2": {"guard_pass": 1.0, "decision": 0.0, "never_say": 0.0},
}
GATES = Thresholds(
    gates=[
        Gate(metric="guard_pass.mean", min=0.95),
        Gate(metric="never_say.total", max=0),
        Gate(metric="decision.mean", min=0.7, suite="demo"),
        Gate(metric="decision.mean", min=0.99, suite="law"),
        Gate(metric="latency_ms.p95", max=5, llm=True),
    ]
)


def test_the_committed_thresholds_name_real_scorers() -> None:
    thresholds = load_thresholds(THRESHOLDS_FILE)
    known = {s.name for s in default_scorers(embedder=None)} | {"embedding_cosine", "llm_judge"}
    for gate in thresholds.gates:
        scorer = gate.metric.rsplit(".", 1)[0].removesuffix("@n")
        assert scorer in known, gate.metric


@pytest.mark.parametrize(
    ("values", "failed"),
    [
        (GOOD, set()),
        (BAD, {"guard_pass.mean", "never_say.total", "decision.mean"}),
    ],
)
def test_check_thresholds(values: dict[str, dict[str, float | None]], failed: set[str]) -> None:
    verdicts = check_thresholds(run(values), GATES)
    assert {v.metric for v in verdicts if not v.passed} == failed
    assert "latency_ms.p95" not in {v.metric for v in verdicts}  # llm-only gate, --no-llm run
    assert [v.bound for v in verdicts if v.metric == "decision.mean"] == [">= 0.7"]  # demo gate only


def test_errors_and_unmeasured_scores_fail_but_unused_scorers_are_skipped() -> None:
    result = run({"c1": {"guard_pass": None, "decision": 1.0}, "c2": {"decision": 1.0}}, errors=("c2",))
    gates = Thresholds(
        gates=[Gate(metric="guard_pass.mean", min=0.5), Gate(metric="llm_judge.mean", min=0.5)]
    )
    verdicts = {v.metric: v for v in check_thresholds(result, gates)}
    assert not verdicts["errors"].passed and verdicts["errors"].actual == 1
    assert not verdicts["guard_pass.mean"].passed and verdicts["guard_pass.mean"].actual is None
    assert "llm_judge.mean" not in verdicts


@pytest.mark.parametrize(
    "body", ["gates: [{metric: guard_pass.mean}]", "gates: [{metric: guard_pass.median, min: 1}]", "oops: 1"]
)
def test_invalid_thresholds_are_user_errors(tmp_path: Path, body: str) -> None:
    from service.errors import UserError

    (tmp_path / "t.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(UserError):
        load_thresholds(tmp_path / "t.yaml")


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Replace the real run with a synthetic one; records the options the CLI built."""
    seen: dict[str, object] = {"values": GOOD}

    def fake(base: object, options: GoldenRunOptions, **kwargs: object) -> RunResult:
        seen["options"] = options
        return run(seen["values"])  # type: ignore[arg-type]

    monkeypatch.setattr(golden_eval, "run_golden_eval", fake)
    return seen


def _gates_file(tmp_path: Path) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text(
        "gates:\n  - {metric: guard_pass.mean, min: 0.95}\n  - {metric: never_say.total, max: 0}\n",
        encoding="utf-8",
    )
    return path


def test_cli_run_writes_results_and_report_and_passes_gates(
    tmp_path: Path, fake_run: dict[str, object]
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "run",
            "--suite",
            "demo",
            "--no-llm",
            "--limit",
            "8",
            "--case",
            "demo-*",
            "--out",
            str(out),
            "--thresholds",
            str(_gates_file(tmp_path)),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "results.json").is_file() and (out / "report.html").is_file()
    assert "PASS guard_pass.mean" in result.output
    options = fake_run["options"]
    assert isinstance(options, GoldenRunOptions)
    assert (options.use_llm, options.limit, options.cases, options.model) == (False, 8, ["demo-*"], None)


def test_cli_run_exits_1_when_a_gate_is_missed(tmp_path: Path, fake_run: dict[str, object]) -> None:
    fake_run["values"] = BAD
    args = [
        "eval",
        "run",
        "--model",
        "openai/x",
        "--out",
        str(tmp_path / "o"),
        "--thresholds",
        str(_gates_file(tmp_path)),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "FAIL never_say.total 2 <= 0" in result.output
    assert CliRunner().invoke(app, [*args, "--no-gate"]).exit_code == 0


def test_cli_compare(tmp_path: Path) -> None:
    save_run(run({"c1": {"decision": 1.0}, "c2": {"decision": 0.0}}, run_id="A"), tmp_path / "a")
    save_run(run({"c1": {"decision": 0.0}, "c2": {"decision": 1.0}}, run_id="B"), tmp_path / "b")
    args = ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "regressions: 1" in result.output and "improvements: 1" in result.output
    assert CliRunner().invoke(app, [*args, "--fail-on-regression"]).exit_code == 1


def test_an_evaluation_stops_on_a_shop_with_an_invalid_document(tmp_path: Path) -> None:
    from service.errors import UserError
    from service.evaluation.workspace import stage_knowledge

    shop = tmp_path / "roots" / "brokenshop"
    shop.mkdir(parents=True)
    (shop / "policy-returns.md").write_text(
        "---\nid: policy-returns\ntype: policy\ntitle: 退货\nrules:\n  return_days_typo: 15\n---\n# 退货\n- 15 天无理由。\n",
        encoding="utf-8")
    with pytest.raises(UserError, match="return_days_typo"):
        stage_knowledge(["brokenshop"], tmp_path / "staged", [tmp_path / "roots"])
