"""POST /v1/feedback: what the agent sent for a draft request (agent role; the request's shop must be the key's);
the feedback report and service stats of a shop (editor role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from service.api.deps import ServicesDep
from service.auth.keys import Caller
from service.errors import UserError
from service.feedback.models import FeedbackEntry
from service.feedback.report import FeedbackReport
from service.feedback.stats import ServiceStats

router = APIRouter()


class FeedbackRequest(BaseModel):
    """The agent's reply to the buyer, and which draft it started from."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=64, description="the `request_id` of a POST /v1/drafts answer")
    draft_index: int | None = Field(description="index of the draft the agent used in that answer's `drafts`; "
                                                "null: the agent wrote their own reply")
    sent_text: str = Field(min_length=1, description="what the agent sent (at most limits.max_reply_chars)")


@router.post("/v1/feedback", response_model=FeedbackEntry, status_code=201,
             responses={200: {"model": FeedbackEntry, "description": "feedback on this request replaced"},
                        404: {"description": "no draft request with this id was recorded"}})
def feedback(body: FeedbackRequest, request: Request, response: Response, services: ServicesDep) -> FeedbackEntry:
    """Record what was sent: 201 the first time, 200 when it replaces earlier feedback on the same request
    (the agent's last choice counts; the same body again changes nothing but `updated_at`)."""
    limit = services.settings.limits.max_reply_chars
    if len(body.sent_text) > limit:
        raise UserError(f"sent_text has {len(body.sent_text)} characters; at most {limit}", where="body.sent_text")
    if not body.sent_text.strip():
        raise UserError("sent_text is blank", where="body.sent_text")
    caller: Caller | None = getattr(request.state, "caller", None)
    entry, created = services.feedback.submit(
        body.request_id, body.draft_index, body.sent_text,
        may_use_shop=lambda shop: caller is None or caller.may_use_shop(shop))
    if not created:
        response.status_code = 200
    return entry


reports_router = APIRouter()
Days = Annotated[int, Query(ge=1, le=366, description="the last N days, today included (shop time zone)")]


@reports_router.get("/v1/shops/{shop_id}/feedback/report", response_model=FeedbackReport)
def feedback_report(shop_id: str, services: ServicesDep, days: Days = 30) -> FeedbackReport:
    """Adoption (as-is / edited / ignored, edit distance, per question kind) and the knowledge gaps: questions
    whose drafts agents edited or ignored, by question kind and product, with the facts agents added."""
    return services.reports.report(shop_id, days)


@reports_router.get("/v1/shops/{shop_id}/stats", response_model=ServiceStats)
def stats(shop_id: str, services: ServicesDep, days: Days = 30) -> ServiceStats:
    """接待量, 首次响应时长, 解决率 and adoption per day (definitions in the answer)."""
    return services.reports.stats(shop_id, days)
