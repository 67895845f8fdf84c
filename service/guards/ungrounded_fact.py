"""ungrounded_fact: stated product facts that contradict the shop's product documents.

The guard finds which product a claim is about (`product_match`), the attribute it states (synonyms
in `data/ungrounded_fact.yaml`), the number+unit, IP rating, feature or box item it states, and
compares it with the product's `## 规格` lines, unit-normalised. Only a clear contradiction is
flagged: a fact the documents do not give is never a violation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.guards import text_scan
from service.guards.aligned_quantities import AlignedQuantities, Claim, agrees, as_quantity
from service.guards.base import Category, GuardContext, Violation
from service.guards.buyer_figures import BuyerFigures, Situation
from service.guards.capability import CapabilityChecks
from service.guards.doc_negations import DocNegations
from service.guards.fact_values import Quantity, QuantityParser, matches, segments
from service.guards.feature_index import build_feature_index
from service.guards.product_features import FeatureReader, ProductFeatures, claim_polarity
from service.guards.product_match import UNNAMED_LIMIT, Mention, context_products, find_mentions, products_at
from service.guards.quantity_context import QuantityContext
from service.guards.shop_cache import ShopCache
from service.guards.spec_compare import SpecComparer
from service.knowledge.product_facts import ProductFacts

_THRESHOLD_BEFORE = re.compile(
    r"至少|最少|不少于|不低于|起码|低于|高于|不超过|小于|大于"
    r"|below|above|under|over|at least|at most|more than|less than"
)


_CANNOT = re.compile(r"[\u4e00-\u9fff]不(了|到|上|进|下|动)")  # "连不了 5G": the verb's object is denied
_UNNAMED_UNIT_LIMIT = 3  # a number said of no product is checked when at most this many have its unit
_COUNT_DIMS = {"devices", "pieces", "seasons"}
_COMPARED = re.compile(r"相比|比起|一样|相同|相当|差不多|类似|不同|区别|比")
_QUESTION = re.compile(r"是否|有没有|是不是|吗|[?？]")
_LEAD_AFTER = re.compile(
    r"\s*(内|以内|之内|左右)?(就|即|才|可以|能|会|给您)*(发货|发出|寄出|出库|做好|做完|发走|ship|dispatch)"
)
_LEAD_BEFORE = re.compile(r"(发货时间|定制周期|周期|工期|交期|制作时间|发货)(是|为|要|需要|大概|约|一般)?\s*$")


@dataclass(frozen=True)
class Attribute:
    """An attribute of a product claim: its words in a reply, its spec keys, the dimensions compared."""

    name: str
    words: re.Pattern[str]
    keys: tuple[str, ...]
    dims: tuple[str, ...]


class UngroundedFactGuard:
    """Flags product facts (weights, ratings, runtimes, box contents...) that contradict the docs."""

    name = "ungrounded_fact"

    def __init__(self, data: dict[str, Any] | None = None, data_dir: Path | None = None) -> None:
        data = data if data is not None else text_scan.load_data("ungrounded_fact", data_dir)
        self.parser = QuantityParser(data["units"], data.get("digits_only_units"))
        self.specs = SpecComparer(data, self.parser)
        self.unit_only = set(data["unit_only_dimensions"])
        self.attributes = [
            Attribute(name, _words(spec["words"]), tuple(spec["keys"]), tuple(spec["dimensions"]))
            for name, spec in data["attributes"].items()
        ]
        self.qualifiers = {name: _words(words) for name, words in data["qualifier_synonyms"].items()}
        self.threshold_after = re.compile(data["threshold_after"])
        self.not_product = re.compile(data["not_product"], re.IGNORECASE)
        self.same_day = re.compile(data["same_day"])
        self.unbounded = re.compile(data["unbounded"], re.IGNORECASE)
        self.features = FeatureReader(data)
        self.usage = QuantityContext(data)
        self.included = re.compile(data["included_claim"])
        self.not_included = re.compile(data["not_included_claim"])
        self.positive = re.compile(f"{data['positive_claim']}|{data['included_claim']}")
        self.negative = re.compile(f"{data['negative_claim']}|{data['not_included_claim']}")
        self.size_claim = re.compile(data["size_claim"])
        self.messages: dict[str, str] = data["messages"]
        key_words = [word for a in self.attributes for word in a.keys]
        self.capabilities = CapabilityChecks(text_scan.load_data("capabilities", data_dir), self.parser, self.messages)
        self.negations = DocNegations(data)
        self.aligned = AlignedQuantities(data, self.parser)
        self.buyer = BuyerFigures(self.parser, re.compile(data["buyer_question"]))
        self.unit_index = ShopCache(lambda shop: self.aligned.by_unit(shop.products.values()))
        self.index = ShopCache(lambda shop: build_feature_index(shop, self.features, key_words))

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Numbers, ratings, features and box contents that contradict the product documents."""
        mentions = find_mentions(ctx.reply, ctx.shop)
        out: list[Violation] = []
        for sentence in _spans(ctx.reply, text_scan.sentence_bounds):
            carried: list[Attribute] = []
            for clause in text_scan.split_clauses(ctx.reply[sentence[0] : sentence[1]]):
                start, end = clause[0] + sentence[0], clause[1] + sentence[0]
                text = ctx.reply[start:end]
                own = [a for a in self.attributes if a.words.search(text)]
                # "配合充电盒一共30小时", "底布5000mm" inherit the attribute of the clause before;
                # a clause without a qualifier ("让您多等了一天") does not, and counts never do
                qualified = any(words.search(text) for words in self.qualifiers.values())
                attrs = own or ([a for a in carried if not set(a.dims) & _COUNT_DIMS] if qualified else [])
                carried = own or carried
                if self.not_product.search(text) or text_scan.is_quoted(ctx.reply, start):
                    continue
                out.extend(self._numbers(ctx, mentions, start, end, attrs))
                out.extend(self._features(ctx, mentions, start, end))
                out.extend(self._negated(ctx, mentions, start, end))
                out.extend(self._aligned(ctx, mentions, start, end))
                out.extend(self.capabilities.check(ctx.reply, start, end, products_at(ctx, start, mentions)))
                out.extend(self._generic(ctx, mentions, start, end))
        out.extend(self._size_chart(ctx, mentions))
        return _one_per_span(out)

    # -- any spec line (spec_compare) ---------------------------------------------------------------
    def _generic(self, ctx: GuardContext, mentions: list[Mention], start: int, end: int) -> list[Violation]:
        """Numbers and exclusive terms compared with every spec line of the product(s) talked about."""
        situation = self.buyer.of(ctx)
        hits = self.specs.clause_hits(
            ctx, mentions, start, end,
            lambda q: self._said_back(ctx, mentions, situation, q) or self._exempt(ctx.reply, q, end),
        )
        return [
            self._v(
                ctx,
                "number",
                "number",
                (hit.start, hit.end),
                title=hit.product.title,
                attribute=hit.key,
                spec=f"{hit.key}: {hit.value}",
                claimed=hit.claimed,
            )
            for hit in hits
        ]

    # -- numbers ----------------------------------------------------------------------------------
    def _numbers(
        self, ctx: GuardContext, mentions: list[Mention], start: int, end: int, attrs: list[Attribute]
    ) -> list[Violation]:
        reply = ctx.reply
        degrees = any(a.name == "temperature" for a in attrs)
        out = []
        quantities = self.parser.parse(reply, start, end, degrees=degrees)
        if any(a.name == "warranty" for a in attrs):
            quantities += [
                Quantity("duration", 1e9, 1e9, m.start(), m.end(), m.group())
                for m in self.unbounded.finditer(reply, start, end)
            ]
        situation = self.buyer.of(ctx)
        for q in quantities:
            if self._said_back(ctx, mentions, situation, q) or self._exempt(reply, q, end):
                continue
            q_attrs = [a for a in attrs if q.dim in a.dims and self._near(a, reply, q, start, end)]
            if not q_attrs and q.dim not in self.unit_only and q.dim != "ip":
                continue
            fallback = q_attrs and not any(a.name == "lead_time" for a in q_attrs)
            products = products_at(ctx, q.start, mentions) or (
                self._having(ctx, q_attrs, q.dim, reply[start:end]) if fallback else []
            )
            if products:
                # the value must also contradict what the order and the buyer are about
                products = _unique_products(products + context_products(ctx))
            tolerance = 0.12 if text_scan.is_hedged(reply, q.start, q.end) else 0.05
            specs = [self._allowed(p, q_attrs or None, q.dim, reply[start:end]) for p in products]
            if products and all(
                s
                and not matches(q, s, tolerance)
                and not self._stated_in_body(p, q, q_attrs, reply[start:end])
                and not self._sole_value_beside(reply, q, s, tolerance)
                for p, s in zip(products, specs, strict=True)
            ):
                out.append(self._violation(ctx, products[0], q, specs[0], q_attrs))
        if any(a.name == "lead_time" for a in attrs):
            same_day = self.same_day.search(reply, start, end)
            products = products_at(ctx, start, mentions) if same_day else []
            lead = [a for a in attrs if a.name == "lead_time"]
            # "48 小时内" allows same-day shipping; "3-5 天" or "定制周期 7 天" does not
            minimum = [
                min((0.0 if s.within else s.lo for s in self._allowed(p, lead, "duration", "")), default=0.0)
                for p in products
            ]
            if same_day and products and all(m > 24 for m in minimum):
                out.append(
                    self._v(
                        ctx,
                        "lead_time",
                        "lead_time",
                        (same_day.start(), same_day.end()),
                        title=products[0].title,
                        spec=self._spec_text(products[0], ("发货", "定制")),
                        claimed=same_day.group(),
                    )
                )
        return out

    @staticmethod
    def _near(attribute: Attribute, reply: str, q: Quantity, start: int, end: int) -> bool:
        """The attribute word is within ten characters of the quantity (or the clause has none: carried).

        A lead time must be what ships or gets made ("3天内发货", "定制周期7天"), not "24小时内回复发货进度".
        """
        if attribute.name == "lead_time":
            return bool(
                _LEAD_AFTER.match(reply, q.end) or _LEAD_BEFORE.search(reply[max(start, q.start - 8) : q.start])
            )
        # English words are longer: the same reach in words is about three times the characters
        reach = 30 if re.search(r"[A-Za-z]", reply[max(start, q.start - 12) : q.start]) else 10
        window = reply[max(start, q.start - reach) : min(end, q.end + reach)]
        return bool(attribute.words.search(window)) or not attribute.words.search(reply, start, end)

    def _having(self, ctx: GuardContext, attrs: list[Attribute], dim: str, clause: str) -> list[ProductFacts]:
        """No product named: every product with that attribute is a candidate (all must contradict).
        More than UNNAMED_LIMIT candidates: the claim is about no product the guard can tell."""
        having = self.index.get(ctx.shop).having(word for a in attrs for word in a.keys)
        if len(having) > UNNAMED_LIMIT:
            return []
        return [p for p in having if self._allowed(p, attrs, dim, clause)]

    def _said_back(self, ctx: GuardContext, mentions: list[Mention], situation: Situation, q: Quantity) -> bool:
        """The buyer's own figure said back ("您先生185 cm、100 kg坐没问题"), not tied in its clause to an
        attribute or a spec key of the product ("越障高度3cm" for a buyer's 3 cm threshold is a claim)."""
        if q.dim in self.aligned.sole_dims or not situation.said_back(q):
            return False  # a dimension only one attribute has ("5G") names that attribute by itself
        clause_start, clause_end = text_scan.clause_bounds(ctx.reply, q.start)
        clause = ctx.reply[clause_start : q.start] + " " + ctx.reply[q.end : clause_end]
        if any(q.dim in a.dims and a.words.search(clause) for a in self.attributes):
            return False
        if any(words.search(clause) for words in self.qualifiers.values()):
            return False
        return not any(
            len(k) >= 2 and k in clause and any(v.dim == q.dim for v in self.parser.parse(value, degrees=True))
            for p in products_at(ctx, q.start, mentions)
            for k, value in p.specs.items()
        )

    def _exempt(self, reply: str, q: Quantity, clause_end: int) -> bool:
        clause_start = text_scan.clause_bounds(reply, q.start)[0]
        if _CANNOT.search(reply, clause_start, q.start):
            return True  # "装不了一升": the verb's object is denied
        if self.threshold_after.match(reply, q.end) or _THRESHOLD_BEFORE.search(reply[max(0, q.start - 10) : q.start]):
            return True
        if re.search(r"(比|相比|than)\s*$", reply[max(0, q.start - 3) : q.start]):
            return True  # "比 10000 mAh 的重一倍": the value of what it is compared with
        if re.search(r"(和|跟|与)\s*$", reply[max(0, q.start - 3) : q.start]) and _COMPARED.search(
            reply, q.end, clause_end
        ):
            return True  # "和 10000 mAh 的差不多重"; "2.4G和5G都支持" is a list, not a comparison
        return (
            self.usage.exempts(reply, q)
            or text_scan.is_negated(reply, q.start, window=6)
            or text_scan.is_conditional(reply, q.start, q.end)
            or text_scan.is_quoted(reply, q.start)
        )

    def _sole_value_beside(self, reply: str, q: Quantity, allowed: list[Quantity], tolerance: float) -> bool:
        """The document gives one value of this dimension and the same sentence states it: the other value
        is of a part or a mode the document does not describe ("一支 220 g、一对 440 g", "高亮档 300 流明…
        低亮档 50 流明"), unsupported rather than contradicted."""
        if len({(a.lo, a.hi) for a in allowed}) != 1:
            return False
        sentence_start, sentence_end = text_scan.sentence_bounds(reply, q.start)
        return any(
            other.start != q.start
            and other.dim == q.dim
            and matches(other, allowed, tolerance)
            and not text_scan.coordinated(reply, (other.start, other.end), (q.start, q.end))
            for other in self.parser.parse(reply, sentence_start, sentence_end, degrees=True)
        )

    def _sole_aligned_beside(self, reply: str, product: ProductFacts, claim: Claim) -> bool:
        """As `_sole_value_beside`, for a unit the aligned values know: the product has one value in the
        claim's unit and another quantity of the same sentence states it."""
        if len({(v.lo, v.hi) for v in self.aligned.values(product) if v.unit == claim.unit}) != 1:
            return False
        sentence_start, sentence_end = text_scan.sentence_bounds(reply, claim.start)
        return any(
            other.start != claim.start
            and other.unit == claim.unit
            and not text_scan.coordinated(reply, (other.start, other.end), (claim.start, claim.end))
            and any(v.unit == claim.unit and agrees(other, v) for v in self.aligned.values(product))
            for other in self.aligned.claims(reply, sentence_start, sentence_end)
        )

    def _stated_in_body(self, product: ProductFacts, q: Quantity, attrs: list[Attribute], clause: str) -> bool:
        """The document states this very value for the same attribute somewhere (a FAQ answer, a selling
        point), and the clause names no qualifier that would pick a particular spec line."""
        if any(words.search(clause) for words in self.qualifiers.values()):
            return False
        about = attrs or [a for a in self.attributes if q.dim in a.dims]
        for sentence in re.split(r"[。;；\n]", product.body):
            if any(a.words.search(sentence) for a in about):
                stated = [
                    s
                    for s in self.parser.parse(sentence, degrees=True)
                    if s.dim == q.dim and not self.threshold_after.match(sentence, s.end)
                ]
                if matches(q, stated, 0.02):
                    return True
        return False

    def _allowed(self, product: ProductFacts, attrs: list[Attribute] | None, dim: str, clause: str) -> list[Quantity]:
        """The product's values of that dimension for the attribute, narrowed by qualifiers in the clause."""
        entries = [
            (k, v)
            for k, v in product.specs.items()
            if attrs is None or any(word in k for a in attrs for word in a.keys)
        ]
        parts = [
            (
                s,
                [
                    q
                    for q in self.parser.parse(s, degrees=True)
                    if q.dim == dim and not self.threshold_after.match(s, q.end)
                ],
            )
            for k, v in entries
            for s in segments(k, v)
        ]
        parts = [(s, qs) for s, qs in parts if qs]
        hits = {name for name, words in self.qualifiers.items() if words.search(clause)}
        tokens = {t.lower() for t in re.findall(r"[A-Za-z][A-Za-z0-9\-]{2,}", clause)}
        scored = []
        for segment, quantities in parts:
            score = sum(1 for name in hits if self.qualifiers[name].search(segment))
            score += sum(
                1
                for t in re.findall(r"[A-Za-z][A-Za-z0-9\-]{2,}", segment.split(":")[0] + segment)
                if t.lower() in tokens and t.lower() not in {product.sku.lower()}
            )
            scored.append((score, quantities))
        best = max((s for s, _ in scored), default=0)
        return [q for score, qs in scored if score == best for q in qs]

    def _violation(
        self,
        ctx: GuardContext,
        product: ProductFacts,
        q: Quantity,
        allowed: list[Quantity],
        attrs: list[Attribute],
    ) -> Violation:
        words = [k for k in product.specs if any(w in k for a in attrs for w in a.keys)] if attrs else []
        spec = "; ".join(f"{k}: {product.specs[k]}" for k in words[:2]) or ", ".join(a.label for a in allowed[:3])
        key = "ip" if q.dim == "ip" else "number"
        return self._v(
            ctx,
            "number",
            key,
            (q.start, q.end),
            title=product.title,
            attribute=attrs[0].name if attrs else q.dim,
            spec=spec,
            claimed=q.label,
        )

    # -- features and box contents ------------------------------------------------------------------
    def _features(self, ctx: GuardContext, mentions: list[Mention], start: int, end: int) -> list[Violation]:
        named = products_at(ctx, start, mentions)
        index = self.index.get(ctx.shop)
        reply = ctx.reply
        flat = reply[start:end].replace(" ", "")
        offsets = [i for i, ch in enumerate(reply[start:end]) if ch != " "]
        lowered = flat.lower()
        present = index.names_in(lowered)
        features = [index.features[p.doc_id] for p in named]
        if named:
            spoken = set().union(*(f.positive | f.negative | f.box for f in features))
            present = {n for n in present if n in spoken or n in self.features.groups}
        else:
            # with no product named, only the products whose documents speak of the thing are candidates
            present = {n for n in present if 0 < len(index.speakers.get(n, [])) <= UNNAMED_LIMIT}
        out: list[Violation] = []
        for name in sorted(present, key=lambda n: (-len(n), n)):
            for surface in self.features.surfaces(name):
                found = lowered.find(surface.lower())
                if found < 0:
                    continue
                s, e = start + offsets[found], start + offsets[found + len(surface) - 1] + 1
                if any(v.span[0] < e and s < v.span[1] for v in out):
                    break
                if text_scan.is_conditional(reply, s, e) or _QUESTION.search(reply, start, end):
                    break
                polarity = claim_polarity(reply, s, e, start, end, self.positive, self.negative)
                boxed = bool(self.included.search(reply, start, s))
                if polarity is None:
                    break
                if named:
                    wrong = all(_contradicts(f, name, polarity, boxed) for f in features)
                    title = named[0].title
                else:
                    wrong = index.all_speakers_contradict(name, polarity, boxed, _contradicts)
                    title = index.products[index.speakers[name][0]].title
                if wrong:
                    evidence = f"不含/不支持 {name}" if polarity else f"包含/支持 {name}"
                    out.append(self._v(ctx, "feature", "included", (s, e), title=title, evidence=evidence))
                break
        return out

    # -- what the document says the product lacks (doc_negations) --------------------------------------
    def _negated(self, ctx: GuardContext, mentions: list[Mention], start: int, end: int) -> list[Violation]:
        """The clause affirms something that every candidate product's own document negates."""
        skus = self.index.get(ctx.shop).skus
        out = []
        for product in _unique_products(products_at(ctx, start, mentions))[:1]:
            for hit in self.negations.affirmed(ctx.reply, start, end, self.negations.of(product, skus)):
                candidates = _unique_products(products_at(ctx, hit.start, mentions))
                if candidates and all(
                    any(n.thing == hit.negation.thing for n in self.negations.of(p, skus)) for p in candidates
                ):
                    out.append(
                        self._v(
                            ctx,
                            "doc_negation",
                            "doc_negation",
                            (hit.start, hit.end),
                            title=candidates[0].title,
                            thing=hit.negation.thing,
                            evidence=hit.negation.evidence,
                        )
                    )
        return out

    # -- any number, aligned with the spec value it speaks of (aligned_quantities) ----------------------
    def _aligned(self, ctx: GuardContext, mentions: list[Mention], start: int, end: int) -> list[Violation]:
        """Quantities that contradict the spec value of every candidate product their clause speaks of."""
        reply, clause = ctx.reply, ctx.reply[start:end]
        if _QUESTION.search(clause) or text_scan.is_conditional(reply, start, end):
            return []
        out = []
        said = [c for turn in ctx.conversation if turn.role == "customer" for c in self.aligned.claims(turn.text)]
        situation = self.buyer.of(ctx)
        for claim in self.aligned.claims(reply, start, end):
            q = as_quantity(claim)
            if self._said_back(ctx, mentions, situation, q) or self._exempt(reply, q, end):
                continue
            if claim.unit not in self.aligned.sole_dims and any(
                c.unit == claim.unit and (c.lo, c.hi) == (claim.lo, claim.hi) for c in said
            ):
                continue  # "175 cm、70 kg": the buyer's own figures, said back
            products = _unique_products(products_at(ctx, claim.start, mentions))
            if not products:  # no product named or ordered: the few products with a value in that unit
                having = self.unit_index.get(ctx.shop).get(claim.unit, [])
                products = having if len(having) <= _UNNAMED_UNIT_LIMIT else []
            found = [
                None if self._sole_aligned_beside(reply, p, claim) else self.aligned.contradicted(p, claim, clause)
                for p in products
            ]
            if products and all(found) and found[0] is not None:
                out.append(
                    self._v(
                        ctx,
                        "number",
                        "number",
                        (claim.start, claim.end),
                        title=products[0].title,
                        attribute=found[0].text.split(" ")[0],
                        spec=found[0].text,
                        claimed=claim.label,
                    )
                )
        return out

    # -- size charts ----------------------------------------------------------------------------------
    def _size_chart(self, ctx: GuardContext, mentions: list[Mention]) -> list[Violation]:
        out = []
        for match in self.size_claim.finditer(ctx.reply):
            if text_scan.is_conditional(ctx.reply, match.start(), match.end()):
                continue
            height, size = float(match.group("h")), match.group("size").upper()
            index = self.index.get(ctx.shop)
            charted = [index.products[d] for d in index.charted] if len(index.charted) <= UNNAMED_LIMIT else []
            for product in products_at(ctx, match.start(), mentions) or charted:
                line = next(
                    (
                        v
                        for k, v in product.specs.items()
                        if re.search(rf"尺码\s*{size}(?![A-Z])|(?<![A-Z]){size}\s*码", k)
                    ),
                    None,
                )
                ranges = [q for q in self.parser.parse(line or "") if q.dim == "length"]
                if ranges and not any(q.lo / 10 <= height <= q.hi / 10 for q in ranges):
                    out.append(
                        self._v(
                            ctx,
                            "size_chart",
                            "size_chart",
                            match.span("size"),
                            title=product.title,
                            size=size,
                            spec=line,
                        )
                    )
                    break
        return out

    # -- helpers --------------------------------------------------------------------------------------
    def _spec_text(self, product: ProductFacts, keys: tuple[str, ...]) -> str:
        return "; ".join(f"{k}: {v}" for k, v in product.specs.items() if any(w in k for w in keys))

    def _v(self, ctx: GuardContext, rule: str, key: str, span: tuple[int, int], **values: object) -> Violation:
        return Violation(
            category=Category.ungrounded_fact,
            rule=f"ungrounded_fact.{rule}",
            message=self.messages[key].format(**values),
            span=span,
            suggestion=None,
        )


def _contradicts(features: ProductFeatures, name: str, says_has: bool, boxed: bool) -> bool:
    """A claim that the product has (or lacks) `name` against what its document says."""
    if says_has:
        if features.lacks(name) and not features.has(name):
            return True
        return boxed and features.has_box_list and name not in features.box and not features.has(name)
    return name in features.positive and not features.lacks(name)


def _one_per_span(violations: list[Violation]) -> list[Violation]:
    kept: list[Violation] = []
    for v in violations:
        if not any(k.span[0] < v.span[1] and v.span[0] < k.span[1] for k in kept):
            kept.append(v)
    return kept


def _unique_products(products: list[ProductFacts]) -> list[ProductFacts]:
    return list({p.doc_id: p for p in products}.values())


def _words(words: list[str]) -> re.Pattern[str]:
    parts = [rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE)


def _spans(text: str, bounds: Any) -> list[tuple[int, int]]:
    spans, pos = [], 0
    while pos < len(text):
        start, end = bounds(text, pos)
        if end > start:
            spans.append((start, end))
        pos = max(end, pos) + 1
    return spans
