"""Authentication and authorisation as router dependencies: 401 without a valid key, 403 outside the key's
role or shops, 428 when an editor key edits without If-Match. The caller's key id goes on
`request.state.caller_id` (the rate limiter and the document history read it)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from service.auth.keys import Caller, Role
from service.container import Services
from service.errors import AuthenticationError, ForbiddenError, PreconditionRequiredError

DEV_MODE = "dev-mode"


def _token(request: Request) -> str:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return request.headers.get("x-api-key", "").strip()


async def _shop_of(request: Request) -> str | None:
    """The shop a request is about: the path's, else the query's `shop` (pages), else the JSON body's `shop_id`."""
    shop = request.path_params.get("shop_id") or request.query_params.get("shop")
    if shop is not None:
        return str(shop)
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    value = body.get("shop_id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def authenticate(request: Request) -> Caller | None:
    """The caller, or None in dev mode (no active key: authentication is off, a key sent is not checked)."""
    services: Services = request.app.state.services
    request.state.caller_id = None
    request.state.caller = None
    if not services.keys.enforced():
        return None
    token = _token(request)
    if not token:
        raise AuthenticationError("an API key is required: send `Authorization: Bearer <key>` or `X-API-Key`",
                                  where="header.Authorization")
    caller = services.keys.resolve(token)
    if caller is None:
        raise AuthenticationError("unknown or revoked API key", where="header.Authorization")
    request.state.caller_id = caller.key_id
    request.state.caller = caller  # routes whose shop is only known after a look-up check it themselves
    return caller


def require(role: Role) -> Callable[[Request], Awaitable[None]]:
    """A dependency letting through callers whose role covers `role` for the request's shop."""
    allowed = {Role.agent: {Role.agent, Role.editor, Role.admin}, Role.editor: {Role.editor, Role.admin},
               Role.admin: {Role.admin}}[role]

    async def dependency(request: Request) -> None:
        caller = await run_in_threadpool(authenticate, request)  # database reads: not on the event loop
        if caller is None:
            return
        if caller.role not in allowed:
            raise ForbiddenError(f"key `{caller.key_id}` has role {caller.role.value}; this needs "
                                 f"{' or '.join(sorted(r.value for r in allowed))}", where="header.Authorization")
        shop = await _shop_of(request)
        if shop is not None and not caller.may_use_shop(shop):
            raise ForbiddenError(f"key `{caller.key_id}` is not allowed shop `{shop}` (its shops: "
                                 f"{', '.join(sorted(caller.shops))})", where="shop_id")
        if (caller.role is Role.editor and request.method in ("PUT", "DELETE")
                and "if-match" not in request.headers):
            raise PreconditionRequiredError("an editor key must send If-Match with the version it edited "
                                            '(the ETag of a GET, or "0" for a new document)', where="header.If-Match")

    return dependency
