"""HTTP metrics per route template and status, and the Prometheus endpoint GET /metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability.metrics import Metrics

UNROUTED = "unrouted"  # refused before routing (body limits) or no route matched: one label, not the raw path


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/v1/shops/{shop_id}/docs`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNROUTED


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe_request(scope["method"], route_template(scope), status,
                                         time.perf_counter() - started)


metrics_router = APIRouter()


@metrics_router.get("/metrics", include_in_schema=False)
def prometheus(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    body, content_type = metrics.render()
    return Response(content=body, media_type=content_type)
