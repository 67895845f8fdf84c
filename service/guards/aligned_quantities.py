"""Numbers a reply states about a product, aligned with the product's spec values by unit and wording.

No table of attribute names: a reply quantity ("开封后能放 12 个月", "最多能刻 10 个汉字", "39 到 46 码")
is compared with every spec value of the same product in the same dimension (kg, hours, ml, ...) or,
for a unit no table knows (次, 汉字, 码, 层), with the same unit word. The spec value it speaks of is
the one whose wording shares the most with the reply's clause (character pairs and characters, the
numbers left out), so "开封后" picks "开封后 6 个月内用完" over "未开封 3 年". Bounds are read from the
spec ("7 kg 以下", "≥ 40%", "最多 6 个汉字"). Only a clear contradiction is reported: the value agrees
with no spec value of that unit anywhere in the document, and one spec value is aligned with the
clause. Cue words are data (`data/ungrounded_fact.yaml`, `aligned_quantities:`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from service.guards.fact_values import Quantity, QuantityParser
from service.guards.shop_cache import DocMemo
from service.knowledge.product_facts import ProductFacts

_NUM = r"(?<![\d.A-Za-z])(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|~|～|到|至)\s*(?P<b>\d+(?:\.\d+)?))?"
_OPAQUE = re.compile(rf"{_NUM}\s*(?:个|多个)?\s*(?P<unit>[\u4e00-\u9fff]{{1,2}}|%)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"[\d.]+")
_PARTS = re.compile(r"[,，;；、。()（）]")
_INF = float("inf")
_DENIED = re.compile(r"\s*(不支持|不含|不适用|不是|非|不包括|不包含|没有|无)")


@dataclass(frozen=True)
class SpecValue:
    """One value of a spec line: its unit (a dimension, or `unit:次`), its bounds, and its wording."""

    unit: str
    lo: float
    hi: float
    text: str


@dataclass(frozen=True)
class Claim:
    """A reply quantity: unit, value or range, and where it is."""

    unit: str
    lo: float
    hi: float
    start: int
    end: int
    label: str


class AlignedQuantities:
    """Spec values per product (read once per document text), and the check of a clause's quantities."""

    def __init__(self, data: dict[str, Any], parser: QuantityParser) -> None:
        spec = data["aligned_quantities"]
        self.parser = parser
        self.upper_after = re.compile(rf"^\s*(?:{'|'.join(spec['upper_after'])})")
        self.lower_after = re.compile(rf"^\s*(?:{'|'.join(spec['lower_after'])})")
        self.upper_before = re.compile(rf"(?:{'|'.join(spec['upper_before'])})\s*$")
        self.lower_before = re.compile(rf"(?:{'|'.join(spec['lower_before'])})\s*$")
        self.skip_units = set(spec["skip_units"])
        self.skip_keys = re.compile("|".join(spec["skip_keys"]))
        self.stop = set(spec["stop_characters"])
        self.min_score = int(spec["min_score"])
        self.sole_dims = set(spec["sole_dimensions"])
        self._memo: DocMemo[tuple[str, int], list[SpecValue]] = DocMemo()

    # -- the document --------------------------------------------------------------------------------
    def values(self, product: ProductFacts) -> list[SpecValue]:
        """Every quantity of the product's spec lines, with bounds and the words around it."""
        return self._memo.get((product.doc_id, hash(product.body)), lambda: self._read(product))

    def _read(self, product: ProductFacts) -> list[SpecValue]:
        out: list[SpecValue] = []
        for key, value in product.specs.items():
            if self.skip_keys.search(key):
                continue
            for part in _PARTS.split(value):
                if _DENIED.match(part):
                    # "不支持 5 GHz": a value the product does not have
                    out += [SpecValue(f"not:{c.unit}", c.lo, c.hi, f"{key} {part}") for c in self.claims(part)]
                elif part.strip():
                    out += [SpecValue(c.unit, c.lo, c.hi, f"{key} {part}") for c in self.claims(part, bounded=True)]
        return out

    # -- quantities in a text ------------------------------------------------------------------------
    def claims(self, text: str, start: int = 0, end: int | None = None, bounded: bool = False) -> list[Claim]:
        """Quantities with a known dimension or an unknown unit word, written in digits. `bounded`: a
        spec's bounds apply ("7 kg 以下" is 0-7 kg); a reply's value is what it says."""
        end = len(text) if end is None else end
        found: list[Claim] = []
        for q in self.parser.parse(text, start, end, degrees=True):
            if q.dim == "ip" or not re.search(r"\d", q.label):
                continue  # "五六个小时", "一升": a rough figure in words
            found.append(
                self._bounded(
                    text, q.dim, q.lo, q.hi, q.start, q.end, q.label, q.within and bounded, start, end, bounded
                )
            )
        for match in _OPAQUE.finditer(text, start, end):
            if any(c.start <= match.start() < c.end for c in found):
                continue
            unit = match.group("unit")
            unit = unit[:1] if unit[:1] not in self.skip_units and len(unit) == 2 and unit[1:] in self.stop else unit
            if unit[:1] in self.skip_units or unit in self.skip_units:
                continue
            a = float(match.group("a"))
            b = float(match.group("b")) if match.group("b") else a
            found.append(
                self._bounded(
                    text,
                    f"unit:{unit}",
                    min(a, b),
                    max(a, b),
                    match.start(),
                    match.end(),
                    match.group(),
                    False,
                    start,
                    end,
                    bounded,
                )
            )
        return found

    def _bounded(
        self,
        text: str,
        unit: str,
        lo: float,
        hi: float,
        s: int,
        e: int,
        label: str,
        within: bool,
        start: int,
        end: int,
        bounded: bool,
    ) -> Claim:
        if not bounded:
            return Claim(unit, lo, hi, s, e, label)
        before, after = text[max(start, s - 4) : s], text[e:end]
        if within or self.upper_after.match(after) or self.upper_before.search(before):
            lo = min(0.0, lo)
        elif self.lower_after.match(after) or self.lower_before.search(before):
            hi = _INF
        return Claim(unit, lo, hi, s, e, label)

    def by_unit(self, products: Iterable[ProductFacts]) -> dict[str, list[ProductFacts]]:
        """Which products have a spec value in each unit (built once per shop version by the caller)."""
        index: dict[str, list[ProductFacts]] = {}
        for product in products:
            for unit in dict.fromkeys(v.unit for v in self.values(product)):
                index.setdefault(unit, []).append(product)
        return index

    # -- the check -----------------------------------------------------------------------------------
    def contradicted(self, product: ProductFacts, claim: Claim, clause: str) -> SpecValue | None:
        """The spec value the claim speaks of and contradicts; None when it agrees or nothing aligns."""
        values = self.values(product)
        same = [v for v in values if v.unit == claim.unit]
        if any(agrees(claim, v) for v in same):
            return None
        denied = [v for v in values if v.unit == f"not:{claim.unit}" and agrees(claim, v)]
        if denied:
            return denied[0]
        if not same:
            return None
        words = _DIGITS.sub(" ", clause.replace(claim.label, " "))
        # a unit only one spec line uses names that line: by itself for a dimension only one attribute
        # has ("仅支持 2.4 GHz"), with one more shared character for a unit word ("每罐约可使用 40 次")
        one_line = len({v.text.split(" ")[0] for v in same}) == 1
        bonus = (self.min_score if claim.unit in self.sole_dims else int(claim.unit.startswith("unit:"))) * one_line
        scored = [(self._score(words, _DIGITS.sub(" ", v.text)) + bonus, v) for v in same]
        best = max(score for score, _ in scored)
        if best < self.min_score:
            return None
        return next(v for score, v in scored if score == best)

    def _score(self, clause: str, spec: str) -> int:
        """2 per shared pair of adjacent Chinese characters, 1 per shared character (stop characters out)."""
        a, b = self._content(clause), self._content(spec)
        pairs = {x + y for x, y in pairwise(a)} & {x + y for x, y in pairwise(b)}
        return 2 * len(pairs) + len(set(a) & set(b))

    def _content(self, text: str) -> str:
        return "".join(ch for ch in text if _HAN.match(ch) and ch not in self.stop)


def agrees(claim: Claim, spec: SpecValue) -> bool:
    """The claimed value or range lies inside the spec's (5 % slack for measurements, none for counts
    and sizes in a unit word; a spec bound is open on one side)."""
    finite = [abs(x) for x in (spec.lo, spec.hi) if x != _INF]
    slack = 0.0 if spec.unit.startswith("unit:") else max(finite, default=0.0) * 0.05
    if claim.lo == claim.hi:
        return spec.lo - slack <= claim.lo <= spec.hi + slack
    return spec.lo - slack <= claim.lo and claim.hi <= spec.hi + slack


def as_quantity(claim: Claim) -> Quantity:
    """The claim as a `Quantity` (for the exemptions the other number checks share)."""
    return Quantity(claim.unit, claim.lo, claim.hi, claim.start, claim.end, claim.label)
