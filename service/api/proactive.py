"""POST /v1/proactive: drafts the agent sends first, grounded in the shop's documents and guarded."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends
from pydantic import ConfigDict

from service.api.deps import RequestIdDep, ServicesDep
from service.api.limits import LimitsDep
from service.api.schemas import ShopId
from service.errors import UserError
from service.proactive.models import ProactiveInput, ProactiveResponse

router = APIRouter()


class ProactiveRequest(ProactiveInput):
    """The HTTP body: the domain's ProactiveInput with the shop id's format."""

    model_config = ConfigDict(extra="forbid")

    shop_id: str = ShopId


def limited_proactive(body: ProactiveRequest, limits: LimitsDep) -> ProactiveRequest:
    limits.check_turns(body.conversation, "body.conversation")
    limits.check_order(body.order, "body.order")
    if body.review_text is not None and len(body.review_text) > limits.settings.max_message_chars:
        raise UserError(f"{len(body.review_text)} characters; at most {limits.settings.max_message_chars}",
                        where="body.review_text")
    return body


LimitedProactiveRequest = Annotated[ProactiveRequest, Depends(limited_proactive)]


@router.post("/v1/proactive", response_model=ProactiveResponse)
async def proactive(request: LimitedProactiveRequest, services: ServicesDep,
                    request_id: RequestIdDep) -> ProactiveResponse:
    response = await anyio.to_thread.run_sync(services.proactive.draft, request)  # retrieval and guards are CPU
    return response.model_copy(update={"request_id": request_id})
