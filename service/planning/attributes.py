"""Product attributes a question asks about (data/attributes.yaml): how shops name them in spec rows and
FAQ questions, and how buyers ask. A row that names what the question asks about ranks higher."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

ATTRIBUTES_FILE = Path(__file__).with_name("data") / "attributes.yaml"


class Concept(BaseModel):
    """One attribute: the names rows give it, the ways a buyer asks about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    names: tuple[str, ...]
    asks: tuple[str, ...]
    order_kind: str | None = None  # with an order in hand, the question is about the order (e.g. logistics)

    @field_validator("asks")
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            re.compile(pattern)
        return patterns

    def asked_in(self, question: str) -> bool:
        text = question.lower()
        return any(re.search(p, text) for p in self.asks)

    def named_by(self, attribute: str) -> bool:
        text = attribute.lower()
        return any(n.lower() in text for n in self.names)


class AttributeConcepts:
    """The concepts of data/attributes.yaml."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts

    def order_kind(self, question: str) -> str | None:
        """The order-related kind a question about an order asks for ("今天能发出吗" → logistics), if any."""
        return next((c.order_kind for c in self.asked(question) if c.order_kind), None)

    def asked(self, question: str) -> list[Concept]:
        """The attributes `question` asks about (none for a question about nothing in particular)."""
        return [c for c in self.concepts if c.asked_in(question)]


@lru_cache(maxsize=4)
def load_attributes(path: Path = ATTRIBUTES_FILE) -> AttributeConcepts:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return AttributeConcepts([Concept(name=name, names=tuple(body["names"]), asks=tuple(body["asks"]),
                                      order_kind=body.get("order_kind")) for name, body in data["concepts"].items()])
