"""Concessions stacked beyond a shop's one-concession limit.

Many shops let the agent give one thing when a buyer bargains ("可以在以下范围内让步,每笔订单只能选一项":
a gift, a free upgrade, a waived fee). Where one of the shop's documents states such a limit, a reply that
grants two or more concessions ("送您3小袋坚果,再给您免费升级顺丰") promises more than the shop allows,
whichever each one is. Alternatives offered to choose from ("送坚果或者升级顺丰,二选一") grant one.
The limit's wording, the concession shapes and the alternative cues are data (`data/false_promise.yaml`,
`concessions:`).

A discount a shop document states as a standing offer for the goods the clause names is the shop's, not
the agent's concession: "免费入会后花盆和浇花器打9折" against "店铺会员(免费入会):花盆、营养土、园艺工具、浇花器
9 折" (the document sentence holds the rate and shares the clause's words besides it).
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.offers_claimed import purchase_only
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge


class ConcessionLimit:
    """Flags a reply granting more concessions than the shop's documented one-concession limit."""

    def __init__(self, data: dict[str, Any]) -> None:
        spec = data["concessions"]
        self.limit = re.compile(spec["limit"])
        self.shapes = [re.compile(p, re.IGNORECASE) for p in spec["shapes"]]
        self.alternative = re.compile(spec["alternative"], re.IGNORECASE)
        self.shop_offer = re.compile(spec["shop_offer"])
        self.message: str = spec["message"]
        self.rate = re.compile(spec["rate"])
        self.purchase = re.compile(data["invented_offers"]["purchase_condition"], re.IGNORECASE)
        self.limited = ShopCache(self._limited)
        self.standing = ShopCache(self._standing_offers)

    def _limited(self, shop: ShopKnowledge) -> bool:
        return any(self.limit.search(doc.body) for doc in shop.docs.values())

    def _standing_offers(self, shop: ShopKnowledge) -> list[tuple[float, frozenset[str]]]:
        """(rate, words besides it) of every document sentence that states a discount rate."""
        out = []
        for doc in shop.docs.values():
            for sentence in _SENTENCES.findall(doc.body):
                for match in self.rate.finditer(sentence):
                    rate = _rate(match.group("n"))
                    if rate is not None:
                        rest = sentence[: match.start()] + " " + sentence[match.end() :]
                        out.append((rate, frozenset(_bigrams(rest))))
        return out

    def _documented_discount(self, ctx: GuardContext, start: int, end: int) -> bool:
        """The match gives a rate that a document sentence states for goods its clause names."""
        reply = ctx.reply
        match = self.rate.search(reply, start, end)
        rate = _rate(match.group("n")) if match else None
        if rate is None:
            return False
        clause_start, clause_end = text_scan.clause_bounds(reply, start)
        words = _bigrams(reply[clause_start:start] + " " + reply[end : max(clause_end, end)])
        return any(r == rate and len(words & doc_words) >= _MIN_SHARED for r, doc_words in self.standing.get(ctx.shop))

    def check(self, ctx: GuardContext) -> list[Violation]:
        """One violation over the concessions granted, when they are more than one and the shop limits them."""
        reply = ctx.reply
        if not self.limited.get(ctx.shop) or self.alternative.search(reply):
            return []
        granted: list[tuple[int, int]] = []
        for shape in self.shapes:
            for match in shape.finditer(reply):
                start, end = match.span()
                if any(a < end and start < b for a, b in granted) or self._not_granted(reply, start, end):
                    continue
                if self._documented_discount(ctx, start, end):
                    continue
                granted.append((start, end))
        if len(granted) < 2:
            return []
        granted.sort()
        return [
            Violation(
                category=Category.false_promise,
                rule="false_promise.stacked_concessions",
                severity=Severity.error,
                message=self.message.format(count=len(granted)),
                span=(granted[0][0], granted[-1][1]),
            )
        ]

    def _not_granted(self, reply: str, start: int, end: int) -> bool:
        """Negated, asked, conditional or quoted, or the shop's own threshold offer ("满159送…")."""
        clause_start, _ = text_scan.clause_bounds(reply, start)
        return (
            text_scan.is_negated(reply, start, end)
            or (text_scan.is_conditional(reply, start, end) and not purchase_only(reply, start, self.purchase))
            or text_scan.is_quoted(reply, start)
            or bool(self.shop_offer.search(reply, clause_start, start))
            or bool(re.match(r"[^,，。!！;；]{0,6}[吗?？]", reply[end:]))
        )


_SENTENCES = re.compile(r"[^。;；\n]+")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_CN_RATE = "零一二三四五六七八九"
_MIN_SHARED = 2


def _rate(figure: str) -> float | None:
    """A discount figure in digits or a Chinese numeral ("9", "8.5", "九") as a number."""
    if figure and figure[0] in _CN_RATE:
        return float(_CN_RATE.index(figure[0]))
    try:
        return float(figure)
    except ValueError:
        return None


def _bigrams(text: str) -> set[str]:
    """Two-character Chinese words of a text (every adjacent pair in a run of Chinese characters)."""
    return {a + b for run in _HAN_RUN.findall(text) for a, b in pairwise(run)}
