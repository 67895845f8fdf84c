"""The Chatwoot agent bot: a contact's new message → kefu's drafts → the best passing one as a private note.

The webhook answers at once; drafting and posting run in a task of their own (Chatwoot waits 5 s at most).
Outgoing messages, private notes, bot and agent messages and other events are ignored (kefu's own notes never
start another round), and so is a message id seen before.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time

from pydantic import BaseModel

from service.drafting.models import Draft, DraftInput, DraftResponse
from service.drafting.pipeline import DraftingPipeline
from service.drafting.prompt import PromptLibrary
from service.errors import AuthenticationError, ForbiddenError, IntegrationNotConfigured
from service.guards.base import Turn
from service.integrations.chatwoot_client import ChatwootAPIError, ChatwootClient
from service.integrations.chatwoot_payloads import ChatwootEvent, order_from
from service.integrations.dedupe import SeenMessages
from service.knowledge.base import KnowledgeBase
from service.policy.order import Order
from service.settings import ChatwootSettings

log = logging.getLogger(__name__)
NOTE_TEMPLATE = "chatwoot_note.md"


class WebhookAnswer(BaseModel):
    """What the webhook tells Chatwoot: queued for drafting, or ignored and why."""

    status: str
    reason: str | None = None


class ChatwootBot:
    """Takes Chatwoot's webhook calls for the accounts mapped to kefu's shops."""

    def __init__(self, settings: ChatwootSettings, knowledge: KnowledgeBase, pipeline: DraftingPipeline,
                 notes: PromptLibrary, seen: SeenMessages, client: ChatwootClient | None, *,
                 max_turn_chars: int, max_conversation_chars: int) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.pipeline = pipeline
        self.notes = notes
        self.seen = seen
        self.client = client
        self.max_turn_chars = max_turn_chars
        self.max_conversation_chars = max_conversation_chars
        self.posted = 0
        self.failed = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def verify(self, body: bytes, timestamp: str | None, signature: str | None) -> None:
        """Check X-Chatwoot-Signature (sha256 HMAC of '{timestamp}.{body}') when a webhook secret is set.

        Raises:
            IntegrationNotConfigured: no Chatwoot URL, token or account mapping (503).
            AuthenticationError: the signature is missing, wrong or too old (401).
        """
        if self.client is None or not self.settings.accounts:
            raise IntegrationNotConfigured(
                "the Chatwoot integration is not configured: set KEFU_CHATWOOT__BASE_URL, "
                "KEFU_CHATWOOT__API_ACCESS_TOKEN and KEFU_CHATWOOT__ACCOUNTS", where="settings.chatwoot")
        secret = self.settings.webhook_secret
        if secret is None:
            return
        if not timestamp or not signature:
            raise AuthenticationError("X-Chatwoot-Signature and X-Chatwoot-Timestamp are required",
                                      where="header.x-chatwoot-signature")
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            raise AuthenticationError("X-Chatwoot-Timestamp is not a number of seconds",
                                      where="header.x-chatwoot-timestamp") from None
        if age > self.settings.max_signature_age_s:
            raise AuthenticationError(f"the signature is {int(age)} s old; at most {self.settings.max_signature_age_s}",
                                      where="header.x-chatwoot-timestamp")
        expected = "sha256=" + hmac.new(secret.get_secret_value().encode(), timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.strip()):
            raise AuthenticationError("X-Chatwoot-Signature does not match the body",
                                      where="header.x-chatwoot-signature")

    async def accept(self, shop_id: str, event: ChatwootEvent) -> WebhookAnswer:
        """Queue a draft for a contact's new message; anything else is ignored with its reason.

        Raises:
            ForbiddenError: the event's account is not mapped to this shop (403).
        """
        reason = event.ignored_because()
        if reason is not None:
            return WebhookAnswer(status="ignored", reason=reason)
        assert event.account is not None and event.conversation is not None  # ignored_because checked them
        mapped = self.settings.accounts.get(event.account.id)
        if mapped != shop_id:
            raise ForbiddenError(f"Chatwoot account {event.account.id} is not mapped to shop {shop_id} "
                                 "(KEFU_CHATWOOT__ACCOUNTS)", where="body.account.id")
        self.knowledge.shop(shop_id)  # 404 for a shop kefu does not serve
        if not await self.seen.first_time(f"{event.account.id}:{event.id}"):
            return WebhookAnswer(status="ignored", reason="duplicate message")
        task = asyncio.create_task(self._handle(shop_id, event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return WebhookAnswer(status="queued")

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait for the notes still being written (shutdown, tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)

    async def close(self) -> None:
        """Finish the notes in flight, then release the HTTP client and the dedupe store."""
        await self.drain()
        if self.client is not None:
            await self.client.aclose()
        await self.seen.close()

    async def _handle(self, shop_id: str, event: ChatwootEvent) -> None:
        assert self.client is not None and event.account is not None and event.conversation is not None
        account, conversation = event.account.id, event.conversation.number
        assert conversation is not None
        try:
            turns = await self._conversation(event, account, conversation)
            response = await self.pipeline.draft(DraftInput(shop_id=shop_id, conversation=turns, n=3,
                                                            order=self._order(event),
                                                            use_llm=self.settings.use_llm))
            if not response.drafts:
                raise ChatwootAPIError("kefu produced no draft")
            await self.client.post_private_note(account, conversation, self.note(response))
            self.posted += 1
        except Exception as exc:  # a failed note must not take the worker down; the reason goes to the log
            self.failed += 1
            log.warning("chatwoot note for account %s conversation %s failed: %s: %s",
                        account, conversation, type(exc).__name__, exc)

    async def _conversation(self, event: ChatwootEvent, account: int, conversation: int) -> list[Turn]:
        """The turns up to the event's message: earlier ones from Chatwoot's API when allowed and reachable."""
        current = Turn(role="customer", text=(event.content or "").strip()[: self.max_turn_chars])
        if not self.settings.fetch_history or self.client is None:
            return [current]
        try:
            messages = await self.client.messages(account, conversation)
        except ChatwootAPIError as exc:
            log.warning("chatwoot history unavailable, drafting from the new message alone: %s", exc)
            return [current]
        ids = [str(m.id) for m in messages]
        if str(event.id) in ids:  # a reply written after this message is not part of its context
            messages = messages[: ids.index(str(event.id))]
        turns = [t.model_copy(update={"text": t.text[: self.max_turn_chars]})
                 for m in messages if (t := m.turn()) is not None]
        keep = self.settings.history_messages - 1
        kept = [*(turns[-keep:] if keep else []), current]
        while len(kept) > 1 and sum(len(t.text) for t in kept) > self.max_conversation_chars:
            kept.pop(0)  # the oldest turns go first: the drafts answer the newest
        return kept

    def _order(self, event: ChatwootEvent) -> Order | None:
        assert event.conversation is not None
        try:
            return order_from(event.conversation, self.settings.order_attribute)
        except ValueError as exc:  # the draft still helps without the order; the shop's tools need fixing
            log.warning("chatwoot: drafting without the order: %s", exc)
            return None

    def note(self, response: DraftResponse) -> str:
        """The private note: the best passing draft (else the best one, marked), its sources and guard flags."""
        best: Draft = next((d for d in response.drafts if d.guard.passed), response.drafts[0])
        titles = {r.chunk_id: r.title for r in response.retrieved}
        sources = [(titles.get(c.chunk_id, c.doc_id), c.chunk_id) for c in best.citations]
        return self.notes.render(NOTE_TEMPLATE, draft=best, sources=sources,
                                 degraded_reason=response.degraded_reason or "")
