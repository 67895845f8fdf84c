"""Finds the sentences of a shop's documents that a proactive draft states (retriever → best sentences)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.knowledge.base import ShopKnowledge
from service.planning.fact_finder import FactFinder
from service.proactive.models import ShopFact
from service.proactive.templates import FactSlot
from service.retrieval.retriever import Retriever

CANDIDATE_DOCS = 4  # documents the retriever proposes per slot
_TIME = re.compile(r"(\d{1,2}[::]\d{2})")
_RANGE = re.compile(r"(\d+)\s*[-~–至到]\s*(\d+)\s*(?:个)?(?:工作日|天|日)")
_HOURS = re.compile(r"(\d+)\s*(?:个)?小时")
_YUAN = re.compile(r"(\d+(?:\.\d+)?)\s*元")
_YEARS = re.compile(r"(\d+)\s*年")


@dataclass
class FactValues:
    """Figures read from one fact sentence (for the English wording, which cannot quote Chinese text)."""

    times: list[str] = field(default_factory=list)
    day_ranges: list[tuple[int, int]] = field(default_factory=list)
    hours: list[str] = field(default_factory=list)
    yuan: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, text: str) -> FactValues:
        return cls(times=[t.replace(":", ":") for t in _TIME.findall(text)],
                   day_ranges=[(int(a), int(b)) for a, b in _RANGE.findall(text)],
                   hours=_HOURS.findall(text), yuan=_YUAN.findall(text), years=_YEARS.findall(text))


class ShopFactLookup:
    """One slot → the best sentence of the shop's documents that contains a cue, or None."""

    def __init__(self, retriever: Retriever, finder: FactFinder) -> None:
        self.retriever = retriever
        self.finder = finder

    def find(self, shop: ShopKnowledge, slot_name: str, slot: FactSlot, query: str,
             skus: list[str]) -> ShopFact | None:
        """The best usable sentence (or clause between semicolons) for the slot, or None."""
        if slot.of_product and not skus:
            return None
        hits = self.retriever.search(shop.shop_id, query, CANDIDATE_DOCS * 2, max_per_doc=2,
                                     doc_types=[t.value for t in slot.doc_types],
                                     skus=skus if slot.of_product else None)
        doc_ids = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:CANDIDATE_DOCS]
        kinds = ("spec", "faq", "sentence") if slot.of_product else ("faq", "sentence")
        best: tuple[float, ShopFact] | None = None
        for rank, doc_id in enumerate(doc_ids):
            doc = shop.docs.get(doc_id)
            if doc is None:
                continue
            for evidence in self.finder.find(query, doc, "", limit=12, kinds=kinds, min_score=None):
                row = f"{evidence.key} {evidence.value}" if evidence.kind == "spec" else evidence.value or evidence.text
                for clause in re.split(r"[;;]", row):
                    text = _clean(clause)
                    if not _usable(text, slot):
                        continue
                    cues = sum(cue in text for cue in slot.cues)
                    score = evidence.score + 0.2 * cues - 0.05 * rank
                    if best is None or score > best[0]:
                        best = (score, ShopFact(slot=slot_name, text=text, doc_id=doc.id,
                                                chunk_id=evidence.chunk_id))
        return best[1] if best else None


def _usable(text: str, slot: FactSlot) -> bool:
    if not any(cue in text for cue in slot.cues) or any(word in text for word in slot.avoid):
        return False
    values = FactValues.read(text) if slot.must_have else None
    return all(getattr(values, name) for name in slot.must_have)


def _clean(text: str) -> str:
    """A document row as a sentence of a message: no list marker, a full stop at the end."""
    text = re.sub(r"^\s*(?:[-*]|\d+\.)\s*", "", text).strip()
    return text if not text or text[-1] in "。!?!?~" else text + "。"
