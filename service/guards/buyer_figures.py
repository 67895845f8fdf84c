"""Figures the buyer stated about their own situation, which a reply may say back without claiming them.

"我老公185,100公斤,C8能坐吗" → a reply "您先生185 cm、100 kg坐没问题" repeats the buyer's height and
weight; they are no fact about the chair. Only figures in the buyer's statements count (a clause with a
question cue is an ask: "能充100W吗" said back as "能充100W" is the reply's own claim). A figure is
matched by dimension and value (100公斤 = 100 kg, 零下5度 = -5℃), or by value alone when the buyer gave a
bare number ("我175,70公斤" → "175 cm").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.fact_values import Quantity, QuantityParser

_BARE = re.compile(r"(?<![\d.A-Za-z])\d+(?:\.\d+)?(?![\d.])")


@dataclass(frozen=True)
class Situation:
    """The buyer's stated figures: with a unit (base unit, by dimension) and bare numbers."""

    quantities: tuple[Quantity, ...]
    bare: frozenset[float]

    def said_back(self, q: Quantity) -> bool:
        """The reply's quantity repeats one of the buyer's figures."""
        if q.lo != q.hi:
            return False
        if any(s.dim == q.dim and _close(s.lo, q.lo) and _close(s.hi, q.hi) for s in self.quantities):
            return True
        return any(_close(value, _shown(q)) for value in self.bare)


class BuyerFigures:
    """Reads the figures of the buyer's declarative clauses (cached per conversation)."""

    def __init__(self, parser: QuantityParser, question: re.Pattern[str]) -> None:
        self.parser = parser
        self.question = question
        self._memo: dict[tuple[str, ...], Situation] = {}

    def of(self, ctx: GuardContext) -> Situation:
        """The situation the buyer described in the conversation."""
        texts = tuple(turn.text for turn in ctx.conversation if turn.role == "customer")
        found = self._memo.get(texts)
        if found is None:
            if len(self._memo) > 512:
                self._memo.clear()
            found = self._memo[texts] = self._read(texts)
        return found

    def _read(self, texts: tuple[str, ...]) -> Situation:
        quantities: list[Quantity] = []
        bare: set[float] = set()
        for text in texts:
            for start, end in text_scan.split_clauses(text):
                if self.question.search(text, start, end) or _asked_after(text, end):
                    continue
                found = self.parser.parse(text, start, end, degrees=True)
                quantities += found
                for match in _BARE.finditer(text, start, end):
                    if not any(q.start <= match.start() < q.end for q in found):
                        bare.add(float(match.group()))
        return Situation(tuple(quantities), frozenset(bare))


def _asked_after(text: str, end: int) -> bool:
    """The clause is closed by a question mark ("100公斤能坐吗?" splits at the mark only)."""
    return text[end : end + 1] in ("?", "？")


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.02 * max(abs(a), abs(b), 1e-9)


def _shown(q: Quantity) -> float:
    """The number as written in the reply ("175 cm" is 1750 in base units, 175 as shown)."""
    digits = re.search(r"\d+(?:\.\d+)?", q.label)
    return float(digits.group()) if digits else q.lo
