from __future__ import annotations

import numpy as np
import pytest

from service.drafting.prompt import PromptLibrary
from service.evaluation.scorers import (
    Cost,
    DecisionMatch,
    EmbeddingCosine,
    GuardPass,
    Latency,
    LLMJudge,
    MustState,
    NeverSay,
    RetrievalHit,
    RougeL,
    Tokens,
)
from service.evaluation.scorers.llm_judge import parse_verdict
from service.evaluation.scorers.rouge_l import lcs_length, normalise, rouge_l
from service.retrieval.embeddings import Vectors
from service.settings import PROJECT_ROOT
from tests.evaluation.helpers import case, draft, trial
from tests.fakes import FakeLLM


@pytest.mark.parametrize(
    ("a", "b", "lcs"),
    [
        ("", "abc", 0),
        ("abc", "abc", 3),
        ("abcde", "ace", 3),
        ("abc", "def", 0),
        ("支持七天无理由退货", "七天无理由", 5),
        ("退货运费您承担", "运费由您来承担", 5),
        ("ABCBDAB", "BDCABA", 4),
    ],
)
def test_lcs_length(a: str, b: str, lcs: int) -> None:
    assert lcs_length(a, b) == lcs == lcs_length(b, a)


@pytest.mark.parametrize(
    ("candidate", "reference", "f1"),
    [
        ("亲,您好!", "亲您好", 1.0),  # punctuation and whitespace do not count
        ("支持七天无理由退货", "七天无理由", 2 * (5 / 9) * 1 / (5 / 9 + 1)),  # P 5/9, R 5/5 → 0.7143
        ("退货运费您承担", "运费由您来承担", 5 / 7),  # LCS 运费您承担: P 5/7, R 5/7
        ("abc", "xyz", 0.0),
        ("", "七天", 0.0),
        ("Hello World", "hello world", 1.0),  # Latin letters are lower-cased
    ],
)
def test_rouge_l_f1_table(candidate: str, reference: str, f1: float) -> None:
    assert rouge_l(candidate, reference)[2] == pytest.approx(f1, abs=1e-4)


def test_normalise_drops_cjk_and_ascii_punctuation() -> None:
    assert normalise("亲,您好!《消法》第25条。 OK?") == "亲您好消法第25条ok"


def test_rouge_scorer_reports_precision_and_recall() -> None:
    score = RougeL().score(trial(case(golden_reply="七天无理由"), [draft("支持七天无理由退货")]))
    assert score.value == pytest.approx(0.7143, abs=1e-4)
    assert score.metadata == {"precision": pytest.approx(0.5556, abs=1e-4), "recall": 1.0}


@pytest.mark.parametrize(
    ("retrieved", "policy_ids", "value", "rank"),
    [
        (["policy-returns"], ["policy-returns"], 1.0, 1),
        (["earbuds-ab3", "earbuds-ab3", "policy-returns"], ["policy-returns", "policy-warranty"], 1.0, 2),
        (["earbuds-ab3"], ["policy-returns"], 0.0, None),
        ([], ["policy-returns"], 0.0, None),
        (["earbuds-ab3"], [], None, None),
    ],
)
def test_retrieval_hit(
    retrieved: list[str], policy_ids: list[str], value: float | None, rank: int | None
) -> None:
    score = RetrievalHit().score(trial(case(policy_ids=policy_ids), retrieved=retrieved))
    assert score.value == value
    assert score.metadata.get("rank") == rank


@pytest.mark.parametrize(
    ("passes", "value", "passing"),
    [
        ([True, True], 1.0, 2),
        ([False, True], 0.0, 1),
        ([True, False], 1.0, 1),
        ([], 0.0, None),
    ],
)
def test_guard_pass_reads_the_top_draft(passes: list[bool], value: float, passing: int | None) -> None:
    score = GuardPass().score(trial(drafts=[draft(f"d{i}", passed=p) for i, p in enumerate(passes)]))
    assert score.value == value
    assert score.metadata.get("passing_drafts") == passing
    if passes and not passes[0]:
        assert "refund_rule/refund_rule.window" in score.explanation


@pytest.mark.parametrize(
    ("texts", "value", "best", "missing"),
    [
        (["亲,7天内可以退,运费您出"], 1.0, 1.0, []),
        (["亲,七天内可以退"], 0.5, 0.5, ["运费"]),
        (
            ["亲,可以退", "七天内可退,运费您承担"],
            0.0,
            1.0,
            ["7天 | 七天", "运费"],
        ),  # best of n differs from top
        ([], 0.0, 0.0, ["7天 | 七天", "运费"]),
    ],
)
def test_must_state_top_and_best_of_n(
    texts: list[str], value: float, best: float, missing: list[str]
) -> None:
    score = MustState().score(trial(drafts=[draft(t) for t in texts]))
    assert score.value == value
    assert score.metadata["best_of_n"] == best
    assert score.metadata["missing"] == missing


