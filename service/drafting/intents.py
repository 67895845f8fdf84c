"""What the buyer wants, from keyword lists kept in data/intents.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from service.guards.base import Turn

INTENTS_FILE = Path(__file__).with_name("data") / "intents.yaml"
AFTER_SALE = frozenset(
    {"wrong_item", "quality", "compensation", "complaint", "cancel", "return", "refund_progress", "warranty"}
)


class IntentRule(BaseModel):
    name: str
    keywords: list[str]


@lru_cache
def load_intents(path: Path = INTENTS_FILE) -> tuple[IntentRule, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(IntentRule.model_validate(item) for item in data["intents"])


def _match(text: str, rules: tuple[IntentRule, ...]) -> str | None:
    lowered = text.lower()
    return next((r.name for r in rules if any(k in lowered for k in r.keywords)), None)


def classify_intent(conversation: list[Turn]) -> str:
    """The buyer's intent: from the latest customer turn, else earlier ones, else `product_question`."""
    rules = load_intents()
    customer_turns = [t.text for t in conversation if t.role == "customer"]
    for text in reversed(customer_turns):
        found = _match(text, rules)
        if found:
            return found
    return "product_question"
