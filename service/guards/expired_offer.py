"""expired_offer: a reply stating an offer that only documents outside their validity window state.

A promotion document carries `valid_from` / `valid_until`; outside that window it is not retrieved, and an
agent (or an LLM that remembers last week's 双11 page) who still promises its 满减 or discount is told that
the offer has ended (or not begun). Offers are compared by signature (`满300减30`, `8折`), read with the
patterns of `data/expired_offer.yaml`; an offer that a document valid now also states is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.shop_cache import DocMemo
from service.knowledge.document import Document


class OfferPattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str
    signature: str


class OfferPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offers: list[OfferPattern]


@lru_cache(maxsize=4)
def _compiled(data_dir: Path | None) -> list[tuple[re.Pattern[str], str]]:
    data = OfferPatterns.model_validate(text_scan.load_data("expired_offer", data_dir))
    return [(re.compile(p.pattern), p.signature) for p in data.offers]


def _normalise(signature: str) -> str:
    return re.sub(r"\s+", "", signature)


def offers_in(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> Iterator[tuple[str, int, int]]:
    """(signature, start, end) of every offer stated in `text`."""
    for pattern, template in patterns:
        for match in pattern.finditer(text):
            yield _normalise(match.expand(template)), match.start(), match.end()


class ExpiredOfferGuard:
    """Flags offers (满减, 折扣, 券, 买赠) that only out-of-window documents state, at the reply's `now`."""

    name = "expired_offer"

    def __init__(self, data_dir: Path | None = None) -> None:
        self._patterns = _compiled(data_dir)
        self._memo: DocMemo[tuple[str, str, str], frozenset[str]] = DocMemo()

    def _signatures(self, doc: Document) -> frozenset[str]:
        key = (doc.shop_id, doc.id, doc.content_hash)
        return self._memo.get(key, lambda: frozenset(s for s, _, _ in offers_in(doc.text, self._patterns)))

    def check(self, ctx: GuardContext) -> list[Violation]:
        docs = {**ctx.shop.inactive, **ctx.shop.docs}
        outside = [d for d in docs.values() if _windowed(d) and not d.valid_at(ctx.now)]
        if not outside:
            return []
        live: set[str] = set()
        for doc in docs.values():
            if not _windowed(doc) or doc.valid_at(ctx.now):
                live |= self._signatures(doc)
        violations: list[Violation] = []
        for signature, start, end in offers_in(ctx.reply, self._patterns):
            if signature in live:
                continue
            source = next((d for d in outside if signature in self._signatures(d)), None)
            if source is None:
                continue
            violations.append(Violation(
                category=Category.false_promise, rule="false_promise.expired_offer", severity=Severity.error,
                span=(start, end), message=_message(ctx.reply[start:end], source, ctx.now)))
        return violations


def _windowed(doc: Document) -> bool:
    return doc.meta.valid_from is not None or doc.meta.valid_until is not None


def _message(stated: str, source: Document, now: datetime) -> str:
    meta = source.meta
    if meta.valid_until is not None and now >= meta.valid_until:
        when = f"已于 {meta.valid_until.isoformat()} 结束"
    else:
        start = meta.valid_from.isoformat() if meta.valid_from is not None else "?"
        when = f"尚未开始(从 {start} 起)"
    return f"「{stated}」来自「{meta.title}」({source.id}),该活动{when},现在不能承诺"
