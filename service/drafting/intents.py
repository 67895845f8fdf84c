"""What the buyer wants, from keyword and pattern lists kept in data/intents.yaml."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from service.guards.base import Turn

INTENTS_FILE = Path(__file__).with_name("data") / "intents.yaml"
AFTER_SALE = frozenset({
    "wrong_item", "lost_parcel", "quality", "compensation", "escalation", "complaint", "cancel", "return",
    "refund_progress", "warranty",
})


class IntentRule(BaseModel):
    name: str
    keywords: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)


class IntentTable(BaseModel):
    negations: list[str]
    intents: list[IntentRule]
    injection_markers: list[str]


@lru_cache
def load_intents(path: Path = INTENTS_FILE) -> tuple[IntentTable, tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]]:
    table = IntentTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    compiled = tuple((r.name, tuple(re.compile(p, re.IGNORECASE) for p in r.patterns)) for r in table.intents)
    return table, compiled


def _keyword_hit(text: str, keyword: str, negations: list[str]) -> bool:
    start = text.find(keyword)
    while start != -1:
        end = start + len(keyword)
        if keyword[-1:].isascii() and keyword[-1:].isalpha() and text[end:end + 1].isascii() \
                and text[end:end + 1].isalpha():
            start = text.find(keyword, start + 1)  # an English keyword matches whole words ("cancel" ≠ "cancelling")
            continue
        before = text[max(0, start - 2):start]
        negated = any(before.endswith(n) for n in negations) and not any(keyword.startswith(n) for n in negations)
        if not negated:
            return True
        start = text.find(keyword, start + 1)
    return False


def _match(text: str) -> str | None:
    table, compiled = load_intents()
    lowered = text.lower()
    for rule, (_, patterns) in zip(table.intents, compiled, strict=True):
        if any(_keyword_hit(lowered, k.lower(), table.negations) for k in rule.keywords):
            return rule.name
        if any(p.search(lowered) for p in patterns):
            return rule.name
    return None


def classify_intent(conversation: list[Turn]) -> str:
    """The buyer's intent: from the latest customer turn, else earlier ones, else `product_question`."""
    customer_turns = [t.text for t in conversation if t.role == "customer"]
    for text in reversed(customer_turns):
        found = _match(text)
        if found:
            return found
    return "product_question"


def looks_like_injection(conversation: list[Turn]) -> bool:
    """True when a buyer turn tries to override the rules (the drafts then restate the real policy)."""
    table, _ = load_intents()
    return any(m in t.text.lower() for t in conversation if t.role == "customer" for m in table.injection_markers)
