"""Checks one reply for a shop and an order: builds the guard context and runs the guards."""

from __future__ import annotations

from datetime import datetime, tzinfo

from service.guards.base import GuardContext, GuardResult, Turn
from service.guards.runner import GuardRunner
from service.knowledge.base import ShopKnowledge
from service.knowledge.windows import active_view
from service.policy.facts import OrderFacts, compute_order_facts
from service.policy.order import Order


class ReplyChecker:
    """The use case behind POST /v1/guard and the drafting pipeline's checks."""

    def __init__(self, runner: GuardRunner, zone: tzinfo) -> None:
        self.runner = runner
        self.zone = zone

    def facts(
        self, shop: ShopKnowledge, order: Order | None, now: datetime, conversation: list[Turn] | None = None
    ) -> OrderFacts:
        """The order facts, including what the buyer's messages say about the goods."""
        buyer = [turn.text for turn in conversation or [] if turn.role == "customer"]
        return compute_order_facts(shop.rules, order, now, self.zone, buyer)

    def check(
        self,
        shop: ShopKnowledge,
        reply: str,
        *,
        now: datetime,
        order: Order | None = None,
        conversation: list[Turn] | None = None,
        facts: OrderFacts | None = None,
    ) -> GuardResult:
        shop = active_view(shop, now)  # documents outside their validity window support no claim
        ctx = GuardContext(
            reply=reply,
            shop=shop,
            facts=facts or self.facts(shop, order, now, conversation),
            order=order,
            conversation=conversation or [],
            now=now,
        )
        return self.runner.check(ctx)
