"""Which products a buyer's words name: an index over titles, SKUs, model codes, categories and tags.

Built once per shop version (an edit builds a new ShopKnowledge); a lookup touches only the products
that share a name token with the text, so it costs the same at 10 or 10,000 products.
"""

from __future__ import annotations

import re
from collections import defaultdict

from pydantic import BaseModel

from service.knowledge.base import ShopKnowledge

_LATIN = re.compile(r"[a-z0-9][a-z0-9\-\.]*[a-z0-9]|[a-z0-9]", re.IGNORECASE)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
DISTINCTIVE_TITLE_WORD = 2  # at most this many titles share a three-character word that names a product
GENERIC_LATIN = frozenset({
    "pro", "max", "mini", "plus", "lite", "new", "usb", "usb-c", "type-c", "c", "a", "x", "s", "the", "and", "of", "to",
    "for", "with", "in", "on", "or", "by", "set", "kit", "pack", "one", "two", "it", "is", "my", "me", "can", "do",
})


class ProductMention(BaseModel):
    """A product the text names, and how strongly."""

    doc_id: str
    title: str
    score: float


GENERIC_KIND_WORDS = frozenset({"商品", "产品", "电器", "东西", "用品", "配件", "套装"})


def _name_variants(name: str) -> set[str]:
    """A kind word and how buyers shorten it: head noun ("电热水壶" → "水壶"), stem ("扫地机器人" → "扫地机")."""
    variants = {name}
    if _CJK_RUN.fullmatch(name) and len(name) >= 3:
        variants.add(name[-2:])
        if len(name) >= 4:
            variants.add(name[:3])
    return {v for v in variants if v not in GENERIC_KIND_WORDS}


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        grams |= {run[i:i + 2] for i in range(len(run) - 1)}
    return grams


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        grams |= {run[i:i + 3] for i in range(len(run) - 2)}
    return grams


def _latin_tokens(text: str) -> set[str]:
    return {t.lower() for t in _LATIN.findall(text)}


class _Entry(BaseModel):
    doc_id: str
    title: str
    sku: str
    category: str
    latin: set[str]  # distinctive Latin tokens of the title and SKU ("airbeat", "ab3", "h300")
    title_grams: set[str]
    names: list[str]  # category and tags: words a buyer uses for the kind of product


class ProductCatalog:
    """Resolve product mentions in buyer text for one shop version."""

    def __init__(self, shop: ShopKnowledge) -> None:
        self._entries: dict[str, _Entry] = {}
        self._by_token: dict[str, set[str]] = defaultdict(set)
        self._by_gram: dict[str, set[str]] = defaultdict(set)
        self._by_trigram: dict[str, set[str]] = defaultdict(set)
        for doc_id, product in shop.products.items():
            doc = shop.docs.get(doc_id)
            tags = list(doc.meta.tags) if doc and doc.meta.tags else []
            latin = {t for t in _latin_tokens(f"{product.title} {product.sku}")
                     if t not in GENERIC_LATIN and not t.isdigit() and (len(t) >= 3 or any(c.isdigit() for c in t))}
            if product.sku:
                latin.add(product.sku.lower())
            names = sorted({v for n in {product.category, *tags} if n and len(n) >= 2 for v in _name_variants(n)})
            entry = _Entry(doc_id=doc_id, title=product.title, sku=product.sku, category=product.category,
                           latin=latin, title_grams=_bigrams(product.title), names=names)
            self._entries[doc_id] = entry
            for token in latin:
                self._by_token[token].add(doc_id)
            for gram in entry.title_grams | {g for n in names for g in _bigrams(n)}:
                self._by_gram[gram].add(doc_id)
            for gram in _trigrams(product.title):
                self._by_trigram[gram].add(doc_id)
            for name in names:
                for token in _latin_tokens(name):
                    if token not in GENERIC_LATIN:
                        self._by_token[token].add(doc_id)

    def __len__(self) -> int:
        return len(self._entries)

    def title(self, doc_id: str) -> str:
        entry = self._entries.get(doc_id)
        return entry.title if entry else doc_id

    def sku(self, doc_id: str) -> str:
        entry = self._entries.get(doc_id)
        return entry.sku if entry else ""

    def without_names(self, text: str, doc_ids: list[str]) -> str:
        """`text` with the words that name these products blanked out: every Chinese character pair their titles,
        categories or tags share, and their model codes ("玫瑰花束和蝴蝶兰哪个能放得久" → "…和…哪个能放得久"). What is
        left says what the buyer asks about them."""
        entries = [self._entries[d] for d in doc_ids if d in self._entries]
        grams = set().union(*(e.title_grams | {g for n in e.names for g in _bigrams(n)} for e in entries)) \
            if entries else set()
        latin = set().union(*(e.latin for e in entries)) if entries else set()
        keep = [True] * len(text)
        for i in range(len(text) - 1):
            if text[i:i + 2] in grams:
                keep[i] = keep[i + 1] = False
        for match in _LATIN.finditer(text):
            if match.group(0).lower() in latin:
                keep[match.start():match.end()] = [False] * (match.end() - match.start())
        out = "".join(ch if k else " " for ch, k in zip(text, keep, strict=True))
        return re.sub(r"\s+", " ", out).strip()

    def by_sku(self, sku: str) -> str | None:
        ids = self._by_token.get(sku.lower(), set())
        return next((i for i in ids if self._entries[i].sku.lower() == sku.lower()), None)

    def mentions(self, text: str) -> list[ProductMention]:
        """Products named in `text`, best first; a model code or SKU outweighs a shared category word."""
        tokens = _latin_tokens(text)
        grams = _bigrams(text)
        candidates: set[str] = set()
        for token in tokens:
            candidates |= self._by_token.get(token, set())
        for gram in grams:
            ids = self._by_gram.get(gram, set())
            if len(ids) <= 200:  # a bigram shared by most of the catalogue names nothing
                candidates |= ids
        # a three-character word of one or two titles only ("浇花器", "龟背竹"; not the brand every title
        # opens with) names the product as its category word does
        distinctive: set[str] = set()
        for gram in _trigrams(text):
            ids = self._by_trigram.get(gram, set())
            if 0 < len(ids) <= DISTINCTIVE_TITLE_WORD:
                distinctive |= ids
        candidates |= distinctive
        lowered = text.lower()
        found: list[ProductMention] = []
        for doc_id in candidates:
            entry = self._entries[doc_id]
            score = 1.0 if doc_id in distinctive else 0.0
            score += 3.0 * len(entry.latin & tokens)
            if entry.title_grams:
                shared = len(entry.title_grams & grams)
                score += 2.5 * shared / len(entry.title_grams) if shared >= 2 else 0.0
            if any(name.lower() in lowered for name in entry.names) and doc_id not in distinctive:
                score += 1.0
            if score >= 1.0:
                found.append(ProductMention(doc_id=doc_id, title=entry.title, score=round(score, 3)))
        found.sort(key=lambda m: (-m.score, m.doc_id))
        return found
