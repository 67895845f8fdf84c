"""Domain types of drafting: what a draft request asks, a draft, its citations, the response.

The HTTP layer (service/api/schemas.py) maps requests onto these and adds its own validation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from service.guards.base import GuardResult, Turn
from service.planning.models import AnswerPlan
from service.policy.facts import OrderFacts
from service.policy.order import Order


class DraftInput(BaseModel):
    """A conversation to draft replies for, in a shop, with the buyer's order."""

    shop_id: str
    conversation: list[Turn]
    order: Order | None = None
    now: datetime | None = Field(None, description="ISO 8601; fixes 'today' (default: server clock)")
    n: int = Field(3, ge=1, le=8, description="how many drafts")
    use_llm: bool = Field(True, description="false: deterministic drafts only (under a second)")


class Citation(BaseModel):
    doc_id: str
    chunk_id: str
    version: int | None = Field(None, description="the document's version the draft was written from; "
                                "POST /v1/citations/check says whether it is still current")


def pin_versions(citations: list[Citation], versions: dict[str, int]) -> list[Citation]:
    """The citations with the cited documents' versions (as of the shop version the draft was written from)."""
    return [c if c.version is not None or c.doc_id not in versions
            else c.model_copy(update={"version": versions[c.doc_id]}) for c in citations]


class Draft(BaseModel):
    text: str
    citations: list[Citation]
    guard: GuardResult
    source: Literal["llm", "composer"]
    repaired: bool = False


class RetrievedChunk(BaseModel):
    doc_id: str
    chunk_id: str
    title: str
    score: float


class DraftResponse(BaseModel):
    request_id: str
    drafts: list[Draft]
    order_facts: OrderFacts
    retrieved: list[RetrievedChunk]
    model: str
    timings_ms: dict[str, float]
    intent: str
    decision: str
    plan: AnswerPlan | None = Field(None, description="the questions, their answers with sources, the order state")
    degraded: bool = False
    degraded_reason: str | None = None
    usage: dict[str, float] = Field(default_factory=dict, description="prompt/completion tokens, cost_usd")
