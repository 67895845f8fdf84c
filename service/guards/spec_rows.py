"""A product's spec rows as typed facts: levels on the capability scales and the uses its documents rule out.

Read once per document text (`ProductCapabilities.of`), from the `## 规格` rows and the body, with the
scales of `data/capabilities.yaml`: the water-resistance level (IPX4 → 4, 5ATM → 8), the highest output
in watts, the lowest rated temperature, the storage temperature range, and the words of statements
that rule a use out ("不可用电磁炉" → 电磁炉) or allow one ("可用电陶炉").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jieba

from service.guards.fact_values import QuantityParser
from service.guards.shop_cache import DocMemo
from service.knowledge.product_facts import ProductFacts

jieba.setLogLevel(60)
_SCOPE_END = re.compile(r"[,，。;；!！?？\n:：()（）]")
_ALLOW_CUE = re.compile(r"(?<![不没])(?:可用|可以用|可放|可以放|适用于|适合)")
_WORD = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9\-]{1,})$")
_SENTENCE = re.compile(r"[。!！\n]|(?<=[?？])")
_QUESTION = re.compile(r"[?？]|吗|问\s*[:：]")
_SCOPE_CHARS = 14  # a stated limit names its use within a few words of the negation


@dataclass
class ProductCapabilities:
    """What a product's rows say about the situations it copes with."""

    water: float | None = None
    watts: float | None = None
    cold_min: float | None = None
    storage: tuple[float, float] | None = None
    limits: set[str] = field(default_factory=set)
    allowed: set[str] = field(default_factory=set)


class CapabilityReader:
    """Builds `ProductCapabilities` with the scales of capabilities.yaml (memoised per document text)."""

    def __init__(self, data: dict[str, Any], parser: QuantityParser) -> None:
        scales = data["scales"]
        self.parser = parser
        self.water_keys = [k.lower() for k in scales["water"]["keys"]]
        self.water_levels = [
            (re.compile(pattern, re.IGNORECASE), float(level)) for pattern, level in scales["water"]["levels"].items()
        ]
        self.power_keys = [k.lower() for k in scales["power"]["keys"]]
        self.cold_keys = [k.lower() for k in scales["cold"]["keys"]]
        self.storage_keys = [k.lower() for k in scales["storage"]["keys"]]
        self.limit_cue = re.compile(data["limits"]["cue"])
        self.stop = set(data["limits"]["stop"])
        self.not_after = set(data["limits"]["not_after"])
        self._memo: DocMemo[tuple[str, int], ProductCapabilities] = DocMemo()

    def of(self, product: ProductFacts) -> ProductCapabilities:
        """The product's capabilities, read once per document text."""
        key = (product.doc_id, hash((product.title, product.category, tuple(product.specs.items()), product.body)))
        return self._memo.get(key, lambda: self._read(product))

    def _rows(self, product: ProductFacts, keys: list[str]) -> list[str]:
        return [v for k, v in product.specs.items() if any(word in k.lower() for word in keys)]

    def _read(self, product: ProductFacts) -> ProductCapabilities:
        caps = ProductCapabilities()
        water_rows = self._rows(product, self.water_keys)
        levels = [level for value in water_rows for rx, level in self.water_levels if rx.search(value)]
        caps.water = max(levels) if levels else None
        watts = [q.hi for v in self._rows(product, self.power_keys) for q in self.parser.parse(v) if q.dim == "power"]
        caps.watts = max(watts) if watts else None
        cold = [
            q.lo for v in self._rows(product, self.cold_keys) for q in self.parser.parse(v, degrees=True)
            if q.dim == "temperature"
        ]
        caps.cold_min = min(cold) if cold else None
        stored = [
            (q.lo, q.hi) for v in self._rows(product, self.storage_keys) for q in self.parser.parse(v, degrees=True)
            if q.dim == "temperature"
        ]
        caps.storage = (min(lo for lo, _ in stored), max(hi for _, hi in stored)) if stored else None
        # statements only: a FAQ question ("能戴着游泳吗?") names a use without saying anything of it
        texts = [f"{k}: {v}" for k, v in product.specs.items()] + [
            s for s in _SENTENCE.split(product.body) if s.strip() and not _QUESTION.search(s)
        ]
        own = f"{product.title} {product.category} {product.sku}"
        scopes: list[str] = []
        for text in texts:
            limits, scoped = self._words_after(self.limit_cue, text, own)
            caps.limits |= limits
            scopes += scoped
            caps.allowed |= self._words_after(_ALLOW_CUE, text, own)[0]
        # a use the documents also speak of outside their limits ("不要在手机和充电板之间放卡" in a
        # charger's page that is all about phones) is not one they rule out
        statements = "\n".join(texts)
        ruled_out = "\n".join(scopes)
        caps.limits = {w for w in caps.limits - caps.allowed if statements.count(w) <= ruled_out.count(w)}
        return caps

    def _words_after(self, cue: re.Pattern[str], text: str, own: str) -> tuple[set[str], list[str]]:
        """Content words in the few characters after each cue (up to the clause's end), and the scopes."""
        words: set[str] = set()
        scopes: list[str] = []
        for match in cue.finditer(text):
            end = _SCOPE_END.search(text, match.end())
            scope = text[match.end() : min(end.start() if end else len(text), match.end() + _SCOPE_CHARS)]
            scopes.append(scope)
            previous = ""
            for word in (w.strip() for w in jieba.lcut(scope)):
                keep = previous not in self.not_after and word not in self.stop and word not in own
                if keep and _WORD.match(word) and not cue.fullmatch(word):
                    words.add(word)
                previous = word or previous
        return words, scopes
