"""Request and response bodies of the HTTP API (a contract other tools depend on).

Drafting's domain types live in service/drafting/models.py; they are re-exported here for the routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from service.drafting.models import Citation, Draft, DraftInput, DraftResponse, RetrievedChunk
from service.guards.base import Turn
from service.policy.order import Order


def _one_or_many(value: Any) -> Any:
    """Accept a single value where a list is expected ("sku": "TD2" means ["TD2"])."""
    return [value] if isinstance(value, str) else value


StrList = Annotated[list[str], BeforeValidator(_one_or_many)]
DocTypes = Annotated[list[Literal["product", "policy", "guideline", "faq"]], BeforeValidator(_one_or_many)]

ShopId = Field(pattern=r"^[a-z0-9_-]{1,64}$", description="shop id, [a-z0-9_-]{1,64}", examples=["demo"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shop_id: str = ShopId
    query: str = Field(min_length=1, description="at most limits.max_query_chars characters")
    k: int = Field(5, ge=1, description="chunks to return, at most limits.max_k")
    doc_type: DocTypes | None = Field(None, description="only these document types (one or a list)")
    sku: StrList | None = Field(None, description="only product chunks of these SKUs (one or a list)")
    boost_sku: StrList = Field(default_factory=list, description="favour these products (e.g. the order's)")
    max_per_doc: int = Field(2, ge=1, description="at most this many chunks of one document (limits.max_k)")
    explain: bool = Field(False, description="include each retriever's score and rank")
    now: datetime | None = Field(None, description="ISO 8601; documents outside their validity window at this "
                                 "time are not returned (default: server clock)")

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query is blank")
        return value


class HitExplanation(BaseModel):
    fused_score: float
    dense_score: float | None
    dense_rank: int | None
    lexical_score: float | None
    lexical_rank: int | None
    profile_score: float | None = Field(None, description="match of the query against the doc's title/sku/tags")
    profile_rank: int | None = None
    boosted: bool


class SearchHit(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float
    explain: HitExplanation | None = None


class SearchResponse(BaseModel):
    hits: list[SearchHit]


class GuardRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shop_id: str = ShopId
    reply: str = Field(min_length=1, description="at most limits.max_reply_chars characters")
    conversation: list[Turn] | None = None
    order: Order | None = None
    now: datetime | None = Field(None, description="ISO 8601; fixes 'today' (default: server clock)")


class DraftRequest(DraftInput):
    """POST /v1/drafts: the domain's DraftInput with the HTTP contract's validation."""

    model_config = ConfigDict(extra="forbid")

    shop_id: str = ShopId
    conversation: list[Turn] = Field(min_length=1, description="at most limits.max_turns turns")
    stream: bool = Field(False, description="answer as server-sent events: deterministic drafts first, then the "
                                            "LLM's text as it is written (data: {json} lines, data: [DONE] last)")


__all__ = ["Citation", "Draft", "DraftRequest", "DraftResponse", "GuardRequest", "RetrievedChunk", "SearchHit",
           "SearchRequest", "SearchResponse"]
