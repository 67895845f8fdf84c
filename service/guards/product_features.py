"""What a product document says a product has or lacks: features (NFC, 无线充电) and box contents.

`ProductFeatures` reads the `## 规格` lines and the body ("不含气罐", "地布需要单独购买", "支持 LDAC")
into positive and negative facts; `claim_polarity` tells whether a reply says the product has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from service.guards.shop_cache import DocMemo
from service.knowledge.product_facts import ProductFacts

_SKU_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_LIST_SPLIT = re.compile(r"[,，、;；]|与|和|及")
_SUFFIXES = re.compile(r"(功能|本体|系列|产品|认证产品|认证|等)$")
_QTY = re.compile(r"\s*[x×*]\s*\d+\s*$|\s*[（(].*?[)）]\s*$")
_POSITIVE_DOC = re.compile(
    r"(?<![不没])(?:支持|含有|包含|含|带有)\s*(?P<x>[A-Za-z][A-Za-z0-9 ]{1,12}|[\u4e00-\u9fff、和与]{2,16})"
)
_GENERIC = {
    "兼容",
    "接口",
    "颜色",
    "材质",
    "保修",
    "包装清单",
    "发货时间",
    "适用",
    "尺寸",
    "重量",
    "问题",
    "关系",
    "影响",
    "办法",
    "必要",
    "区别",
    "差别",
    "任何",
    "什么",
}


def _norm(word: str) -> str:
    word = _QTY.sub("", word.strip())
    return _SUFFIXES.sub("", word.replace(" ", "")).strip()


@dataclass
class ProductFeatures:
    """Normalised names of what the product has (positive), lacks (negative), and its box contents."""

    positive: set[str] = field(default_factory=set)
    negative: set[str] = field(default_factory=set)
    box: set[str] = field(default_factory=set)
    has_box_list: bool = False

    def has(self, name: str) -> bool:
        """A positive fact names it, or a longer one contains it ("无线充电板" has "无线充电")."""
        return any(name in fact or fact in name for fact in self.positive if len(fact) >= 2)

    def lacks(self, name: str) -> bool:
        """A negative fact names it ("不含气罐", "NFC: 不支持")."""
        return name in self.negative


class FeatureReader:
    """Builds `ProductFeatures` from a product's specs and body, with the item synonyms of the data file."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.groups: dict[str, list[str]] = data["items"]
        self.doc_negative = re.compile(data["doc_negative"])
        self.negative_value = re.compile(data["negative_value"])
        self._cache: DocMemo[tuple[str, int, int], ProductFeatures] = DocMemo()
        self._surfaces: dict[str, list[str]] = {}
        self._canonical: dict[str, str] = {}

    def canonical(self, word: str) -> str:
        """The item group a word belongs to (数据线 for "USB-C 充电线"), else the normalised word."""
        known = self._canonical.get(word)
        if known is not None:
            return known
        normalised = _norm(word)
        found = next(
            (
                name
                for name, synonyms in self.groups.items()
                if any(s.replace(" ", "").lower() in normalised.lower() for s in synonyms)
            ),
            normalised,
        )
        if len(self._canonical) > 100_000:
            self._canonical.clear()
        self._canonical[word] = found
        return found

    def surfaces(self, name: str) -> list[str]:
        """How a reply may write a fact: its item synonyms, or the name itself."""
        if name not in self._surfaces:
            self._surfaces[name] = self._surface_list(name)
        return self._surfaces[name]

    def _surface_list(self, name: str) -> list[str]:
        forms = self.groups.get(name, [name])
        return sorted(
            {f.replace(" ", "") for f in [name, *forms] if len(f.replace(" ", "")) >= 2},
            key=len,
            reverse=True,
        )

    def read(self, product: ProductFacts, skus: frozenset[str] = frozenset()) -> ProductFeatures:
        """The product's facts, read once per document text and shop SKU list. `skus` are the shop's
        product SKUs, lower-cased: another product's facts are not this product's ("AB3 充电盒不支持
        无线充电" in the W15 document is about AB3)."""
        others = skus - {product.sku.lower()}
        key = (product.doc_id, hash(product.body), hash(others))
        return self._cache.get(key, lambda: self._read(product, others))

    def _read(self, product: ProductFacts, others: frozenset[str]) -> ProductFeatures:
        features = ProductFeatures()
        for key, value in product.specs.items():
            names = [n for n in re.split(r"\s*/\s*", key) if _norm(n) and _norm(n) not in _GENERIC]
            if key.startswith("不"):
                features.negative.update(self.canonical(i) for i in _LIST_SPLIT.split(value) if _norm(i))
            elif self.negative_value.match(value):
                features.negative.update(self.canonical(n) for n in names)
            elif value.startswith("支持"):
                features.positive.update(self.canonical(n) for n in names)
            if "包装清单" in key:
                features.has_box_list = True
                main = re.sub(r"[（(][^)）]*[)）]", "", value)
                features.box.update(self.canonical(i) for i in _LIST_SPLIT.split(main) if _norm(i))
        for match in self.doc_negative.finditer(product.body):
            word = match.group("x") or match.group("y")
            subject = re.split(r"[。;；\n:：]", product.body[max(0, match.start() - 20) : match.start()])[-1]
            if any(token.lower() in others for token in _SKU_TOKEN.findall(subject)):
                continue
            if word and len(_norm(word)) >= 2 and _norm(word) not in _GENERIC:
                features.negative.add(self.canonical(word))
        for match in _POSITIVE_DOC.finditer(product.body):
            for word in re.split(r"[、和与]", match.group("x")):
                if len(_norm(word)) >= 2 and _norm(word) not in _GENERIC:
                    features.positive.add(self.canonical(word))
        features.positive |= features.box
        return features


_USE_VERB = "放进|放入|放|使用|用|进|上"


def claim_polarity(
    text: str,
    start: int,
    end: int,
    clause_start: int,
    clause_end: int,
    positive: re.Pattern[str],
    negative: re.Pattern[str],
) -> bool | None:
    """True if the clause says the product has the thing at [start, end), False if it says not, else None.

    The cue must be close: a negation right before the thing ("不含数据线", "没有任何附带"), an
    affirmation at most six characters before it ("送一根 C to C 线", "支持4K视频输出").
    """
    before = text[max(clause_start, start - 10) : start]
    after = text[end : min(clause_end, end + 6)]
    # "不能放微波炉", "不建议用洗碗机": a short verb may stand between the negation and the thing
    if re.search(f"(?:{negative.pattern})(?:任何|附带|配|送|带|{_USE_VERB})?\\s*$", before):
        return False
    if re.match(r"\s*(也|都)?(不含|不支持|没有|不带|不送|不配|不兼容)(?=\s*$|[哦的呢啊了吧哈~,，。!！])", after):
        return False
    for match in positive.finditer(before):
        # the 能 of 不能 / 没有 of 没有 is part of a negation, not an affirmation
        in_negation = re.search(f"(?:{negative.pattern})$", before[: match.end()])
        if in_negation or before[: match.start()].endswith(("不", "没")):
            continue
        if len(before) - match.end() <= 6:
            return True
    if re.match(r"\s*(也|都)?(能用|可以用|支持|通用|兼容|都有|也有)", after):
        return True
    return None
