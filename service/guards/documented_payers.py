"""Who pays, as the shop's own documents state it for a situation.

"同一订单第二次及以后换码,寄回运费由买家承担" is the shoe shop's rule although its no-reason returns are
shipped back at its cost: a reply that puts the return leg of a second size exchange on the buyer follows
it. The documents' sentences that state a payer (the claim patterns and the payer structure the replies
are read with) are indexed once per shop version, each with the words of its situation (the sentence
without its payer clauses). A reply's payer claim is the shop's rule when a document states the same
payer in a situation the reply's sentence shares at least two words with, counting only the words that
no document sentence stating the other payer has ("订单", "换码" are in "每个订单第一次换码,来回运费都由本店
承担" too; "第二次" is not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.payer import PayerClaims
from service.guards.refund_claims import Claim, RefundPatterns
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge

_SENTENCES = re.compile(r"[^。;；\n]+")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_KINDS = ("buyer_pays", "seller_pays")
_MIN_SHARED = 2


@dataclass(frozen=True)
class DocPayer:
    """A document sentence's payer and the words of its situation no sentence of the other payer has."""

    kind: str
    words: frozenset[str]


class DocumentedPayers:
    """The shop's documented payers per situation."""

    def __init__(self, patterns: RefundPatterns, payers: PayerClaims) -> None:
        self.patterns = patterns
        self.payers = payers
        self._index: ShopCache[list[DocPayer]] = ShopCache(self._build)

    def _claims(self, text: str, start: int = 0, end: int | None = None) -> list[Claim]:
        end = len(text) if end is None else end
        part = text[start:end]
        found = [c for kind in _KINDS for c in self.patterns.find(kind, part)] + self.payers.find(part)
        return [Claim(c.kind, c.start + start, c.end + start, c.groups) for c in found]

    def _situation(self, text: str, start: int, end: int, claims: list[Claim]) -> set[str]:
        """Words of [start, end) outside the clauses holding a payer claim."""
        words: set[str] = set()
        for clause_start, clause_end in text_scan.split_clauses(text[start:end]):
            a, b = clause_start + start, clause_end + start
            if not any(c.start < b and a < c.end for c in claims):
                words |= _bigrams(text[a:b])
        return words

    def _build(self, shop: ShopKnowledge) -> list[DocPayer]:
        stated: list[tuple[str, set[str]]] = []
        for doc in shop.docs.values():
            for match in _SENTENCES.finditer(doc.body):
                sentence = match.group()
                claims = self._claims(sentence)
                situation = self._situation(sentence, 0, len(sentence), claims)
                stated += [(kind, situation) for kind in {c.kind for c in claims}]
        out = []
        for kind, situation in stated:
            other: set[str] = set().union(*(words for k, words in stated if k != kind))
            out.append(DocPayer(kind, frozenset(situation - other)))
        return out

    def states(self, ctx: GuardContext, claim: Claim) -> bool:
        """A document states the claim's payer in the situation of the claim's sentence."""
        index = self._index.get(ctx.shop)
        if not index:
            return False
        start, end = text_scan.sentence_bounds(ctx.reply, claim.start)
        claims = [*self._claims(ctx.reply, start, end), claim]
        words = self._situation(ctx.reply, start, end, claims)
        return any(doc.kind == claim.kind and len(doc.words & words) >= _MIN_SHARED for doc in index)


def _bigrams(text: str) -> set[str]:
    """Two-character Chinese words of a text (every adjacent pair in a run of Chinese characters)."""
    return {a + b for run in _HAN_RUN.findall(text) for a, b in pairwise(run)}
