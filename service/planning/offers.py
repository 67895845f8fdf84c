"""The shop's real offers, and which of them apply to what the buyer is buying.

Offers are sentences of the shop's documents that a bargaining buyer may be told (coupons, 满减 thresholds,
member prices, quantity prices, gifts, free shipping, instalments, price protection), recognised by the
general patterns of data/offers.yaml. Shop-wide offers (FAQ, guideline, policy documents) are read once per
shop version; a product's own offers are read from its document when it is asked about, so a request costs
the same at 10 or 10,000 products.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from service.knowledge.base import ShopKnowledge
from service.knowledge.document import Document
from service.planning.fact_finder import document_rows
from service.planning.models import Evidence
from service.retrieval.lexical import char_ngrams

OFFERS_FILE = Path(__file__).with_name("data") / "offers.yaml"
SHOP_WIDE_TYPES = ("faq", "guideline", "policy")
_THRESHOLD = re.compile(r"满\s*(\d+(?:\.\d+)?)\s*元?")
_EXCLUSION = re.compile(r"(不参加|不参与|除外|不享受?|不可用|不能用|不适用)")
MAX_OFFERS = 3
SAME_OFFER = 0.5  # share of character bigrams above which two sentences state one offer


class OfferPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, list[str]]
    instructions: list[str]
    return_rules: list[str]
    price_protection_asks: list[str]

    def kind_of(self, text: str) -> str | None:
        if any(word in text for word in self.instructions) or any(re.search(p, text) for p in self.return_rules):
            return None
        for kind, patterns in self.kinds.items():
            if any(re.search(p, text) for p in patterns):
                return kind
        return None

    def kinds_in(self, question: str) -> set[str]:
        """Every kind of offer a buyer's question names ("开会员能打折不" → member, "能用店铺券吗" → coupon)."""
        return {kind for kind, patterns in self.kinds.items() if any(re.search(p, question) for p in patterns)}

    def asks_price_protection(self, question: str) -> bool:
        text = question.lower()
        return any(re.search(p, text) for p in self.price_protection_asks)


@lru_cache(maxsize=4)
def load_offer_patterns(path: Path = OFFERS_FILE) -> OfferPatterns:
    return OfferPatterns.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class Offer(BaseModel):
    """One offer sentence, its kind and the order amount it needs (满 X), if any."""

    model_config = ConfigDict(frozen=True)

    kind: str
    evidence: Evidence
    threshold_yuan: float | None = None

    def excludes(self, names: list[str]) -> bool:
        """True when a clause of the sentence names one of `names` as left out ("洁面仪不参加会员价")."""
        clauses = [c for c in re.split(r"[;;,,。]", self.evidence.value) if _EXCLUSION.search(c)]
        return any(name in clause for clause in clauses for name in names)

    def granted_to(self, codes: set[str]) -> set[str]:
        """The model codes (R7, K2) the sentence grants the offer to, outside its clauses that leave goods out
        ("会员价 R7 439 元、K2 179 元" → {R7, K2}; "满 299 减 20;定制鞋 M8 不能用店铺券" → none: it is for all)."""
        clauses = [c for c in re.split(r"[;;,,。]", self.evidence.value) if not _EXCLUSION.search(c)]
        # a code after a giving verb is the gift ("满 399 元再加送旅行试用装 TRY5 一套"), not who gets the offer
        return {code for clause in clauses for code in set(_CODE.findall(clause)) & codes
                if not re.search(rf"(送|赠)[^,,;;]*{re.escape(code)}", clause)}


_READ_CACHE: OrderedDict[tuple[str, str, str], list[Offer]] = OrderedDict()
READ_CACHE_DOCS = 4096


def read_offers(doc: Document, patterns: OfferPatterns) -> list[Offer]:
    """The offer sentences of one document (cached per document version)."""
    key = (doc.shop_id, doc.id, doc.content_hash)
    cached = _READ_CACHE.get(key)
    if cached is None:
        cached = _read_offers(doc, patterns)
        _READ_CACHE[key] = cached
        if len(_READ_CACHE) > READ_CACHE_DOCS:
            _READ_CACHE.popitem(last=False)
    return cached


def _read_offers(doc: Document, patterns: OfferPatterns) -> list[Offer]:
    offers: list[Offer] = []
    for row in document_rows(doc):
        text = row.value if row.kind != "spec" else row.match_text
        kind = patterns.kind_of(text)
        if kind is None or (kind != "price_protection" and not any(ch.isdigit() for ch in text)):
            continue
        threshold = _THRESHOLD.search(text)
        offers.append(Offer(kind=kind, threshold_yuan=float(threshold.group(1)) if threshold else None,
                            evidence=Evidence(kind="faq" if row.kind == "faq" else "sentence", text=text, key=row.key,
                                              value=text, doc_id=doc.id, chunk_id=row.chunk_id)))
    return offers


