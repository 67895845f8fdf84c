"""Runs golden cases through the drafting pipeline (in process or over HTTP) and scores each one."""

from __future__ import annotations

import fnmatch
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

import httpx

from service.api.schemas import DraftRequest, DraftResponse
from service.drafting.background_loop import run_sync
from service.drafting.pipeline import DraftingPipeline
from service.evaluation.golden import GoldenCase
from service.evaluation.results import CaseResult, DraftSummary, RunConfig, RunResult, aggregate
from service.evaluation.scorers.base import Score, Scorer, Trial

log = logging.getLogger(__name__)


class DraftClient(Protocol):
    """Something that answers a DraftRequest like POST /v1/drafts."""

    def draft(self, request: DraftRequest) -> DraftResponse: ...


class InProcessClient:
    """Calls the pipeline directly (no HTTP)."""

    def __init__(self, pipeline: DraftingPipeline) -> None:
        self.pipeline = pipeline

    def draft(self, request: DraftRequest) -> DraftResponse:
        return run_sync(self.pipeline.draft(request))


class HttpClient:
    """Calls a running kefu server's POST /v1/drafts."""

    def __init__(self, base_url: str, *, timeout_s: float = 120.0,
                 client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout_s)

    def draft(self, request: DraftRequest) -> DraftResponse:
        response = self.client.post(f"{self.base_url}/v1/drafts", json=request.model_dump(mode="json"))
        if response.status_code != 200:
            raise RuntimeError(f"POST /v1/drafts → {response.status_code}: {response.text[:300]}")
        return DraftResponse.model_validate(response.json())


def case_request(case: GoldenCase, *, use_llm: bool, n: int = 3) -> DraftRequest:
    """The request an agent's tool would send for this conversation."""
    return DraftRequest(shop_id=case.shop, conversation=case.conversation, order=case.order, now=case.now,
                        n=n, use_llm=use_llm)


def select_cases(cases: Sequence[GoldenCase], *, patterns: Sequence[str] = (),
                 limit: int | None = None) -> list[GoldenCase]:
    """Cases whose id matches one of `patterns` (globs); `limit` then takes them round-robin by category.

    Round-robin keeps a small subset spread over categories instead of the first file's cases.
    """
    chosen = [c for c in cases if not patterns or any(fnmatch.fnmatch(c.id, p) for p in patterns)]
    if limit is None or limit >= len(chosen):
        return chosen
    queues: dict[str, list[GoldenCase]] = defaultdict(list)
    for case in chosen:
        queues[case.category].append(case)
    picked: list[GoldenCase] = []
    while len(picked) < limit:
        for queue in queues.values():
            if queue and len(picked) < limit:
                picked.append(queue.pop(0))
    order = {c.id: i for i, c in enumerate(cases)}
    return sorted(picked, key=lambda c: order[c.id])


class GoldenRunner:
    """Sends each case, scores the response with every scorer, and collects a RunResult."""

    def __init__(self, client: DraftClient, scorers: Sequence[Scorer], *, use_llm: bool, n: int = 3) -> None:
        self.client = client
        self.scorers = list(scorers)
        self.use_llm = use_llm
        self.n = n

    def run_case(self, case: GoldenCase) -> CaseResult:
        """One case; a failed request is recorded as the case's error rather than raised."""
        result = CaseResult(case_id=case.id, shop=case.shop, category=case.category, stage=case.stage,
                            language=case.language, tags=case.tags, expected_decision=case.decision,
                            golden_reply=case.golden_reply)
        started = time.perf_counter()
        try:
            response = self.client.draft(case_request(case, use_llm=self.use_llm, n=self.n))
        except Exception as exc:  # any failure of one case must not end the run
            log.warning("case %s failed: %s", case.id, exc)
            result.error = f"{type(exc).__name__}: {exc}"
            return result
        trial = Trial(case=case, response=response, wall_ms=(time.perf_counter() - started) * 1000)
        result.decision, result.intent, result.answer = response.decision, response.intent, trial.answer
        result.degraded = response.degraded
        result.drafts = [DraftSummary(text=d.text, source=d.source, passed=d.guard.passed)
                         for d in response.drafts]
        for scorer in self.scorers:
            try:
                result.scores[scorer.name] = scorer.score(trial)
            except Exception as exc:  # a broken scorer is reported on the case, the others still run
                log.warning("scorer %s failed on %s: %s", scorer.name, case.id, exc)
                result.scores[scorer.name] = Score(value=None, explanation=f"scorer error: {exc}")
        return result

    def run(self, cases: Sequence[GoldenCase], config: RunConfig,
            on_case: Callable[[CaseResult], None] | None = None) -> RunResult:
        """Run `cases` in order; `on_case` is called after each (e.g. to advance a progress bar)."""
        started = time.perf_counter()
        results: list[CaseResult] = []
        for case in cases:
            results.append(self.run_case(case))
            if on_case is not None:
                on_case(results[-1])
        return RunResult(
            run_id=uuid.uuid4().hex[:12], created_at=datetime.now(UTC),
            wall_s=round(time.perf_counter() - started, 2), config=config,
            directions={s.name: s.direction for s in self.scorers}, cases=results,
            aggregates=aggregate(results),
        )
