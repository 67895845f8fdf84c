"""Generic spec comparison for `ungrounded_fact`: any `- 键: 值` line, and exclusive terms (materials).

Two general rules, both driven by `data/ungrounded_fact.yaml` (`generic:`):

- numbers: a reply clause that names a spec key (the key itself, or a reply word the `key_words`
  table maps to it) and states a number+unit of the same dimension for the same product must agree
  with that line. A claimed range ("适合0到3岁") must lie inside the spec's range; a single value
  must match one of the spec's values. A few dimensions (volume, stage) need no key word when the
  product has exactly one line of that dimension.
- terms: a reply that says a product is made of a material (or uses a battery type) from an
  exclusive family list, when the product's matching spec line names only other families.

Only a clear contradiction is flagged; a product without such a line is never a violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.guards import text_scan
from service.guards.base import GuardContext
from service.guards.fact_values import Quantity, QuantityParser, matches, segments
from service.guards.product_match import Mention, products_at
from service.guards.shop_cache import DocMemo
from service.knowledge.product_facts import ProductFacts

_AGE_UNIT = re.compile(r"岁|个月|月龄|月$")
_FLOOR_AFTER = re.compile(r"\s*(以上|及以上|或以上|起|\+)")
_QUESTION = re.compile(r"是否|有没有|是不是|吗|[?？]")
_SIZE_OR_MODEL = re.compile(r"\s*(码|号)")
_PART_KEY = re.compile(r"([\u4e00-\u9fff]{2,3})(?:容量|容积|高度|重量|尺寸|长度|宽度|深度|厚度|直径)")


@dataclass(frozen=True)
class SpecHit:
    """A contradicted spec line: the product, the line, and what the reply said at [start, end)."""

    product: ProductFacts
    key: str
    value: str
    start: int
    end: int
    claimed: str


@dataclass(frozen=True)
class _Family:
    concept: str
    name: str
    surfaces: tuple[str, ...]


class SpecComparer:
    """Compares a clause's numbers and exclusive terms with every spec line of a product."""

    def __init__(self, data: dict[str, Any], parser: QuantityParser) -> None:
        generic = data["generic"]
        self.parser = parser
        self._parsed: DocMemo[tuple[str, str, str], list[Quantity]] = DocMemo()
        self.key_words: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
            (_alternation(words), tuple(keys)) for keys, words in _pairs(generic["key_words"])
        ]
        self.keyless_dims = set(generic["keyless_dimensions"])
        self.age_keys: tuple[str, ...] = tuple(generic["age_keys"])
        self.threshold_after = re.compile(data["threshold_after"])
        self.term_cue_before = re.compile(generic["term_cue_before"])
        self.term_cue_after = re.compile(generic["term_cue_after"])
        self.families: list[_Family] = []
        self.concept_keys: dict[str, tuple[str, ...]] = {}
        for concept, spec in generic["exclusive_terms"].items():
            self.concept_keys[concept] = tuple(spec["keys"])
            for name, surfaces in spec["families"].items():
                self.families.append(_Family(concept, name, tuple(surfaces)))
        # one pattern per concept: "304不锈钢" is a steel grade and a material at once
        self.surface_re = {
            concept: _alternation([s for f in self.families if f.concept == concept for s in f.surfaces])
            for concept in self.concept_keys
        }

    def clause_hits(
        self,
        ctx: GuardContext,
        mentions: list[Mention],
        start: int,
        end: int,
        exempt: Callable[[Quantity], bool],
    ) -> list[SpecHit]:
        """Contradicted spec lines in the clause [start, end) of the reply; every candidate product
        (named, ordered or asked about) must contradict."""
        reply, clause = ctx.reply, ctx.reply[start:end]
        out = []
        for q in self.parser.parse(reply, start, end, degrees=True):
            if exempt(q) or _SIZE_OR_MODEL.match(reply, q.end):
                continue
            products = _unique(products_at(ctx, q.start, mentions))
            found = [self.contradicts(p, q, clause) for p in products]
            if products and all(found):
                key, value = found[0] or ("", "")
                out.append(SpecHit(products[0], key, value, q.start, q.end, q.label))
        if _QUESTION.search(clause) or text_scan.is_conditional(reply, start, end):
            return out
        out += self._age_floor_hits(ctx, mentions, start, end)
        products = _unique(products_at(ctx, start, mentions))
        terms = [self.term_hits(p, reply, start, end) for p in products]
        if products and all(terms):
            out += [hit for hit in terms[0] if not text_scan.is_negated(reply, hit.start, window=6)]
        return out

    # -- numbers -------------------------------------------------------------------------------
    def keys_named(self, product: ProductFacts, clause: str) -> list[str]:
        """The product's spec keys the clause speaks of: the key itself or a mapped reply word."""
        named = [k for k in product.specs if len(k) >= 2 and k in clause]
        # "尘盒有600ml" names 尘盒容量: a key's leading part before a generic head word
        named += [k for k in product.specs if (m := _PART_KEY.fullmatch(k)) and m.group(1) in clause]
        for words, keys in self.key_words:
            if words.search(clause):
                # "仅支持 2.4 GHz Wi-Fi" under 兼容: a mapped fragment may sit in the value
                named += [k for k, v in product.specs.items() if any(frag in k or frag in v for frag in keys)]
        return list(dict.fromkeys(named))

    def contradicts(self, product: ProductFacts, q: Quantity, clause: str) -> tuple[str, str] | None:
        """(key, value) of the line the quantity contradicts; None when it agrees or nothing is known."""
        lines = [(k, self._values(k, v, q.dim)) for k, v in product.specs.items()]
        lines = [(k, qs) for k, qs in lines if qs]
        named = set(self.keys_named(product, clause))
        picked = [(k, qs) for k, qs in lines if k in named]
        if not picked and q.dim in self.keyless_dims and len(lines) == 1:
            picked = lines
        if not picked:
            return None
        allowed = [s for _, qs in picked for s in qs]
        if q.lo < q.hi:
            if any(_inside(q, s) for s in allowed):
                return None
        elif matches(q, allowed, 0.05):
            return None
        key = picked[0][0]
        return key, product.specs[key]

    def _values(self, key: str, value: str, dim: str) -> list[Quantity]:
        """The quantities of one dimension in a spec line, parsed once per line text."""
        return self._parsed.get((key, value, dim), lambda: self._parse_values(key, value, dim))

    def _parse_values(self, key: str, value: str, dim: str) -> list[Quantity]:
        found = []
        for segment in segments(key, value):
            found += [
                q
                for q in self.parser.parse(segment, degrees=True)
                if q.dim == dim and not self.threshold_after.match(segment, q.end)
            ]
        return found

    def _age_floor_hits(self, ctx: GuardContext, mentions: list[Mention], start: int, end: int) -> list[SpecHit]:
        """ "1岁以上就能用" against "适用年龄: 3 岁以上": a lower age bound below the documented one."""
        reply, out = ctx.reply, []
        for q in self.parser.parse(reply, start, end):
            if not (_AGE_UNIT.search(q.label) and _FLOOR_AFTER.match(reply, q.end)):
                continue
            if text_scan.is_negated(reply, q.start, window=6) or text_scan.is_quoted(reply, q.start):
                continue
            products = _unique(products_at(ctx, q.start, mentions))
            floors = [self._age_floors(p) for p in products]
            if products and all(f and q.lo < min(v for _, v in f) * 0.95 for f in floors):
                key = floors[0][0][0]
                out.append(SpecHit(products[0], key, products[0].specs[key], q.start, q.end, q.label))
        return out

    def _age_floors(self, product: ProductFacts) -> list[tuple[str, float]]:
        """(key, lowest age) of the product's age lines stated as a lower bound ("3 岁以上")."""
        floors = []
        for key, value in product.specs.items():
            if not any(frag in key for frag in self.age_keys):
                continue
            for segment in segments(key, value):
                for q in self.parser.parse(segment):
                    if _AGE_UNIT.search(q.label) and _FLOOR_AFTER.match(segment, q.end):
                        floors.append((key, q.lo))
        return floors

    # -- exclusive terms (materials, battery types) -----------------------------------------------
    def term_hits(self, product: ProductFacts, text: str, start: int, end: int) -> list[SpecHit]:
        """Materials or battery types the clause claims for the product that its spec line excludes."""
        out: list[SpecHit] = []
        for concept, surface_re in self.surface_re.items():
            out += self._concept_hits(product, concept, surface_re, text, start, end)
        return out

    def _concept_hits(
        self, product: ProductFacts, concept: str, surface_re: re.Pattern[str], text: str, start: int, end: int
    ) -> list[SpecHit]:
        out = []
        clause = text[start:end]
        for match in surface_re.finditer(text, start, end):
            family = self._family(match.group(), concept)
            if family is None or not self._claimed(text, match.start(), match.end(), start, end):
                continue
            keys = self.concept_keys[family.concept]
            lines = [(k, v) for k, v in product.specs.items() if any(w in k for w in keys)]
            named: set[str] = set()
            for key, value in lines:
                parts = segments(key, value)
                narrowed = [p for p in parts if any(w in clause for w in _part_words(p, surface_re))]
                named |= {f.name for p in (narrowed or parts) for f in self._families_in(p, family.concept)}
            if named and family.name not in named:
                key, value = lines[0]
                out.append(SpecHit(product, key, value, match.start(), match.end(), match.group()))
        return out

    def _claimed(self, text: str, s: int, e: int, start: int, end: int) -> bool:
        before = text[max(start, s - 8) : s]
        if re.search(r"(比|和|跟|与|不是|并非|而不是|不像)\s*$", before):
            return False
        return bool(self.term_cue_before.search(before) or self.term_cue_after.match(text, e, end))

    def _family(self, surface: str, concept: str) -> _Family | None:
        best = None
        for family in (f for f in self.families if f.concept == concept):
            for s in family.surfaces:
                if s.lower() == surface.lower() and (best is None or len(s) > len(best[1])):
                    best = (family, s)
        return best[0] if best else None

    def _families_in(self, text: str, concept: str) -> list[_Family]:
        found = []
        for match in self.surface_re[concept].finditer(text):
            family = self._family(match.group(), concept)
            if family is not None and family.concept == concept:
                found.append(family)
        return found


def _unique(products: list[ProductFacts]) -> list[ProductFacts]:
    return list({p.doc_id: p for p in products}.values())


def _inside(claimed: Quantity, spec: Quantity) -> bool:
    slack = max(abs(spec.lo), abs(spec.hi)) * 0.05
    return spec.lo - slack <= claimed.lo and claimed.hi <= spec.hi + slack


def _part_words(segment: str, surfaces: re.Pattern[str]) -> list[str]:
    """Part names of a spec segment ("杖身" in "材质: 杖身 碳纤维"), without the key and the terms."""
    body = surfaces.sub(" ", segment.split(":", 1)[-1])
    return [w for w in re.findall(r"[\u4e00-\u9fff]{2,}", body) if len(w) <= 4]


def _pairs(table: dict[str, list[str]]) -> list[tuple[list[str], list[str]]]:
    """`key_words` maps "键|键" to reply words."""
    return [(keys.split("|"), words) for keys, words in table.items()]


def _alternation(words: list[str]) -> re.Pattern[str]:
    parts = [
        rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])" if w.isascii() else re.escape(w)
        for w in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(parts), re.IGNORECASE)
