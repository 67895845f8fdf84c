"""Guard building blocks: the context a reply is checked in, violations, and the Guard protocol."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from service.knowledge.base import ShopKnowledge
from service.policy.facts import OrderFacts
from service.policy.order import Order


class Category(StrEnum):
    """Violation categories shared by every issue and the API."""

    refund_rule = "refund_rule"
    false_promise = "false_promise"
    blame = "blame"
    platform_rule = "platform_rule"
    ungrounded_fact = "ungrounded_fact"


class Severity(StrEnum):
    """error: the draft must not be sent as is; warning: the agent should look again; info: the
    documents do not say (an unsupported claim, to check before sending)."""

    error = "error"
    warning = "warning"
    info = "info"


class Violation(BaseModel):
    """One problem found in a reply."""

    category: Category
    rule: str = Field(description="stable rule id, e.g. refund_rule.window_length")
    severity: Severity = Severity.error
    message: str = Field(description="what is wrong, in Chinese, for the agent")
    span: tuple[int, int] = Field(description="[start, end) character offsets in the reply")
    suggestion: str | None = Field(None, description="corrected wording where one exists")


class Turn(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(extra="forbid")

    role: str = Field(pattern="^(customer|agent)$")
    text: str


class GuardContext(BaseModel):
    """Everything a guard may look at: the reply, the conversation, the order and the shop's facts."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reply: str
    shop: ShopKnowledge
    facts: OrderFacts
    order: Order | None = None
    conversation: list[Turn] = Field(default_factory=list)
    now: datetime


class Guard(Protocol):
    """A small check for one concern."""

    name: str

    def check(self, ctx: GuardContext) -> list[Violation]: ...


class GuardResult(BaseModel):
    """The verdict on one reply: it passes when no error-severity violation was found.

    `degraded` says that at least one guard could not give its verdict (its reason in `degraded_reason`):
    a pass then means "passed the guards that ran", not "passed every guard".
    """

    passed: bool
    violations: list[Violation]
    degraded: bool = False
    degraded_reason: str | None = Field(None, description="which guards failed and why")
