"""The proactive use case: check what the kind needs → find the shop's facts → write two styles → guard, repair."""

from __future__ import annotations

import uuid
from datetime import datetime, tzinfo
from typing import Any, Literal

from service.drafting.models import Citation, Draft, pin_versions
from service.drafting.pipeline import detect_language
from service.drafting.repair import apply_suggestions
from service.errors import ConflictError, UserError
from service.guards.base import Turn
from service.guards.checker import ReplyChecker
from service.knowledge.base import KnowledgeBase, ShopKnowledge
from service.policy.order import Order
from service.proactive.facts import FactValues, ShopFactLookup
from service.proactive.models import ProactiveInput, ProactiveKind, ProactiveResponse, ShopFact
from service.proactive.templates import KindSpec, ProactiveTemplates, Requirements, render

COD_WORDS = ("货到付款", "到付", "cod", "cash on delivery")


class MissingShopFact(ConflictError):
    """The shop's documents do not state what this proactive message needs."""


class ProactiveDrafter:
    """Proactive drafts grounded in the shop's documents and checked by the same guards as replies."""

    def __init__(self, knowledge: KnowledgeBase, lookup: ShopFactLookup, checker: ReplyChecker,
                 templates: ProactiveTemplates, *, zone: tzinfo) -> None:
        self.knowledge = knowledge
        self.lookup = lookup
        self.checker = checker
        self.templates = templates
        self.zone = zone

    def draft(self, request: ProactiveInput) -> ProactiveResponse:
        """Guarded drafts for one proactive message, passing ones first.

        Raises:
            UserError: the request lacks what the kind needs (the field is named).
            MissingShopFact: the shop's documents lack a required fact, or say the shop does not offer it.
        """
        shop = self.knowledge.shop(request.shop_id)
        spec = self.templates.spec(request.kind)
        check_requirements(request, spec.requires)
        now = request.now or datetime.now(self.zone)
        facts = self._facts(shop, request, spec)
        language = request.language or _language(request)
        conversation = _guard_conversation(request)
        variables = _variables(request, spec, facts, now.astimezone(self.zone) if now.tzinfo else now)
        citations = [f.citation for f in facts.values()]
        drafts: list[Draft] = []
        styles: tuple[Literal["a", "b"], ...] = ("a", "b")
        for style in styles[: request.n]:
            text = render(request.kind, spec, language, style, **variables)
            if any(d.text == text for d in drafts):
                continue
            drafts.append(self._checked(shop, text, citations, now, request.order, conversation))
        drafts.sort(key=lambda d: not d.guard.passed)
        return ProactiveResponse(request_id=uuid.uuid4().hex, kind=request.kind, language=language, drafts=drafts,
                                 facts=list(facts.values()))

    def _facts(self, shop: ShopKnowledge, request: ProactiveInput, spec: KindSpec) -> dict[str, ShopFact]:
        found: dict[str, ShopFact] = {}
        for name, slot in spec.facts.items():
            product, _ = _product(request.order)
            query = slot.query.replace("{review}", request.review_text or "").replace("{product}", product)
            skus = [item.sku for item in request.order.items] if request.order else []
            fact = self.lookup.find(shop, name, slot, query, skus)
            if fact is not None and any(word in fact.text for word in slot.refuse):
                raise MissingShopFact(f"the shop's documents say it does not offer this: {fact.text}",
                                      where=f"{fact.doc_id}#{fact.chunk_id}")
            if fact is None and slot.required:
                raise MissingShopFact(
                    f"no document of shop {shop.shop_id} states the {name} fact a {request.kind.value} needs "
                    f"(looked for a sentence with one of {slot.cues}); add it to a policy or FAQ document",
                    where=f"shop.{shop.shop_id}.{name}")
            if fact is not None and all(fact.text != other.text for other in found.values()):
                found[name] = fact  # one sentence is stated once, under the first slot that found it
        return found

    def _checked(self, shop: ShopKnowledge, text: str, citations: list[Citation], now: datetime,
                 order: Order | None, conversation: list[Turn]) -> Draft:
        """The guards' verdict; a failing draft is repaired with their suggestions when that helps."""
        result = self.checker.check(shop, text, now=now, order=order, conversation=conversation)
        repaired = False
        if not result.passed:
            fixed = apply_suggestions(text, result.violations)
            if fixed != text:
                second = self.checker.check(shop, fixed, now=now, order=order, conversation=conversation)
                if second.passed or len(second.violations) < len(result.violations):
                    text, result, repaired = fixed, second, True
        return Draft(text=text, citations=pin_versions(citations, shop.versions), guard=result, source="composer",
                     repaired=repaired)


