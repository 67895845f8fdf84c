"""Discounts, gifts and upgrades an agent offers, checked against the shop's own documents.

A reply that gives a discount ("给您打个9折"), changes the price ("改个价", "两袋算您200元"), adds a
gift offer the shop never announced ("买一送一") or a free upgrade ("免费升级顺丰") promises what the
shop did not authorise, unless one of the shop's documents states that very offer. The offer shapes
and what a document must say for each are data (`data/false_promise.yaml`, `invented_offers:`).

A documented offer keeps its scope: where the document's line excludes goods from it ("绿植、蝴蝶兰…不参加
会员折扣"), the offer applied to them in the reply's sentence is one the shop never made. An offer whose only
condition is the buyer's own purchase ("今天下单的话我给您打个九折") is still made: every offer waits for the
order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge

_CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class _OfferRule:
    pattern: re.Pattern[str]
    docs: str


class OfferChecks:
    """Flags offers a reply makes that no document of the shop states."""

    def __init__(self, data: dict[str, Any]) -> None:
        spec = data["invented_offers"]
        self.rules = [_OfferRule(re.compile(r["pattern"]), r["docs"]) for r in spec["rules"]]
        self.message: str = spec["message"]
        self.suggestion: str = spec["suggestion"]
        self.excluded_from = re.compile(spec["excluded_from"])
        self.purchase = re.compile(spec["purchase_condition"], re.IGNORECASE)
        self.texts = ShopCache(_shop_text)

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Offers in the reply that the shop's documents do not state."""
        reply, out = ctx.reply, []
        for rule in self.rules:
            for match in rule.pattern.finditer(reply):
                start, end = match.span()
                if text_scan.is_negated(reply, start) or text_scan.is_quoted(reply, start):
                    continue
                conditional = text_scan.is_conditional(reply, start, end) and not self.bought(reply, start)
                if conditional or _asked(reply, end):
                    continue
                documented = re.compile(_doc_pattern(rule.docs, match))
                text = self.texts.get(ctx.shop)
                if documented.search(text) and not self._outside_scope(reply, start, documented, text):
                    continue
                out.append(
                    Violation(
                        category=Category.false_promise,
                        rule="false_promise.invented_offer",
                        severity=Severity.error,
                        message=self.message.format(offer=match.group()),
                        span=(start, end),
                        suggestion=self.suggestion,
                    )
                )
        return out


    def bought(self, reply: str, start: int) -> bool:
        """The offer's only condition is the buyer's purchase."""
        return purchase_only(reply, start, self.purchase)

    def _outside_scope(self, reply: str, start: int, documented: re.Pattern[str], text: str) -> bool:
        """The reply's sentence names goods that every document line stating the offer excludes from it."""
        sentence_start, sentence_end = text_scan.sentence_bounds(reply, start)
        sentence = reply[sentence_start:sentence_end]
        lines = [line for line in text.splitlines() if documented.search(line)]
        return bool(lines) and all(
            any(item in sentence for item in _excluded_items(line, self.excluded_from)) for line in lines
        )


def purchase_only(reply: str, start: int, purchase: re.Pattern[str]) -> bool:
    """Every conditional clause before `start` in its sentence has the buyer's purchase as its condition."""
    sentence_start, _ = text_scan.sentence_bounds(reply, start)
    before = reply[sentence_start:start]
    cue = text_scan.cues().conditional
    found = False
    for clause_start, clause_end in text_scan.split_clauses(before):
        clause = before[clause_start:clause_end]
        if cue.search(clause):
            if not purchase.search(clause):
                return False
            found = True
    return found


def _excluded_items(line: str, excluded_from: re.Pattern[str]) -> list[str]:
    """The goods a document line excludes from its offer ("绿植、蝴蝶兰、鲜切花不参加会员折扣")."""
    items: list[str] = []
    for clause in re.split(r"[,，;；。]", line):
        match = excluded_from.search(clause)
        if match:
            listed = re.sub(r"^\s*[-*]?\s*", "", clause[: match.start()])
            items += [w.strip() for w in re.split(r"[、/和及与]", listed) if len(w.strip()) >= 2]
    return items


def _doc_pattern(template: str, match: re.Match[str]) -> str:
    """The document pattern for this offer, the discount figure filled in ("9" and "九")."""
    pct = match.groupdict().get("pct")
    # "20% off" is 8折: the figure the documents write
    figure = (f"{(100 - int(pct)) / 10:g}" if pct else match.groupdict().get("n")) or ""
    digits = figure if not figure or figure[0].isdigit() else str(_CN.index(figure[0]))
    chinese = "".join(_CN[int(ch)] if ch.isdigit() else ch for ch in digits) if digits else ""
    filled = template.replace("{n}", re.escape(digits or "_")).replace("{cn}", re.escape(chinese or "_"))
    return filled.replace("{pct}", re.escape(pct or "_"))


def _asked(reply: str, end: int) -> bool:
    """The offer is the subject of a question ("能打9折吗?")."""
    return bool(re.match(r"[^,，。!！;；]{0,6}[吗?？]", reply[end:]))


def _shop_text(shop: ShopKnowledge) -> str:
    """Every document's text of one shop version, read once."""
    return "\n".join(doc.body for doc in shop.docs.values())
