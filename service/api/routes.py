"""HTTP routes: thin, each calls one service."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response

from service.api.deps import ServicesDep
from service.api.limits import LimitedDocument, LimitedDraftRequest, LimitedGuardRequest, LimitedSearchRequest
from service.api.schemas import (
    DocInfo,
    DocList,
    DraftResponse,
    HitExplanation,
    PutDocResponse,
    SearchHit,
    SearchResponse,
)
from service.guards.base import GuardResult

health_router = APIRouter()
router = APIRouter()


@health_router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, object]:
    return {"status": "ok", "shops": services.knowledge.shop_ids(),
            "guard_failures": dict(services.checker.runner.failures)}


@router.get("/v1/shops/{shop_id}/docs", response_model=DocList)
def list_docs(shop_id: str, services: ServicesDep) -> DocList:
    shop = services.knowledge.shop(shop_id)
    docs = [DocInfo(doc_id=d.id, type=d.meta.type.value, title=d.meta.title, content_hash=d.content_hash)
            for d in sorted(shop.docs.values(), key=lambda d: d.id)]
    return DocList(shop_id=shop_id, docs=docs)


@router.get("/v1/shops/{shop_id}/docs/{doc_id}", response_class=Response,
            responses={200: {"content": {"text/markdown": {}}}})
def get_doc(shop_id: str, doc_id: str, services: ServicesDep) -> Response:
    doc = services.knowledge.get(shop_id, doc_id)
    return Response(content=doc.text, media_type="text/markdown; charset=utf-8")


@router.put("/v1/shops/{shop_id}/docs/{doc_id}", response_model=PutDocResponse)
def put_doc(shop_id: str, doc_id: str, services: ServicesDep, response: Response,
            text: LimitedDocument) -> PutDocResponse:
    doc, created = services.knowledge.put(shop_id, doc_id, text)
    response.status_code = 201 if created else 200
    chunks = sum(1 for c in services.retriever.index.shop(shop_id).chunks if c.doc_id == doc_id)
    return PutDocResponse(shop_id=shop_id, doc_id=doc_id, created=created, content_hash=doc.content_hash,
                          chunks=chunks)


@router.delete("/v1/shops/{shop_id}/docs/{doc_id}", status_code=204)
def delete_doc(shop_id: str, doc_id: str, services: ServicesDep) -> Response:
    services.knowledge.delete(shop_id, doc_id)
    return Response(status_code=204)


@router.post("/v1/search", response_model=SearchResponse)
def search(request: LimitedSearchRequest, services: ServicesDep) -> SearchResponse:
    services.knowledge.shop(request.shop_id)  # 404 for an unknown shop
    hits = services.retriever.search(
        request.shop_id, request.query, request.k, doc_types=request.doc_type, skus=request.sku,
        boost_skus=request.boost_sku, max_per_doc=request.max_per_doc,
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


@router.post("/v1/drafts", response_model=DraftResponse)
async def drafts(request: LimitedDraftRequest, services: ServicesDep) -> DraftResponse:
    return await services.pipeline.draft(request)
