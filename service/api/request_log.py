"""One JSON log line per request (request id, method, route template, status, ms); the id is echoed back.

The line never holds the path, query string, headers or body, so keys, phone numbers and addresses sent
by callers cannot reach it; everything else that is logged goes through the redacting formatter.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.metrics import route_template
from service.observability.logs import request_id_var

log = logging.getLogger("kefu.request")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is a sane token, else a new one."""
    given = Headers(scope=scope).get("x-request-id", "")
    return given if _VALID_ID.match(given) else uuid.uuid4().hex


class RequestLogMiddleware:
    """Assigns the request id (request.state.request_id, X-Request-ID) and logs the request when done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("request", extra={"fields": {
                "request_id": rid, "method": scope["method"], "route": route_template(scope), "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2)}})
            request_id_var.reset(token)
