"""The policy decision for a buyer's request: which path this shop's rules open for this order."""

from __future__ import annotations

from service.policy.facts import OrderFacts
from service.policy.order import OrderStatus

DECISIONS = (
    "return_no_reason_open", "return_no_reason_closed", "return_no_reason_excluded",
    "return_no_reason_condition_unmet", "quality_return", "quality_exchange", "warranty_repair",
    "refund_unshipped", "reship_or_refund", "check_logistics",
    "escalate", "decline_bargain", "invoice", "answer",
)


def _return_decision(facts: OrderFacts) -> str:
    if facts.can_refund_directly:
        return "refund_unshipped"
    if facts.excluded_items:
        return "return_no_reason_excluded"
    if facts.unmet_conditions and facts.no_reason_return.open:
        return "return_no_reason_condition_unmet"
    return "return_no_reason_open" if facts.no_reason_return.open else "return_no_reason_closed"


def _quality_decision(facts: OrderFacts) -> str:
    if facts.quality_return.open:
        return "quality_return"
    if facts.quality_exchange.open:
        return "quality_exchange"
    return "warranty_repair"


def decide(intent: str, facts: OrderFacts) -> str:
    """Map the buyer's intent and the order facts to one decision of DECISIONS."""
    if facts.status is OrderStatus.closed and intent in ("return", "cancel"):
        return "answer"  # the order is closed (refunded): tell where the money stands
    if intent in ("compensation", "escalation", "complaint"):
        return "escalate"
    if intent in ("wrong_item", "lost_parcel"):
        return "reship_or_refund"
    if intent == "quality":
        return _quality_decision(facts)
    if intent in ("cancel", "return"):
        return _return_decision(facts)
    if intent == "logistics":
        # a buyer with an order in transit, or one marked delivered that never arrived: check with the courier
        in_flight = facts.status in (OrderStatus.shipped, OrderStatus.paid, OrderStatus.delivered)
        return "check_logistics" if in_flight else "answer"
    if intent == "invoice":
        return "invoice"
    if intent == "warranty":
        return "warranty_repair"
    if intent == "bargain":
        return "decline_bargain"
    return "answer"
