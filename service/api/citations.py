"""POST /v1/citations/check: are the document versions a draft cited still current?"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import ServicesDep
from service.api.schemas import ShopId
from service.knowledge.citations import CitationStatus, CitedVersion, check_citations

router = APIRouter(tags=["drafts"])


class CitationCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shop_id: str = ShopId
    citations: list[CitedVersion] = Field(max_length=200, description="a draft's citations, as returned")


class CitationCheckResponse(BaseModel):
    shop_id: str
    stale: bool = Field(description="true when any citation is not current: the draft should be written again")
    citations: list[CitationStatus]


@router.post("/v1/citations/check", response_model=CitationCheckResponse)
def check(request: CitationCheckRequest, services: ServicesDep) -> CitationCheckResponse:
    services.knowledge.shop(request.shop_id)  # 404 for an unknown shop
    statuses = check_citations(services.knowledge.store, request.shop_id, request.citations)
    return CitationCheckResponse(shop_id=request.shop_id, stale=any(s.stale for s in statuses), citations=statuses)
