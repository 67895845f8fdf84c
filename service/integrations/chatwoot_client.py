"""Chatwoot's application API, the two calls kefu makes: read a conversation's messages, post a private note."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from service.integrations.chatwoot_payloads import ChatwootMessage


class ChatwootAPIError(Exception):
    """A call to Chatwoot failed; the message never contains the token."""


class ChatwootClient:
    """Calls `{base_url}/api/v1/accounts/{account}/conversations/{conversation}/messages` with the access token."""

    def __init__(self, base_url: str, token: SecretStr, *, timeout_s: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout_s, transport=transport,
                                       headers={"api_access_token": token.get_secret_value()})

    def _path(self, account: int, conversation: int) -> str:
        return f"/api/v1/accounts/{account}/conversations/{conversation}/messages"

    async def messages(self, account: int, conversation: int) -> list[ChatwootMessage]:
        """The conversation's latest messages in Chatwoot's order (oldest first)."""
        body = await self._call("GET", self._path(account, conversation))
        items = body.get("payload", []) if isinstance(body, dict) else []
        try:
            messages = [ChatwootMessage.model_validate(m) for m in items if isinstance(m, dict)]
        except ValidationError as exc:
            raise ChatwootAPIError(f"unexpected message list from Chatwoot: {exc.error_count()} errors") from exc
        return messages

    async def post_private_note(self, account: int, conversation: int, content: str) -> None:
        """A private note (seen by agents, never by the contact)."""
        await self._call("POST", self._path(account, conversation),
                         json={"content": content, "message_type": "outgoing", "private": True,
                               "content_type": "text"})

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:  # the URL is fine to log, the headers are not
            raise ChatwootAPIError(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise ChatwootAPIError(f"{method} {path}: HTTP {response.status_code}")
        return response.json() if response.content else None

    async def aclose(self) -> None:
        await self._http.aclose()
