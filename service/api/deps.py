"""FastAPI dependencies: the services built once at startup."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request

from service.container import Services
from service.drafting.streaming import DraftStreamer


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_request_id(request: Request) -> str:
    """The id RequestLogMiddleware gave this request (X-Request-ID), so answers and logs can be matched."""
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id or uuid.uuid4().hex


RequestIdDep = Annotated[str, Depends(get_request_id)]


def get_streamer(services: ServicesDep) -> DraftStreamer:
    """Streams drafts with the pipeline, under the LLM step's deadline."""
    return DraftStreamer(services.pipeline, deadline_s=services.settings.effective_llm().deadline_s)


StreamerDep = Annotated[DraftStreamer, Depends(get_streamer)]
