"""Domain types of proactive drafts: the request, the facts found in the shop's documents, the response."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.drafting.models import Citation, Draft
from service.guards.base import Turn
from service.policy.order import Order


class ProactiveKind(StrEnum):
    """What the agent writes first."""

    payment_reminder = "payment_reminder"  # 催付
    shipping_notice = "shipping_notice"  # 发货通知
    address_check = "address_check"  # 核对地址
    cod_confirmation = "cod_confirmation"  # 货到付款确认
    complaint_follow_up = "complaint_follow_up"  # 回访
    review_reply = "review_reply"  # 差评公开回复


class ProactiveInput(BaseModel):
    """One proactive draft request."""

    model_config = ConfigDict(extra="forbid")

    shop_id: str
    kind: ProactiveKind
    order: Order | None = None
    now: datetime | None = Field(None, description="ISO 8601; fixes 'now' (default: server clock)")
    conversation: list[Turn] | None = Field(None, description="earlier turns (the complaint for a follow-up)")
    review_text: str | None = Field(None, description="the buyer's review (review_reply only)")
    language: Literal["zh", "en"] | None = Field(
        None, description="zh or en; default: the language of the review or the last customer turn, else zh")
    n: int = Field(2, ge=1, le=2, description="how many drafts (two styles)")


class ShopFact(BaseModel):
    """A sentence of the shop's documents a proactive draft states, and where it comes from."""

    slot: str
    text: str
    doc_id: str
    chunk_id: str

    @property
    def citation(self) -> Citation:
        return Citation(doc_id=self.doc_id, chunk_id=self.chunk_id)


class ProactiveResponse(BaseModel):
    """Guarded drafts (passing first) and the facts they rest on."""

    request_id: str
    kind: ProactiveKind
    language: Literal["zh", "en"]
    drafts: list[Draft]
    facts: list[ShopFact]