def test_must_state_does_not_apply_without_facts() -> None:
    assert MustState().score(trial(case(must_state=[]))).value is None


@pytest.mark.parametrize(
    ("text", "hits"),
    [
        ("亲,可以退的", 0),
        ("亲,这款不支持无理由退货", 1),
        ("不支持退货,保证明天到", 2),
    ],
)
def test_never_say_counts_patterns_in_the_top_draft(text: str, hits: int) -> None:
    golden = case(never_say=["不支持.{0,4}退", "保证.{0,6}到"])
    score = NeverSay().score(trial(golden, [draft(text), draft("不支持退")]))
    assert score.value == hits
    assert score.metadata["drafts_with_hits"] == (1 if hits == 0 else 2)


@pytest.mark.parametrize(("got", "value"), [("return_no_reason_open", 1.0), ("return_no_reason_closed", 0.0)])
def test_decision_match(got: str, value: float) -> None:
    score = DecisionMatch().score(trial(decision=got))
    assert score.value == value
    assert score.metadata["expected"] == "return_no_reason_open"


class TwoVectors:
    """Embeds the answer as [1, 0] and anything else as [0.6, 0.8]."""

    name = "two-vectors"

    def embed(self, texts: list[str]) -> Vectors:
        return np.array([[1.0, 0.0] if t == "答" else [0.6, 0.8] for t in texts], dtype=np.float32)


@pytest.mark.parametrize(("answer", "cosine"), [("答", 0.6), ("别的", 1.0), ("", 0.0)])
def test_embedding_cosine(answer: str, cosine: float) -> None:
    drafts = [draft(answer)] if answer else []
    assert EmbeddingCosine(TwoVectors()).score(trial(drafts=drafts)).value == pytest.approx(cosine)


def test_latency_tokens_and_cost() -> None:
    usage = {"prompt_tokens": 120, "completion_tokens": 30, "cost_usd": 0.0004, "llm_latency_ms": 900.0}
    t = trial(usage=usage)
    assert Latency().score(t).value == 15.0
    assert Latency().score(t).metadata["timings_ms"]["total"] == 12.0
    assert Tokens().score(t).value == 150
    assert Tokens().score(t).metadata["completion_tokens"] == 30
    assert Cost().score(t).value == pytest.approx(0.0004)
    assert Tokens().score(trial()).value == 0


@pytest.mark.parametrize(
    ("output", "grade"),
    [
        ('{"score": 4, "reason": "缺运费"}', 4),
        ('```json\n{"score": "5", "reason": "好"}\n```', 5),
        ('评分 "score": 2 因为...', 2),
    ],
)
def test_parse_verdict(output: str, grade: int) -> None:
    assert parse_verdict(output)[0] == grade


@pytest.mark.parametrize("output", ['{"score": 9}', "很好", '{"score": 0}'])
def test_parse_verdict_refuses_out_of_range(output: str) -> None:
    with pytest.raises(ValueError):
        parse_verdict(output)


def test_llm_judge_renders_the_rubric_and_maps_grades_to_0_1() -> None:
    llm = FakeLLM(['{"score": 4, "reason": "缺运费"}', "不知道"])
    judge = LLMJudge(llm, PromptLibrary(PROJECT_ROOT / "prompts"))
    t = trial(drafts=[draft("亲,七天内可以退")])
    score = judge.score(t)
    assert score.value == 0.75 and score.explanation == "缺运费" and score.metadata["grade"] == 4
    prompt = llm.calls[0][0]["content"]
    assert "亲,七天内可以退" in prompt and "7天 / 七天" in prompt and "return_no_reason_open" in prompt
    failed = judge.score(t)
    assert failed.value is None and "judge failed" in failed.explanation


def test_llm_judge_template_can_be_overridden(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "strict.md").write_text("只看: {{ reply }}", encoding="utf-8")
    llm = FakeLLM(['{"score": 1, "reason": "x"}'])
    LLMJudge(llm, PromptLibrary(folder), template="strict.md").score(trial(drafts=[draft("亲")]))
    assert llm.calls[0][0]["content"] == "只看: 亲"
