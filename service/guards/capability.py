"""ungrounded_fact, capabilities: what a reply says a product copes with, against its spec rows.

A capability claim is a situation named in a clause ("游泳", "零下10度", "给笔记本快充", "常温放",
"电磁炉") that the clause affirms ("可以", "没问题", "随便", rhetorical "还怕...吗"). It is checked against
the product's typed rows (`spec_rows`): a situation above the product's level on a scale of
`data/capabilities.yaml`, or a use its documents rule out, contradicts them; a scaled situation for a
product whose documents give no level on that scale is `unsupported` (severity info).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from service.guards import text_scan
from service.guards.base import Category, Severity, Violation
from service.guards.fact_values import QuantityParser
from service.guards.spec_rows import CapabilityReader, ProductCapabilities
from service.knowledge.product_facts import ProductFacts

_QUESTION = re.compile(r"[?？]|吗|是否")
_RATING = re.compile(r"IP[0-9X]\d|\d+\s*ATM", re.IGNORECASE)
_DENY_REACH = 6  # characters between a negation and the situation it denies ("不能戴着游泳")


@dataclass(frozen=True)
class CapabilityHit:
    """A capability claim at [start, end) of the reply and what is wrong with it."""

    start: int
    end: int
    rule: str
    severity: Severity
    message: str  # a key of the guard's messages
    values: dict[str, str]


def _words(words: list[str]) -> re.Pattern[str]:
    """One pattern for a word list of the data file (entries are regex fragments: "游(?:个|了)?泳")."""
    parts = [rf"\b{w}\b" if w.isascii() else w for w in sorted(words, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class CapabilityVerdict:
    """Whether a product copes with the situation a question names, and the spec keys that say so."""

    polarity: Literal["yes", "no"]
    situation: str
    keys: tuple[str, ...]


class CapabilityChecks:
    """Scaled situations (water, power, cold, storage) and uses ruled out by the product's documents."""

    def __init__(self, data: dict[str, Any], parser: QuantityParser, messages: dict[str, str]) -> None:
        scales = data["scales"]
        self.reader = CapabilityReader(data, parser)
        self.parser = parser
        self.messages = messages
        self.water = [(_words(words), float(level)) for level, words in scales["water"]["situations"].items()]
        self.power = [(_words(s["words"]), float(s["charge"]), float(s["fast"])) for s in scales["power"]["situations"]]
        self.fast = re.compile(r"快充|闪充|fast[- ]?charg", re.IGNORECASE)
        self.cold_usage = _words(scales["cold"]["usage"])
        self.storage = {word: float(t) for word, t in scales["storage"]["words"].items()}
        self.storage_re = _words(list(self.storage))
        self.accidents = _words(scales["water"].get("accidents", [])) if scales["water"].get("accidents") else None
        self.affirm = re.compile(data["affirm"], re.IGNORECASE)
        self.deny = re.compile(data["deny"], re.IGNORECASE)
        self.rhetorical = re.compile(data["rhetorical"])

    def check(self, reply: str, start: int, end: int, products: list[ProductFacts]) -> list[Violation]:
        """Capability claims of the clause reply[start:end] about the candidate products."""
        if not products or text_scan.is_conditional(reply, start, end) or text_scan.is_quoted(reply, start):
            return []
        caps = [self.reader.of(p) for p in products]
        hits = self._water(reply, start, end, caps) + self._limits(reply, start, end, caps)
        hits += self._power(reply, start, end, caps) + self._cold(reply, start, end, caps)
        hits += self._storage(reply, start, end, caps)
        title = products[0].title
        return [
            Violation(
                category=Category.ungrounded_fact,
                rule=f"ungrounded_fact.{hit.rule}",
                severity=hit.severity,
                message=self.messages[hit.message].format(title=title, **hit.values),
                span=(hit.start, hit.end),
            )
            for hit in hits
        ]

    @classmethod
    def from_guard_data(cls) -> CapabilityChecks:
        """Built from the packaged data files, as the ungrounded_fact guard builds it."""
        facts = text_scan.load_data("ungrounded_fact")
        return cls(text_scan.load_data("capabilities"), QuantityParser(facts["units"], facts.get("digits_only_units")),
                   facts["messages"])

    def verdict(self, question: str, product: ProductFacts) -> CapabilityVerdict | None:
        """The yes or no a product's water level gives a question naming a wet situation ("能戴着游泳吗" on IPX4
        earbuds → no, "下雨天能戴吗" → yes), with the spec keys that carry the level. (Watts are left out: a
        lamp's 功率 is what it draws, not what it can charge.)

        None when the question names no such situation, names an accident that happened rather than a use
        ("掉水里了还能用吗": the documents' advice answers that), or the product's rows give no level.
        """
        if self.accidents is not None and self.accidents.search(question):
            return None
        caps = self.reader.of(product)
        keys = self._keys(product, self.reader.water_keys)
        # only a rating code is a level to answer from; words ("不防水, 面料防泼水") and a tent's mm say less
        if caps.water is not None and any(_RATING.search(product.specs[k]) for k in keys):
            needs = [(need, m.group()) for pattern, need in self.water if (m := pattern.search(question))]
            if needs:
                need, situation = max(needs)
                return CapabilityVerdict("yes" if caps.water >= need else "no", situation, keys)
        return None

    @staticmethod
    def _keys(product: ProductFacts, words: list[str]) -> tuple[str, ...]:
        return tuple(k for k in product.specs if any(word in k.lower() for word in words))

    # -- polarity -------------------------------------------------------------------------------------
    def affirmed(self, reply: str, s: int, e: int, start: int, end: int) -> bool:
        """Whether the clause affirms the situation at [s, e).

        The nearest polarity cue before it must not deny it ("不能戴着洗澡、游泳"), nor may a denial follow
        it before any affirmation ("游泳、潜水时都不能用"); then a rhetorical question ("还怕...吗") or an
        affirmation ("可以", "没问题", "随便") in the clause affirms it, a plain question does not.
        """
        denials = [(m.start(), m.end()) for m in self.deny.finditer(reply, start, end)]
        masked = "".join(
            "\0" if any(a <= i < b for a, b in denials) else ch for i, ch in enumerate(reply[:end])
        )
        affirmations = [m.start() for m in self.affirm.finditer(masked, start, end)]
        before = [(a, "deny") for a, _ in denials if a < s] + [(a, "affirm") for a in affirmations if a < s]
        if before and max(before)[1] == "deny":
            return False
        after = [(a, "deny") for a, _ in denials if a >= e] + [(a, "affirm") for a in affirmations if a >= e]
        if after and min(after)[1] == "deny":
            return False
        clause = reply[start:end]
        if self.rhetorical.search(clause):
            return True
        if _QUESTION.search(clause):
            return False
        return bool(affirmations)

    # -- scales ---------------------------------------------------------------------------------------
    def _water(self, reply: str, start: int, end: int, caps: list[ProductCapabilities]) -> list[CapabilityHit]:
        for pattern, need in self.water:
            match = pattern.search(reply, start, end)
            if not match or not self.affirmed(reply, match.start(), match.end(), start, end):
                continue
            levels = [c.water for c in caps]
            if all(level is None for level in levels):
                values = {"situation": match.group()}
                return [CapabilityHit(match.start(), match.end(), "unsupported", Severity.info,
                                      "capability_unsupported", values)]
            if all(level is not None and level < need for level in levels):
                values = {"situation": match.group(), "spec": "防水等级"}
                return [CapabilityHit(match.start(), match.end(), "capability", Severity.error, "capability_scale",
                                      values)]
        return []

    def _power(self, reply: str, start: int, end: int, caps: list[ProductCapabilities]) -> list[CapabilityHit]:
        fast = bool(self.fast.search(reply, start, end))
        for pattern, charge, quick in self.power:
            match = pattern.search(reply, start, end)
            need = quick if fast else charge
            if not match or not self.affirmed(reply, match.start(), match.end(), start, end):
                continue
            if all(c.watts is not None and c.watts < need for c in caps):
                values = {"situation": match.group(), "need": f"{need:g}"}
                return [CapabilityHit(match.start(), match.end(), "capability", Severity.error, "capability_power",
                                      values)]
        return []

    def _cold(self, reply: str, start: int, end: int, caps: list[ProductCapabilities]) -> list[CapabilityHit]:
        if not self.cold_usage.search(reply, start, end):
            return []
        for q in self.parser.parse(reply, start, end, degrees=True):
            if q.dim != "temperature" or q.lo >= 0 or not self.affirmed(reply, q.start, q.end, start, end):
                continue
            if all(c.cold_min is not None and q.lo < c.cold_min - 0.5 for c in caps):
                rated = min(c.cold_min for c in caps if c.cold_min is not None)
                values = {"claimed": q.label, "rated": f"{rated:g}"}
                return [CapabilityHit(q.start, q.end, "capability", Severity.error, "capability_cold", values)]
        return []

    def _storage(self, reply: str, start: int, end: int, caps: list[ProductCapabilities]) -> list[CapabilityHit]:
        for match in self.storage_re.finditer(reply, start, end):
            temperature = self.storage.get(match.group().lower())
            if temperature is None or not self.affirmed(reply, match.start(), match.end(), start, end):
                continue
            if all(c.storage is not None and not c.storage[0] - 1 <= temperature <= c.storage[1] + 1 for c in caps):
                low, high = next(c.storage for c in caps if c.storage is not None)
                values = {"situation": match.group(), "spec": f"{low:g}-{high:g} ℃"}
                return [CapabilityHit(match.start(), match.end(), "capability", Severity.error,
                                      "capability_storage", values)]
        return []

    # -- uses the documents rule out ----------------------------------------------------------------
    def _limits(self, reply: str, start: int, end: int, caps: list[ProductCapabilities]) -> list[CapabilityHit]:
        lowered = reply[start:end].lower()
        shared = set.intersection(*(c.limits for c in caps)) if caps else set()
        for word in sorted(shared, key=len, reverse=True):
            index = lowered.find(word.lower())
            if index < 0:
                continue
            s, e = start + index, start + index + len(word)
            if self.affirmed(reply, s, e, start, end):
                return [CapabilityHit(s, e, "capability", Severity.error, "capability_limit", {"situation": word})]
        return []
