"""Chatwoot's webhook and API shapes, as far as kefu reads them.

Shapes from Chatwoot's documentation (chatwoot/docs, docs/product/others/webhook-events.md: `message_created`)
and its code (app/models/message.rb `webhook_data`; the messages API,
app/views/api/v1/accounts/conversations/messages/index.json.jbuilder). Chatwoot sends `message_type` as a name
in webhooks and as a number in the API (0 incoming, 1 outgoing, 2 activity, 3 template); older versions put the
contact in `contact` and leave `sender` empty for a contact's message, newer ones send `sender.type: contact`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.guards.base import Turn
from service.policy.order import Order

MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}


def message_type_name(value: str | int | None) -> str:
    if isinstance(value, int):
        return MESSAGE_TYPES.get(value, str(value))
    return (value or "").strip().lower()


class ChatwootParty(BaseModel):
    """A sender or contact: who wrote a message (`type`: contact, user, agent_bot)."""

    model_config = ConfigDict(extra="ignore")

    id: int | str | None = None
    type: str | None = None


class ChatwootConversation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int | None = None
    display_id: int | None = Field(None, description="the number in the dashboard and the API's paths")
    custom_attributes: dict[str, Any] = Field(default_factory=dict, description="set by the shop's tools")

    @property
    def number(self) -> int | None:
        """The conversation's id in API paths (newer payloads put the display id in `id`)."""
        return self.display_id if self.display_id is not None else self.id


def order_from(conversation: ChatwootConversation, attribute: str) -> Order | None:
    """The order a shop's tools stored in the conversation's custom attribute (object or JSON text), if valid.

    Raises:
        ValueError: the attribute is there but is not an order (the caller logs it and drafts without one).
    """
    raw = conversation.custom_attributes.get(attribute)
    if raw is None or raw == "":
        return None
    try:
        return Order.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ValueError(f"custom attribute {attribute} is not an order: {str(exc).splitlines()[0]}") from None


class ChatwootAccount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int


class ChatwootEvent(BaseModel):
    """A webhook call; for `message_created` the message's fields are at the top level."""

    model_config = ConfigDict(extra="ignore")

    event: str
    id: int | str | None = None
    content: str | None = None
    message_type: str | int | None = None
    private: bool = False
    sender: ChatwootParty | None = None
    contact: ChatwootParty | None = None
    conversation: ChatwootConversation | None = None
    account: ChatwootAccount | None = None

    def ignored_because(self) -> str | None:
        """Why kefu does not draft for this event (None: it is a contact's new public message)."""
        if self.event != "message_created":
            return f"event {self.event}"
        if message_type_name(self.message_type) != "incoming":
            return f"{message_type_name(self.message_type) or 'untyped'} message"
        if self.private:
            return "private note"
        sender = (self.sender.type or "").lower() if self.sender else ""
        if (sender and sender != "contact") or (not sender and self.contact is None):
            return f"sent by {sender or 'nobody known'}, not a contact"
        if not (self.content or "").strip():
            return "no text"
        if self.id is None or self.account is None or self.conversation is None or self.conversation.number is None:
            return "no message, account or conversation id"
        return None


class ChatwootMessage(BaseModel):
    """One message of GET .../conversations/{id}/messages (`payload`)."""

    model_config = ConfigDict(extra="ignore")

    id: int | str
    content: str | None = None
    message_type: str | int | None = None
    private: bool = False
    created_at: int | str | None = None

    def turn(self) -> Turn | None:
        """The message as a conversation turn; private notes, activities, templates and empty messages are not."""
        kind = message_type_name(self.message_type)
        text = (self.content or "").strip()
        if self.private or not text or kind not in ("incoming", "outgoing"):
            return None
        return Turn(role="customer" if kind == "incoming" else "agent", text=text)
