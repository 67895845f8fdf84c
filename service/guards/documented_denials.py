"""Refusals the shop's own documents state for an item in a stated situation.

"W2 按您家尺寸定做,确认图纸后依法不适用无理由退货,也不能取消订单" is the furniture shop's rule for its
made-to-measure wardrobe: a reply that refuses to cancel W2 for a buyer who says "图纸确认了" follows it.
The documents' sentences that refuse (the same claim patterns the replies are read with) are indexed
once per shop version; a reply's refusal is the shop's rule when such a sentence names an ordered item
(its SKU, a model code of its title, or its category) and shares the situation's words with the buyer
(at least two two-character words besides the item's names and the refusal itself).

A list line names its subject once for all its sentences ("鲜切花 R3:…之前可以取消;之后花已剪切包扎,不能
取消"): the item may be named anywhere in the refusal's line. The situation may also be what the reply
states as this order's fact, in a clause of its own that is not a condition ("花今天已经剪切包扎好了,现在没法
取消了"); a rule recited ("W2确认图纸后不能取消") states no fact beside the refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.refund_claims import RefundPatterns
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge

_SENTENCES = re.compile(r"[^。;；\n]+")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")
_MODEL_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{1,4}(?![A-Za-z0-9])")
_MIN_SHARED = 2


@dataclass(frozen=True)
class DocDenial:
    """A document sentence that refuses something, and the words of its situation."""

    sentence: str
    words: frozenset[str]
    line: str  # the list line holding the sentence: its subject is named once for all its sentences


class DocumentedDenials:
    """The shop's documented refusals of one claim kind (e.g. `deny_cancel`)."""

    def __init__(self, patterns: RefundPatterns, kind: str) -> None:
        self.patterns = patterns
        self.kind = kind
        self._index: ShopCache[list[DocDenial]] = ShopCache(self._build)

    def _build(self, shop: ShopKnowledge) -> list[DocDenial]:
        out = []
        for doc in shop.docs.values():
            for line in doc.body.splitlines():
                for match in _SENTENCES.finditer(line):
                    sentence = match.group()
                    claims = self.patterns.find(self.kind, sentence)
                    if claims:
                        situation = sentence
                        for claim in claims:
                            situation = situation.replace(sentence[claim.start : claim.end], " ")
                        out.append(DocDenial(sentence, frozenset(_bigrams(situation)), line))
        return out

    def covers(self, ctx: GuardContext) -> bool:
        """A documented refusal names an ordered item and the buyer describes its situation."""
        if ctx.order is None or not ctx.order.items:
            return False
        buyer = _bigrams(" ".join(t.text for t in ctx.conversation if t.role == "customer"))
        buyer |= self._stated_facts(ctx)
        if not buyer:
            return False
        for item in ctx.order.items:
            names = [item.sku, *(_MODEL_CODE.findall(item.title)), item.category]
            named = [n for n in names if n and len(n) >= 2]
            own = set().union(*(_bigrams(n) for n in named)) if named else set()
            for denial in self._index.get(ctx.shop):
                if any(n in denial.line for n in named) and len((denial.words - own) & buyer) >= _MIN_SHARED:
                    return True
        return False

    def _stated_facts(self, ctx: GuardContext) -> set[str]:
        """Words of the reply's clauses that state a fact beside its refusals: not a refusal's own clause,
        not a condition (and not a clause holding the refused kind's words at all)."""
        reply = ctx.reply
        refusals = self.patterns.find(self.kind, reply)
        if not refusals:
            return set()
        words: set[str] = set()
        for start, end in text_scan.split_clauses(reply):
            # the clause itself may open with the condition ("如果花已经剪切包扎了"): read up to its last character
            refusing = any(c.start < end and start < c.end for c in refusals)
            if refusing or text_scan.is_conditional(reply, max(start, end - 1)):
                continue
            words |= _bigrams(reply[start:end])
        return words


def _bigrams(text: str) -> set[str]:
    """Two-character Chinese words of a text (every adjacent pair in a run of Chinese characters)."""
    return {a + b for run in _HAN_RUN.findall(text) for a, b in pairwise(run)}