class OfferBook:
    """A shop version's offers: shop-wide ones read once, a product's own read when it is asked about."""

    def __init__(self, shop: ShopKnowledge, patterns: OfferPatterns | None = None) -> None:
        self._shop = shop
        self._patterns = patterns or load_offer_patterns()
        self.shop_wide = [o for doc in shop.docs.values() if doc.meta.type.value in SHOP_WIDE_TYPES
                          for o in read_offers(doc, self._patterns)]
        self._product: dict[str, list[Offer]] = {}
        # a product's model code ("K2" of "迈途 儿童魔术贴运动鞋 K2"): how shop-wide offers name the goods they are for
        self._codes = {doc.id: code for doc in shop.docs.values() if doc.meta.type.value == "product"
                       and (code := _model_code(doc.meta.title)) is not None}
        self._all_codes = set(self._codes.values())
        self._granted = {id(o): o.granted_to(self._all_codes) for o in self.shop_wide}  # once per shop version

    def product_offers(self, doc_id: str) -> list[Offer]:
        if doc_id not in self._product:
            doc = self._shop.docs.get(doc_id)
            self._product[doc_id] = read_offers(doc, self._patterns) if doc is not None else []
        return self._product[doc_id]

    def applicable(self, question: str, products: list[str], basket_yuan: float | None) -> list[Evidence]:
        """The offers to tell a buyer who asks `question` about `products`, most specific first: price
        protection when asked, the products' own offers, then shop-wide offers that do not leave the
        products out and whose 满 threshold the basket meets (or, without a basket, any)."""
        names = self._names(products)
        wants_protection = self._patterns.asks_price_protection(question)
        picked: list[Offer] = []
        if wants_protection:
            picked += [o for o in [*self._own(products), *self.shop_wide] if o.kind == "price_protection"][:1]
        # an offer the buyer asks about by name that leaves their product out: its sentence says so
        asked = self._patterns.kinds_in(question) - {"price_protection"}
        picked += [o for o in self.shop_wide if o.kind in asked and o.excludes(names)][:1]
        own = [o for o in self._own(products) if o.kind != "price_protection"]
        mine = {self._codes[p] for p in products if p in self._codes}
        wide = [o for o in self.shop_wide if o.kind != "price_protection" and not o.excludes(names)]
        granted = [(o, self._granted[id(o)]) for o in wide]
        # a shop-wide offer granted to named products ("会员价 R7 439 元、K2 179 元") applies to those only (when
        # the products are known)
        wide = [o for o, codes in granted if not codes or not mine or codes & mine]
        met = [o for o in wide if o.threshold_yuan is None or basket_yuan is None or basket_yuan >= o.threshold_yuan]
        met.sort(key=lambda o: -(o.threshold_yuan or 0.0))  # the biggest threshold the basket reaches first
        for offer in [*own, *met]:
            if all(_overlap(offer.evidence.value, p.evidence.value) < SAME_OFFER for p in picked):
                picked.append(offer)  # the FAQ and the guideline often state one offer twice
        return [o.evidence for o in picked[:MAX_OFFERS]]

    def _own(self, products: list[str]) -> list[Offer]:
        return [o for doc_id in products for o in self.product_offers(doc_id)]

    def _names(self, products: list[str]) -> list[str]:
        names: list[str] = []
        for doc_id in products:
            doc = self._shop.docs.get(doc_id)
            if doc is None:
                continue
            names += [doc.meta.category or "", *(doc.meta.tags or [])]
            if doc.meta.sku:
                names.append(doc.meta.sku)
        return [n for n in names if len(n) >= 2]


def _overlap(a: str, b: str) -> float:
    """Share of the shorter text's character bigrams that the other has too."""
    grams_a = set(char_ngrams(a))
    grams_b = set(char_ngrams(b))
    smaller = min(len(grams_a), len(grams_b))
    return len(grams_a & grams_b) / smaller if smaller else 0.0


_CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,3}\d{1,4}[A-Za-z]?)(?![A-Za-z0-9])")


def _model_code(title: str) -> str | None:
    """The product's model code in its title (letters then digits: R7, SB0, QPP2), if it has exactly one."""
    codes = set(_CODE.findall(title))
    return codes.pop() if len(codes) == 1 else None

