"""Drafts as a stream of events: the deterministic drafts at once, then the LLM's text as it is written.

Order of events: ``meta`` (facts, plan, retrieved chunks), one ``draft`` per deterministic draft, then
for the LLM ``delta`` events (new text of draft ``index``) and one final ``draft`` per LLM draft with its
citations and guard verdict (``blocked`` when it fails its guards: the agent must not copy it). A blocked
draft is then sent back to the LLM with its violations (as the non-streaming pipeline does); its fix comes
as another ``draft`` event under the same index, replacing it. A streamed draft that never became a usable
one gets a ``discard``; an LLM that fails or runs out of time gives a
``degraded`` event; ``done`` always comes last. Nothing here raises once the stream has started.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Literal

from pydantic import BaseModel, Field

from service.drafting.llm_client import LLMClient, StreamChunk, StreamingLLMClient, parse_drafts
from service.drafting.models import Draft, DraftInput, RetrievedChunk
from service.drafting.pipeline import DraftingPipeline, Prepared, distinct
from service.drafting.stream_text import DraftTextScanner
from service.errors import LLMError, TemplateMissingVariables
from service.planning.models import AnswerPlan
from service.policy.facts import OrderFacts

log = logging.getLogger(__name__)


class MetaEvent(BaseModel):
    type: Literal["meta"] = "meta"
    request_id: str
    intent: str
    decision: str
    order_facts: OrderFacts
    retrieved: list[RetrievedChunk]
    plan: AnswerPlan


class DraftEvent(BaseModel):
    """A finished draft: text, citations, guard verdict. `blocked`: it failed its guards."""

    type: Literal["draft"] = "draft"
    index: int
    draft: Draft
    blocked: bool


class DeltaContent(BaseModel):
    content: str


class DeltaChoice(BaseModel):
    index: int
    delta: DeltaContent


class DeltaEvent(BaseModel):
    """New text of draft `index`, also in the OpenAI chunk shape (`choices[0].delta.content`)."""

    type: Literal["delta"] = "delta"
    index: int
    choices: list[DeltaChoice]


class DiscardEvent(BaseModel):
    """Text streamed for draft `index` that did not become a usable draft: take it off the screen."""

    type: Literal["discard"] = "discard"
    index: int
    reason: str


class DegradedEvent(BaseModel):
    type: Literal["degraded"] = "degraded"
    reason: str


class DoneEvent(BaseModel):
    type: Literal["done"] = "done"
    model: str
    timings_ms: dict[str, float]
    usage: dict[str, float] = Field(default_factory=dict)


StreamEvent = MetaEvent | DraftEvent | DeltaEvent | DiscardEvent | DegradedEvent | DoneEvent


async def _whole(llm: LLMClient, messages: list[dict[str, str]]) -> AsyncIterator[StreamChunk]:
    """A client that cannot stream answers in one piece."""
    reply = await llm.acomplete(messages)
    yield StreamChunk(text=reply.text, model=reply.model)


class DraftStreamer:
    """Streams one request's drafts; the pipeline does the drafting, this only orders and times it."""

    def __init__(self, pipeline: DraftingPipeline, *, deadline_s: float) -> None:
        self.pipeline = pipeline
        self.deadline_s = deadline_s

    async def events(self, base: Prepared, request: DraftInput, request_id: str) -> AsyncIterator[StreamEvent]:
        """The events for a request whose deterministic half (``pipeline.prepare``) is done."""
        started = time.perf_counter()
        yield MetaEvent(request_id=request_id, intent=base.intent, decision=base.decision, order_facts=base.facts,
                        retrieved=[RetrievedChunk(doc_id=h.chunk.doc_id, chunk_id=h.chunk.chunk_id,
                                                  title=h.chunk.title, score=round(h.score, 5)) for h in base.hits],
                        plan=base.plan)
        composer = distinct(base.composer_drafts)[: request.n]
        for index, draft in enumerate(composer):
            yield DraftEvent(index=index, draft=draft, blocked=not draft.guard.passed)
        model = "composer"
        drafts = list(composer)
        llm = self.pipeline.llm
        if request.use_llm and llm is None:
            yield DegradedEvent(reason="LLM is off; deterministic drafts only")
        elif request.use_llm and llm is not None:
            clock = time.perf_counter()
            async for event in self._llm_events(llm, base, request, first_index=len(composer)):
                if isinstance(event, DoneEvent):
                    model = event.model
                    continue
                if isinstance(event, DraftEvent):
                    drafts.append(event.draft)
                yield event
            base.timings["llm"] = round((time.perf_counter() - clock) * 1000, 2)
            self.pipeline.metrics.record_stage("llm", time.perf_counter() - clock)
        self.pipeline.metrics.count_violations((v.category.value for d in drafts for v in d.guard.violations),
                                               "drafts")
        base.timings["stream"] = round((time.perf_counter() - started) * 1000, 2)
        yield DoneEvent(model=model, timings_ms=base.timings)

    async def _llm_events(self, llm: LLMClient, base: Prepared, request: DraftInput,
                          first_index: int) -> AsyncIterator[StreamEvent]:
        """Deltas while the LLM writes, then its drafts checked; a DoneEvent (not forwarded) names the model."""
        scanner = DraftTextScanner()
        pieces: list[str] = []
        model = "composer"
        failure: str | None = None
        deadline = asyncio.get_running_loop().time() + self.deadline_s
        messages: list[dict[str, str]] = []
        try:
            messages = self.pipeline.llm_messages(base, request)
            chunks = llm.astream(messages) if isinstance(llm, StreamingLLMClient) else _whole(llm, messages)
            iterator = aiter(chunks)
            try:
                while True:
                    # a deadline per wait, not around the yields: the consumer's time is not the LLM's
                    async with asyncio.timeout_at(deadline):
                        chunk = await anext(iterator)
                    model = chunk.model
                    pieces.append(chunk.text)
                    for number, text in scanner.feed(chunk.text):
                        if number < request.n:
                            index = first_index + number
                            yield DeltaEvent(index=index, choices=[DeltaChoice(index=index,
                                                                               delta=DeltaContent(content=text))])
            except StopAsyncIteration:
                pass
            finally:
                closing = getattr(iterator, "aclose", None)
                if closing is not None:
                    await closing()
        except TimeoutError:
            failure = f"LLM unavailable, deterministic drafts only: no answer within {self.deadline_s:g} s"
        except (LLMError, TemplateMissingVariables) as exc:
            failure = f"LLM unavailable, deterministic drafts only: {exc}"
        streamed = [first_index + n for n in range(min(scanner.count, request.n))]
        if failure is not None:
            log.warning("streamed drafts degraded: %s", failure)
            for index in streamed:
                yield DiscardEvent(index=index, reason=failure)
            yield DegradedEvent(reason=failure)
            return
        answer = "".join(pieces)
        async for event in self._final_drafts(base, request, answer, scanner, first_index):
            yield event
            if isinstance(event, DraftEvent) and event.blocked:
                repaired = await self._repaired(base, request, messages, answer, event.draft, deadline)
                if repaired is not None:  # replaces the blocked draft under its index
                    yield DraftEvent(index=event.index, draft=repaired, blocked=not repaired.guard.passed)
        yield DoneEvent(model=model, timings_ms={})

    async def _repaired(self, base: Prepared, request: DraftInput, messages: list[dict[str, str]], answer: str,
                        draft: Draft, deadline: float) -> Draft | None:
        """The LLM's fix of a blocked draft (rounds as the pipeline allows, within the deadline), or None."""
        fixed: Draft | None = None
        for _ in range(self.pipeline.max_repairs):
            try:
                async with asyncio.timeout_at(deadline):
                    candidate, _reply = await self.pipeline.repair_llm_draft(base, request, messages, answer,
                                                                             fixed or draft)
            except (TimeoutError, LLMError) as exc:
                log.warning("streamed draft not repaired: %s", exc or "deadline")
                break
            if candidate is None:
                break
            fixed = candidate
            if fixed.guard.passed:
                break
        return fixed

    async def _final_drafts(self, base: Prepared, request: DraftInput, answer: str, scanner: DraftTextScanner,
                            first_index: int) -> AsyncIterator[StreamEvent]:
        """Each usable draft of the whole answer, guarded, under the index its text was streamed as."""
        streamed = {text.strip(): first_index + n for n, text in enumerate(scanner.texts[: request.n])}
        finished: set[int] = set()
        next_index = first_index + min(scanner.count, request.n)
        seen: set[str] = set()
        for parsed in parse_drafts(answer)[: request.n]:
            if parsed.text in seen:  # small models repeat themselves
                continue
            seen.add(parsed.text)
            index = streamed.get(parsed.text)
            if index is None or index in finished:
                index, next_index = next_index, next_index + 1
            finished.add(index)
            draft = await self.pipeline.check_llm_draft(base, request, parsed)
            yield DraftEvent(index=index, draft=draft, blocked=not draft.guard.passed)
        for index in sorted(set(streamed.values()) - finished):
            yield DiscardEvent(index=index, reason="not a usable draft (a repeat, a placeholder or a fragment)")
        if not finished:
            yield DegradedEvent(reason="the LLM's answer held no usable draft; deterministic drafts only")
