"""GET /stats?shop=S: the service stats page (editor role on the shop, like the JSON it shows)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from service.api.deps import ServicesDep
from service.feedback.page import StatsPage

router = APIRouter()
_PAGE = StatsPage()


@router.get("/stats", response_class=HTMLResponse)
def stats_page(services: ServicesDep,
               shop: Annotated[str, Query(pattern=r"^[a-z0-9_-]{1,64}$", description="shop id")],
               days: Annotated[int, Query(ge=1, le=366, description="the last N days")] = 30) -> HTMLResponse:
    """接待量, 首次响应时长, 解决率, adoption per day as SVG charts, and the knowledge gaps."""
    return HTMLResponse(_PAGE.render(*services.reports.overview(shop, days)))