def check_requirements(request: ProactiveInput, needs: Requirements) -> None:
    """Raise a 422 naming the first field the kind needs and the request lacks."""
    kind = request.kind.value
    order = request.order
    if needs.needs_order and order is None:
        raise UserError(f"a {kind} needs the order", where="body.order")
    if order is not None:
        if needs.status and order.status not in needs.status:
            allowed = ", ".join(s.value for s in needs.status)
            raise UserError(f"a {kind} is for orders that are {allowed}; this one is {order.status.value}",
                            where="body.order.status")
        for name in needs.order_fields:
            if not getattr(order, name):
                raise UserError(f"a {kind} needs the order's {name.replace('_', ' ')}", where=f"body.order.{name}")
        if needs.payment == "cod" and not any(w in order.payment.lower() for w in COD_WORDS):
            raise UserError(f"a {kind} is for cash-on-delivery orders; payment is {order.payment!r}",
                            where="body.order.payment")
    if needs.review_text and not (request.review_text or "").strip():
        raise UserError(f"a {kind} needs the review's text", where="body.review_text")
    if needs.conversation and not any(t.role == "customer" for t in request.conversation or []):
        raise UserError(f"a {kind} needs the conversation of the resolved complaint (a customer turn at least)",
                        where="body.conversation")


def _language(request: ProactiveInput) -> Literal["zh", "en"]:
    turns = list(request.conversation or [])
    if request.review_text:
        turns.append(Turn(role="customer", text=request.review_text))
    if not turns:
        return "zh"
    return "en" if detect_language(turns) == "en" else "zh"


def _guard_conversation(request: ProactiveInput) -> list[Turn]:
    """What the guards read as context: the conversation, and the review as the buyer's words."""
    turns = list(request.conversation or [])
    if request.review_text:
        turns.append(Turn(role="customer", text=request.review_text))
    return turns


def _product(order: Order | None) -> tuple[str, int]:
    if order is None or not order.items:
        return "", 0
    first = order.items[0]
    return first.title or first.sku, len(order.items)


def _variables(request: ProactiveInput, spec: KindSpec, facts: dict[str, ShopFact], now: datetime) -> dict[str, Any]:
    """Template variables; every slot of the kind is present (empty when the documents do not state it)."""
    product, count = _product(request.order)
    values = {name: FactValues.read(facts[name].text) if name in facts else FactValues() for name in spec.facts}
    cutoff = values["cutoff"].times[0] if "cutoff" in values and values["cutoff"].times else ""
    before_cutoff = bool(cutoff) and now.strftime("%H:%M") < cutoff.zfill(5)
    ranges = [r for v in values.values() for r in v.day_ranges]
    transit = f"{min(a for a, _ in ranges)}-{max(b for _, b in ranges)}" if ranges else ""
    return {
        "product": product, "item_count": count, "order": request.order,
        "facts": {name: facts[name].text if name in facts else "" for name in spec.facts},
        "values": values, "cutoff_time": cutoff, "before_cutoff": before_cutoff,
        "transit_days": transit, "review_text": request.review_text or "",
    }


__all__ = ["MissingShopFact", "ProactiveDrafter", "ProactiveKind", "check_requirements"]
