"""Records every answered POST /v1/drafts: after the answer is sent, never failing the draft."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from service.drafting.models import Draft, DraftInput, DraftResponse
from service.drafting.streaming import DoneEvent, DraftEvent, MetaEvent, StreamEvent
from service.feedback.models import (
    DraftRecord,
    RecordedCitation,
    RecordedDraft,
    RecordedQuestion,
    RecordedViolation,
)
from service.feedback.pending import PendingRecords
from service.feedback.store import FeedbackStore
from service.observability.logs import redact
from service.planning.models import AnswerPlan

log = logging.getLogger(__name__)
DISCARDED = "discarded"


def conversation_key(request: DraftInput) -> str:
    """Requests of one conversation share its first turn: its sha256 prefix stands for the conversation."""
    first = request.conversation[0].text if request.conversation else ""
    return hashlib.sha256(f"{request.shop_id}\n{first}".encode()).hexdigest()[:32]


def _draft(draft: Draft | None, versions: Mapping[str, int]) -> RecordedDraft:
    if draft is None:  # a streamed draft that was taken off the screen: its index stays, nobody can use it
        return RecordedDraft(text="", source=DISCARDED, citations=[], passed=False, violations=[])
    return RecordedDraft(
        text=redact(draft.text), source=draft.source,
        citations=[RecordedCitation(doc_id=c.doc_id, chunk_id=c.chunk_id, version=versions.get(c.doc_id))
                   for c in draft.citations],
        passed=draft.guard.passed,
        violations=[RecordedViolation(category=v.category.value, rule=v.rule, severity=v.severity.value)
                    for v in draft.guard.violations])


def build_record(request: DraftInput, request_id: str, drafts: Sequence[Draft | None], plan: AnswerPlan | None,
                 intent: str, response_ms: float, versions: Mapping[str, int], now: datetime) -> DraftRecord:
    """The stored form of a draft request and its answer (customer text and drafts redacted); `drafts` in the
    order the agent saw them (None: a streamed draft that was discarded)."""
    customer = next((t.text for t in reversed(request.conversation) if t.role == "customer"), "")
    questions = [RecordedQuestion(text=redact(q.text), kind=q.kind.value, products=q.products,
                                  answered=q.answer.status == "answered")
                 for q in (plan.questions if plan is not None else [])]
    return DraftRecord(
        request_id=request_id, shop_id=request.shop_id, created_at=now,
        conversation_key=conversation_key(request), turns=len(request.conversation), customer_text=redact(customer),
        language=plan.language if plan is not None else "zh",
        request_kind=plan.request_kind.value if plan is not None else intent,
        questions=questions, drafts=[_draft(d, versions) for d in drafts], response_ms=response_ms)


def _streamed(events: Sequence[StreamEvent]) -> tuple[list[Draft | None], AnswerPlan | None, str, float]:
    """Drafts by the index they were streamed under, the plan, the intent and the time to the first drafts."""
    by_index = {e.index: e.draft for e in events if isinstance(e, DraftEvent)}
    meta = next((e for e in events if isinstance(e, MetaEvent)), None)
    done = next((e for e in events if isinstance(e, DoneEvent)), None)
    timings = done.timings_ms if done is not None else {}
    first_drafts_ms = sum(v for k, v in timings.items() if k not in ("llm", "stream", "total"))
    drafts = [by_index.get(i) for i in range(max(by_index, default=-1) + 1)]
    return drafts, meta.plan if meta else None, meta.intent if meta else "", round(first_drafts_ms, 2)


class DraftRecorder:
    """Writes draft records; a failed write is logged, never raised (the agent already has the drafts)."""

    def __init__(self, store: FeedbackStore, versions: Callable[[str], Mapping[str, int]],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.pending = PendingRecords()
        self._versions = versions
        self._clock = clock

    def expect(self, request_id: str) -> None:
        """Call before the answer is sent: feedback on `request_id` in this worker then waits for its record."""
        self.pending.expect(request_id)

    def record(self, request: DraftInput, response: DraftResponse) -> bool:
        """Store one answered request (response_ms: its whole time); returns whether it was stored."""
        return self._store(request, response.request_id, lambda versions: build_record(
            request, response.request_id, response.drafts, response.plan, response.intent,
            float(response.timings_ms.get("total", 0.0)), versions, self._clock()))

    def record_stream(self, request: DraftInput, request_id: str, events: Sequence[StreamEvent]) -> bool:
        """Store one streamed request: drafts under their event index (response_ms: time to the first drafts)."""
        def build(versions: Mapping[str, int]) -> DraftRecord:
            drafts, plan, intent, first_ms = _streamed(events)
            return build_record(request, request_id, drafts, plan, intent, first_ms, versions, self._clock())

        return self._store(request, request_id, build)

    def _store(self, request: DraftInput, request_id: str, build: Callable[[Mapping[str, int]], DraftRecord]) -> bool:
        try:
            self.store.add_record(build(self._versions(request.shop_id)))
        except Exception:
            log.exception("draft record %s of shop %s not stored", request_id, request.shop_id)
            return False
        finally:
            self.pending.done(request_id)
        return True
