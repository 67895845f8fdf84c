"""HTTP routes: thin, each calls one service."""

from __future__ import annotations

import os
from datetime import datetime
from functools import partial

from fastapi import APIRouter, BackgroundTasks
from fastapi.responses import StreamingResponse

from service.api.deps import RequestIdDep, ServicesDep, StreamerDep
from service.api.limits import LimitedDraftRequest, LimitedGuardRequest, LimitedSearchRequest
from service.api.schemas import (
    DraftResponse,
    HitExplanation,
    SearchHit,
    SearchResponse,
)
from service.api.stream import stream_response
from service.guards.base import GuardResult
from service.knowledge.windows import active_view

health_router = APIRouter()
router = APIRouter()


@health_router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, object]:
    return {"status": "ok", "shops": services.knowledge.shop_ids(),
            "auth": "keys" if services.keys.enforced() else "dev-mode",
            "worker_pid": os.getpid(),  # which of several workers behind one port answered
            "guard_failures": dict(services.checker.runner.failures)}


@router.post("/v1/search", response_model=SearchResponse)
def search(request: LimitedSearchRequest, services: ServicesDep) -> SearchResponse:
    now = request.now or datetime.now(services.checker.zone)
    shop = active_view(services.knowledge.shop(request.shop_id), now)  # 404 for an unknown shop
    hits = services.retriever.search(
        request.shop_id, request.query, request.k, doc_types=request.doc_type, skus=request.sku,
        boost_skus=request.boost_sku, max_per_doc=request.max_per_doc, exclude_docs=shop.inactive.keys(),
    )
    return SearchResponse(hits=[
        SearchHit(
            doc_id=h.chunk.doc_id, chunk_id=h.chunk.chunk_id, title=h.chunk.title, text=h.chunk.text,
            score=round(h.score, 6),
            explain=HitExplanation(fused_score=h.score, dense_score=h.dense_score, dense_rank=h.dense_rank,
                                   lexical_score=h.lexical_score, lexical_rank=h.lexical_rank,
                                   profile_score=h.profile_score, profile_rank=h.profile_rank,
                                   boosted=h.boosted) if request.explain else None,
        )
        for h in hits
    ])


@router.post("/v1/guard", response_model=GuardResult)
def guard(request: LimitedGuardRequest, services: ServicesDep) -> GuardResult:
    shop = services.knowledge.shop(request.shop_id)
    now = request.now or datetime.now(services.checker.zone)
    result = services.checker.check(shop, request.reply, now=now, order=request.order,
                                    conversation=request.conversation)
    services.metrics.count_violations((v.category.value for v in result.violations), "guard")
    return result


@router.post("/v1/drafts", response_model=DraftResponse,
             responses={200: {"content": {"text/event-stream": {
                 "description": 'with "stream": true: server-sent events, ending with `data: [DONE]`'}}}})
async def drafts(request: LimitedDraftRequest, services: ServicesDep, streamer: StreamerDep,
                 request_id: RequestIdDep, background: BackgroundTasks) -> DraftResponse | StreamingResponse:
    recorder = services.recorder  # for POST /v1/feedback; records are written after the answer is sent
    if request.stream:
        base = await services.pipeline.prepare(request)  # an unknown shop is still a 404, not a broken stream
        on_end = None
        if recorder is not None:
            recorder.expect(request_id)
            on_end = partial(recorder.record_stream, request, request_id)
        return stream_response(streamer, base, request, request_id, on_end=on_end)
    response = await services.pipeline.draft(request)
    response = response.model_copy(update={"request_id": request_id})  # the id in the logs and X-Request-ID
    if recorder is not None:
        recorder.expect(request_id)
        background.add_task(recorder.record, request, response)
    return response
