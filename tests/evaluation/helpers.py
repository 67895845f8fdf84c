"""Builders for golden cases, responses and runs used across the evaluation tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from service.api.schemas import Citation, Draft, DraftResponse, RetrievedChunk
from service.evaluation.golden import GoldenCase
from service.evaluation.results import CaseResult, RunConfig, RunResult, aggregate
from service.evaluation.scorers.base import Direction, Score, Trial
from service.guards.base import Category, GuardResult, Violation
from service.policy.facts import compute_order_facts
from service.policy.rules import LAW_DEFAULTS

NOW = "2026-11-10T10:00:00+08:00"


def case(**overrides: Any) -> GoldenCase:
    data: dict[str, Any] = {
        "id": "demo-returns-001",
        "shop": "demo",
        "stage": "售后",
        "category": "七天无理由退货",
        "now": NOW,
        "conversation": [{"role": "customer", "text": "耳机不想要了能退吗"}],
        "policy_ids": ["policy-returns"],
        "decision": "return_no_reason_open",
        "must_state": [["7天", "七天"], ["运费"]],
        "never_say": ["不支持.{0,4}退"],
        "golden_reply": "亲,签收7天内支持无理由退货,寄回运费由您承担。",
    }
    return GoldenCase.model_validate({**data, **overrides})


def draft(text: str, *, passed: bool = True, source: str = "composer") -> Draft:
    violations = (
        []
        if passed
        else [
            Violation(
                category=Category.refund_rule, rule="refund_rule.window", message="窗口错误", span=(0, 2)
            )
        ]
    )
    return Draft.model_validate(
        {
            "text": text,
            "citations": [Citation(doc_id="policy-returns", chunk_id="policy-returns#0")],
            "guard": GuardResult(passed=passed, violations=violations),
            "source": source,
        }
    )


def response(
    drafts: list[Draft],
    *,
    decision: str = "return_no_reason_open",
    retrieved: list[str] | None = None,
    usage: dict[str, float] | None = None,
) -> DraftResponse:
    facts = compute_order_facts(LAW_DEFAULTS, None, datetime(2026, 11, 10, 10, tzinfo=UTC))
    return DraftResponse(
        request_id="r",
        drafts=drafts,
        order_facts=facts,
        model="composer",
        intent="return",
        decision=decision,
        retrieved=[
            RetrievedChunk(doc_id=d, chunk_id=f"{d}#0", title=d, score=0.5)
            for d in (retrieved if retrieved is not None else ["policy-returns"])
        ],
        timings_ms={"facts": 1.0, "total": 12.0},
        usage=usage or {},
    )


def trial(golden: GoldenCase | None = None, drafts: list[Draft] | None = None, **kwargs: Any) -> Trial:
    return Trial(
        case=golden or case(),
        response=response(drafts if drafts is not None else [draft("亲")], **kwargs),
        wall_ms=15.0,
    )


def run(
    values: dict[str, dict[str, float | None]],
    *,
    run_id: str = "a",
    suite: str = "demo",
    use_llm: bool = False,
    errors: tuple[str, ...] = (),
) -> RunResult:
    """A synthetic run: case id → scorer → value (categories alternate between two names)."""
    directions: dict[str, Direction] = {
        "decision": "higher",
        "must_state": "higher",
        "never_say": "lower",
        "guard_pass": "higher",
        "latency_ms": "info",
    }
    cases = []
    for i, (case_id, scores) in enumerate(values.items()):
        cases.append(
            CaseResult(
                case_id=case_id,
                shop="demo",
                category=("七天无理由退货", "物流查询")[i % 2],
                stage="售后",
                language="zh",
                expected_decision="answer",
                decision="answer",
                answer=f"answer {case_id}",
                error="boom" if case_id in errors else None,
                scores={} if case_id in errors else {k: Score(value=v) for k, v in scores.items()},
            )
        )
    return RunResult(
        run_id=run_id,
        created_at=datetime(2026, 11, 22, tzinfo=UTC),
        wall_s=1.0,
        config=RunConfig(suite=suite, model="composer", use_llm=use_llm),
        directions=directions,
        cases=cases,
        aggregates=aggregate(cases),
    )
