"""Request limits: body size and JSON depth at the ASGI layer, field sizes as FastAPI dependencies.

The body is counted while it streams in and refused (413) as soon as it passes the limit, so a 20 MB
body is never held in memory; a declared Content-Length above the limit is refused before reading.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Body, Depends, Request
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.schemas import DraftRequest, GuardRequest, SearchRequest
from service.errors import KefuError, PayloadTooLarge, UserError
from service.guards.base import Turn
from service.policy.order import Order
from service.settings import LimitSettings

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(body: bytes, max_depth: int) -> bool:
    """True when arrays/objects in the JSON text nest deeper than max_depth (strings are skipped).

    Runs on the raw bytes before parsing, so a deeply nested body never reaches the recursive parser.
    """
    depth = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type")
    return content_type is None or "json" in content_type.lower()  # FastAPI parses a body without type as JSON


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` (413) and JSON nested deeper than `max_depth` (422)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_depth: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, PayloadTooLarge(
                f"the body declares {int(declared)} bytes; the limit is {self.max_bytes}", where="body"))
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, send, PayloadTooLarge(
                    f"the body is larger than the limit of {self.max_bytes} bytes", where="body"))
                return
            if not message.get("more_body", False):
                break
        if body and _is_json(headers) and json_depth_exceeds(bytes(body), self.max_depth):
            await self._refuse(scope, send, UserError(
                f"JSON nested deeper than {self.max_depth} levels", where="body"))
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, error: KefuError) -> None:
        response = JSONResponse(error.body(), status_code=error.status_code, headers={"Connection": "close"})
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body over once, then passes on what the server sends."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RequestLimits:
    """Field limits of the request bodies; each breach names the field path (`body.conversation.3.text`)."""

    def __init__(self, settings: LimitSettings) -> None:
        self.settings = settings

    def check_turns(self, turns: list[Turn] | None, where: str) -> None:
        if turns is None:
            return
        if len(turns) > self.settings.max_turns:
            raise UserError(f"{len(turns)} turns; at most {self.settings.max_turns}", where=where)
        for i, turn in enumerate(turns):
            self._max_chars(turn.text, self.settings.max_message_chars, f"{where}.{i}.text")
        total = sum(len(turn.text) for turn in turns)
        if total > self.settings.max_conversation_chars:
            raise UserError(f"{total} characters in all turns; at most {self.settings.max_conversation_chars}",
                            where=where)

    def check_order(self, order: Order | None, where: str) -> None:
        if order is None:
            return
        if len(order.items) > self.settings.max_order_items:
            raise UserError(f"{len(order.items)} items; at most {self.settings.max_order_items}",
                            where=f"{where}.items")
        limit = self.settings.max_order_text_chars  # titles end up in drafts that the guards read
        self._max_chars(order.order_id, limit, f"{where}.order_id")
        self._max_chars(order.payment, limit, f"{where}.payment")
        self._max_chars(order.courier, limit, f"{where}.courier")
        self._max_chars(order.tracking_number, limit, f"{where}.tracking_number")
        for i, item in enumerate(order.items):
            for name in ("sku", "title", "category"):
                self._max_chars(getattr(item, name), limit, f"{where}.items.{i}.{name}")

    def check_draft(self, request: DraftRequest) -> None:
        self.check_turns(request.conversation, "body.conversation")
        self.check_order(request.order, "body.order")
        self._at_most(request.n, self.settings.max_n, "body.n")

    def check_guard(self, request: GuardRequest) -> None:
        self._max_chars(request.reply, self.settings.max_reply_chars, "body.reply")
        self.check_turns(request.conversation, "body.conversation")
        self.check_order(request.order, "body.order")

    def check_search(self, request: SearchRequest) -> None:
        self._max_chars(request.query, self.settings.max_query_chars, "body.query")
        self._at_most(request.k, self.settings.max_k, "body.k")
        self._at_most(request.max_per_doc, self.settings.max_k, "body.max_per_doc")

    def check_document(self, text: str) -> None:
        size = len(text.encode("utf-8"))
        if size > self.settings.max_doc_bytes:
            raise PayloadTooLarge(f"the document is {size} bytes; at most {self.settings.max_doc_bytes}",
                                  where="body")

    @staticmethod
    def _max_chars(text: str, limit: int, where: str) -> None:
        if len(text) > limit:
            raise UserError(f"{len(text)} characters; at most {limit}", where=where)

    @staticmethod
    def _at_most(value: int, limit: int, where: str) -> None:
        if value > limit:
            raise UserError(f"{value} is more than the limit of {limit}", where=where)

    def constrain_openapi(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Publish the configured limits in the OpenAPI schema (clients and the fuzzer read them)."""
        s = self.settings
        for component, field, key, value in (
            ("Turn", "text", "maxLength", s.max_message_chars),
            ("DraftRequest", "conversation", "maxItems", s.max_turns),
            ("DraftRequest", "n", "maximum", s.max_n),
            ("GuardRequest", "reply", "maxLength", s.max_reply_chars),
            ("GuardRequest", "conversation", "maxItems", s.max_turns),
            ("Order", "items", "maxItems", s.max_order_items),
            ("Order", "order_id", "maxLength", s.max_order_text_chars),
            ("Order", "payment", "maxLength", s.max_order_text_chars),
            ("OrderItem", "sku", "maxLength", s.max_order_text_chars),
            ("OrderItem", "title", "maxLength", s.max_order_text_chars),
            ("OrderItem", "category", "maxLength", s.max_order_text_chars),
            ("SearchRequest", "query", "maxLength", s.max_query_chars),
            ("SearchRequest", "k", "maximum", s.max_k),
            ("SearchRequest", "max_per_doc", "maximum", s.max_k),
        ):
            prop = schema.get("components", {}).get("schemas", {}).get(component, {}).get("properties", {})
            if field in prop:
                _set_constraint(prop[field], key, value)
        return schema


def _set_constraint(prop: dict[str, Any], key: str, value: int) -> None:
    """Set the bound on the property, or on its non-null variant when it is optional (anyOf)."""
    variants = [v for v in prop.get("anyOf", []) if v.get("type") != "null"]
    for target in variants or [prop]:
        target[key] = value


def get_limits(request: Request) -> RequestLimits:
    limits: RequestLimits = request.app.state.limits
    return limits


LimitsDep = Annotated[RequestLimits, Depends(get_limits)]
MARKDOWN_BODY = Body(..., media_type="text/markdown",
                     description="the document exactly as a knowledge file: YAML front matter + Markdown")


def limited_draft(body: DraftRequest, limits: LimitsDep) -> DraftRequest:
    limits.check_draft(body)
    return body


def limited_guard(body: GuardRequest, limits: LimitsDep) -> GuardRequest:
    limits.check_guard(body)
    return body


def limited_search(body: SearchRequest, limits: LimitsDep) -> SearchRequest:
    limits.check_search(body)
    return body


def limited_document(limits: LimitsDep, text: str = MARKDOWN_BODY) -> str:
    limits.check_document(text)
    return text


LimitedDraftRequest = Annotated[DraftRequest, Depends(limited_draft)]
LimitedGuardRequest = Annotated[GuardRequest, Depends(limited_guard)]
LimitedSearchRequest = Annotated[SearchRequest, Depends(limited_search)]
LimitedDocument = Annotated[str, Depends(limited_document)]
