"""The shop's product features indexed for `ungrounded_fact`, built once per version of the shop.

What each product's document says it has or lacks (`ProductFeatures`, read once per document text),
which products speak of each feature, how a reply may write each feature (its surfaces), which
products carry each attribute's spec keys, and which have a size chart. A check looks the clause's
substrings up here instead of reading every product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from service.guards.product_features import FeatureReader, ProductFeatures
from service.knowledge.base import ShopKnowledge
from service.knowledge.product_facts import ProductFacts

Verdict = Callable[[ProductFeatures, str, bool, bool], bool]


@dataclass
class FeatureIndex:
    """Lookups over one version of a shop's products."""

    features: dict[str, ProductFeatures]
    products: dict[str, ProductFacts]
    speakers: dict[str, list[str]]  # feature name → doc ids whose documents say they have or lack it
    surfaces: dict[str, list[str]]  # lower-cased surface (no spaces) → feature names
    lengths: tuple[int, ...]
    by_key_word: dict[str, list[str]]  # attribute key word → doc ids with a spec key containing it
    charted: list[str]  # doc ids with a size chart (尺码 lines)
    skus: frozenset[str] = frozenset()  # the shop's SKUs, lower-cased
    _verdicts: dict[tuple[str, bool, bool], bool] = field(default_factory=dict)

    def names_in(self, lowered: str) -> set[str]:
        """Feature names one of whose surfaces occurs in the (lower-cased, space-free) text."""
        found: set[str] = set()
        for start in range(len(lowered)):
            for length in self.lengths:
                names = self.surfaces.get(lowered[start : start + length])
                if names:
                    found.update(names)
        return found

    def all_speakers_contradict(self, name: str, says_has: bool, boxed: bool, contradicts: Verdict) -> bool:
        """Whether every product that speaks of `name` contradicts the claim (memoised per shop version)."""
        key = (name, says_has, boxed)
        if key not in self._verdicts:
            self._verdicts[key] = all(
                contradicts(self.features[doc_id], name, says_has, boxed) for doc_id in self.speakers.get(name, [])
            )
        return self._verdicts[key]

    def having(self, key_words: Iterable[str]) -> list[ProductFacts]:
        """Products with a spec key containing one of the words, in catalogue order."""
        ids = {doc_id for word in key_words for doc_id in self.by_key_word.get(word, [])}
        return [p for doc_id, p in self.products.items() if doc_id in ids] if ids else []


def build_feature_index(shop: ShopKnowledge, reader: FeatureReader, key_words: Iterable[str]) -> FeatureIndex:
    """Index a shop's products (each document's features are read once per text, see FeatureReader)."""
    skus = frozenset(p.sku.lower() for p in shop.products.values() if p.sku)
    features = {doc_id: reader.read(p, skus) for doc_id, p in shop.products.items()}
    speakers: dict[str, list[str]] = {}
    names: set[str] = set(reader.groups)
    for doc_id, f in features.items():
        for name in f.positive | f.negative:
            speakers.setdefault(name, []).append(doc_id)
        names |= f.positive | f.negative | f.box
    surfaces: dict[str, list[str]] = {}
    for name in names:
        for surface in reader.surfaces(name):
            surfaces.setdefault(surface.lower(), []).append(name)
    words = set(key_words)
    by_key_word: dict[str, list[str]] = {}
    for doc_id, product in shop.products.items():
        for word in {w for w in words for key in product.specs if w in key}:
            by_key_word.setdefault(word, []).append(doc_id)
    charted = [doc_id for doc_id, p in shop.products.items() if any("尺码" in k for k in p.specs)]
    return FeatureIndex(
        features=features,
        products=dict(shop.products),
        speakers=speakers,
        surfaces=surfaces,
        lengths=tuple(sorted({len(s) for s in surfaces if s}, reverse=True)),
        by_key_word=by_key_word,
        charted=charted,
        skus=skus,
    )
