"""What a text says about the state of the goods ("用了两次", "拆开了", "吊牌剪了", "only tried it once").

The buyer's statements become order facts (`OrderFacts.item_states`); the refund_rule guard reads a
reply's own statements the same way. Patterns are data (`data/item_states.yaml`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

STATES_FILE = Path(__file__).with_name("data") / "item_states.yaml"
_NEGATION_REACH = 16  # characters before a state searched for a negation cue ending right before it


class StateSpec(BaseModel):
    """One item state: the condition it fails, the states it implies, its patterns."""

    model_config = ConfigDict(extra="forbid")

    breaks: str | None = None
    implies: list[str] = []
    unless: str | None = Field(None, description="a clause that matches this is about something else")
    patterns: list[str]


class StatesFile(BaseModel):
    """The contents of item_states.yaml."""

    model_config = ConfigDict(extra="forbid")

    states: dict[str, StateSpec]
    not_the_goods: str
    compliant: dict[str, str]
    negation: str


@dataclass(frozen=True)
class StateMention:
    """A state said in a text: `affirmed` False means the text says the opposite ("没拆")."""

    state: str
    affirmed: bool
    start: int
    end: int


class ItemStateReader:
    """Finds item states in a text, negation-aware."""

    def __init__(self, data: StatesFile) -> None:
        self.specs = data.states
        self.patterns = {
            name: [re.compile(p, re.IGNORECASE) for p in spec.patterns] for name, spec in data.states.items()
        }
        self.compliant = {name: re.compile(p, re.IGNORECASE) for name, p in data.compliant.items()}
        self.negation = re.compile(data.negation, re.IGNORECASE)
        self.not_the_goods = re.compile(data.not_the_goods, re.IGNORECASE)
        self.unless = {
            name: re.compile(spec.unless, re.IGNORECASE) for name, spec in data.states.items() if spec.unless
        }

    def read(self, text: str, start: int = 0, end: int | None = None) -> list[StateMention]:
        """Every state said in text[start:end], in order; compliant words give `affirmed=False`."""
        end = len(text) if end is None else end
        found: list[StateMention] = []
        for name, pattern in self.compliant.items():
            found += [StateMention(name, False, m.start(), m.end()) for m in pattern.finditer(text, start, end)]
        for name, patterns in self.patterns.items():
            for pattern in patterns:
                for match in pattern.finditer(text, start, end):
                    if any(f.start < match.end() and match.start() < f.end for f in found):
                        continue
                    clause = _clause(text, match.start(), start, end)
                    unless = self.unless.get(name)
                    if self.not_the_goods.search(clause) or (unless is not None and unless.search(clause)):
                        continue
                    before = text[max(start, match.start() - _NEGATION_REACH) : match.start()]
                    found.append(StateMention(name, not self.negation.search(before), match.start(), match.end()))
        return sorted(found, key=lambda m: m.start)

    def states(self, texts: Iterable[str]) -> dict[str, bool]:
        """The goods' states the texts settle (later texts win), with the states they imply."""
        settled: dict[str, bool] = {}
        for text in texts:
            for mention in self.read(text):
                settled[mention.state] = mention.affirmed
                if mention.affirmed:
                    for implied in self.specs[mention.state].implies:
                        settled[implied] = True
        return settled

    def breaks(self, state: str) -> str | None:
        """The condition (`requires` value) a state fails, if any."""
        spec = self.specs.get(state)
        return spec.breaks if spec else None


_CLAUSE_END = re.compile(r"[,，。;；!?！？\n]|\.\s")


def _clause(text: str, pos: int, start: int, end: int) -> str:
    """The clause of text[start:end] around `pos` (between punctuation marks)."""
    left = max((m.end() for m in _CLAUSE_END.finditer(text, start, pos)), default=start)
    right = _CLAUSE_END.search(text, pos, end)
    return text[left : right.start() if right else end]


@lru_cache
def item_state_reader(path: Path = STATES_FILE) -> ItemStateReader:
    """The reader over the packaged states file (parsed once)."""
    return ItemStateReader(StatesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))))
