"""The FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from service.api import chatwoot, chunks, citations, docs, feedback, proactive, stats_page
from service.api.auth import require
from service.api.limits import BodyLimitMiddleware, RequestLimits
from service.api.metrics import MetricsMiddleware, metrics_router
from service.api.ratelimit import build_rate_limiter, enforce_rate_limit
from service.api.request_log import RequestLogMiddleware
from service.api.routes import health_router, router
from service.auth.keys import Role
from service.container import Services, build_services
from service.errors import KefuError
from service.observability.metrics import Metrics
from service.settings import Settings, get_settings
from service.web.pages import mount_pages

log = logging.getLogger(__name__)


def _location(loc: tuple[object, ...]) -> str:
    return ".".join(str(p) for p in loc)


def create_app(settings: Settings | None = None,
               services_factory: Callable[[Settings], Services] | None = None) -> FastAPI:
    """The kefu app; services are built at startup (knowledge indexed incrementally)."""
    settings = settings or get_settings()
    metrics = Metrics()
    factory = services_factory or partial(build_services, metrics=metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = app.state.services = factory(settings)
        metrics.watch_index(lambda: {shop: services.retriever.index.shop(shop).size
                                     for shop in services.knowledge.shop_ids()})
        app.state.rate_limiter = build_rate_limiter(settings.rate_limit, settings.redis_url)
        try:
            yield
        finally:
            await services.chatwoot.close()
            if app.state.rate_limiter is not None:
                await app.state.rate_limiter.close()

    app = FastAPI(title="kefu", version="0.1.0", lifespan=lifespan,
                  description="Reply suggestions for online-shop customer service: grounded, cited, guarded.")
    limits = RequestLimits(settings.limits)
    app.state.limits = limits
    app.state.metrics = metrics
    app.include_router(health_router)
    app.include_router(metrics_router)
    # authentication first: the rate limiter counts per caller
    app.include_router(router, dependencies=[Depends(require(Role.agent)), Depends(enforce_rate_limit)])
    app.include_router(proactive.router, dependencies=[Depends(require(Role.agent)), Depends(enforce_rate_limit)])
    app.include_router(chunks.router, dependencies=[Depends(require(Role.agent)), Depends(enforce_rate_limit)])
    app.include_router(feedback.router, dependencies=[Depends(require(Role.agent)), Depends(enforce_rate_limit)])
    app.include_router(chatwoot.router, dependencies=[Depends(enforce_rate_limit)])  # signed, not keyed
    app.include_router(citations.router, dependencies=[Depends(require(Role.agent)), Depends(enforce_rate_limit)])
    app.include_router(docs.router, dependencies=[Depends(require(Role.editor)), Depends(enforce_rate_limit)])
    for reports in (feedback.reports_router, stats_page.router):
        app.include_router(reports, dependencies=[Depends(require(Role.editor)), Depends(enforce_rate_limit)])
    mount_pages(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.limits.max_body_bytes,
                       max_depth=settings.limits.max_json_depth)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestLogMiddleware)  # outermost: every answer, refusals included, has an id and a line
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = limits.constrain_openapi(plain_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(KefuError)
    async def kefu_error(_: Request, exc: KefuError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=exc.body(), headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """Starlette's own errors (unknown route 404, wrong method 405) in kefu's error shape."""
        return JSONResponse(status_code=exc.status_code, headers=exc.headers,
                            content={"error": "HTTPError", "message": str(exc.detail), "where": request.url.path})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"where": _location(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        if request.method == "PUT" and "/docs/" in request.url.path:
            hint = "send the document text (YAML front matter + Markdown) with Content-Type: text/markdown"
            errors = [{**e, "message": f"{e['message']}; {hint}"} for e in errors]
        summary = "; ".join(f"{e['where']}: {e['message']}" for e in errors[:5])
        return JSONResponse(status_code=422, content={"error": "ValidationError", "message": summary,
                                                      "where": errors[0]["where"] if errors else None,
                                                      "errors": errors})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")  # the details go to the (redacted) log, not to the caller
        request_id = getattr(request.state, "request_id", None)
        return JSONResponse(status_code=500, content={
            "error": "InternalError", "where": None,
            "message": f"unexpected {type(exc).__name__}; the server log has the details (request id {request_id})"})

    return app
