"""Data-driven phrase rules: regex patterns from a guard's YAML file, with the shared exemptions.

A rule file looks like:

```yaml
macros: {BUYER: "(?:您|你|亲)"}
rules:
  - id: blame.insult
    patterns: ["你懂不懂", "{BUYER}自己没看清楚?"]
    message: 指责买家...
    severity: error
    unless: [negated, quoted, conditional]   # default: negated, quoted; also negated_inside, documented
    allow: ["第一时间"]                       # innocent phrases overlapping a match
    unless_sentence: ["冒充|骗子"]            # the rule does not apply in such a sentence
    needs_context: ["质量|坏了"]              # applies only if the conversation or reply says so
    fix: ["保证|一定", "预计"]                # suggestion = the matched text with this re.sub
```

A pattern may name a group `span` to report only that part of the match.

Exemptions beyond the shared ones: `negated_inside` — a pattern that links two things ("评价…返现")
with a negation between them states that the link does not exist ("评价不附带任何返现");
`documented` — the match with the words right beside it is the shop's own wording in one of its
documents ("最佳赏味期", "风味最好" in a coffee's storage note), not an advertising claim of the reply;
`shop_states` — one of the shop's documents makes the same statement (the rule's patterns match one of
its sentences, and that sentence holds every number of the reply's sentence): "付款后7天内降价可以申请退差价"
is the shop's price protection, not a promise beyond it. A calendar date ("您是11月28日付款的") and a figure
the buyer gave ("降价20了" said back as "帮您申请补20元") are this case's facts, not terms of the promise;
`shop_states_item` — a line of the shop's documents that the rule's patterns match names an ordered item (its
SKU, a model code of its title, its category, or a tag no other product has) and holds every number of the
reply's sentence: "绿植、蝴蝶兰、种球:核实后…补发同款…或退款;活体不需要寄回" is the plant shop's rule for a
damaged 蝴蝶兰, so "补发一盆或者直接退款,花不用寄回来" promises nothing beyond it. A pattern that itself asks
for a negation ("不需要寄回") is matched by the document's affirmative statement of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.shop_cache import ShopCache
from service.knowledge.base import ShopKnowledge

Exemption = Literal[
    "negated", "hedged", "quoted", "conditional", "negated_inside", "documented", "shop_states", "shop_states_item"
]
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")
# a Chinese numeral as a quantity or a date ("一个月", "十五天", "双十二"), not in a word ("同一商品")
_CN_NUMBER = re.compile(
    r"(?<=双)[一二十]+|[零〇一二两三四五六七八九十百千万]+(?=\s*(?:个|天|日|周|月|年|小时|号|次|倍))"
)
_DOC_SENTENCES = re.compile(r"[^。;；\n]+")
# a calendar date: the case's own day, never a term of a rule
_DATE = re.compile(r"\d{4}\s*[年/-]\s*\d{1,2}\s*[月/-]\s*\d{1,2}\s*[日号]?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_MACRO_RE = re.compile(r"\{([A-Z][A-Z_0-9]*)\}")
_MODEL_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,3}\d{1,4}(?![A-Za-z0-9])")


_DIGIT_RUN = re.compile(r"(?<!\\)\\d\+")


def from_run_start(pattern: str) -> str:
    """Let every `\\d+` start only where a run of digits starts.

    The same matches (a number is read whole either way), but a pattern no longer retries from every
    digit inside a long run: a reply of 2,000 digits took seconds per pattern before.
    """
    return _DIGIT_RUN.sub(lambda _: r"(?<!\d)\d+", pattern)


def expand_macros(pattern: str, macros: dict[str, str]) -> str:
    """Replace `{NAME}` with the macro's regex (non-capturing); regex quantifiers like {0,6} stay."""
    pattern = from_run_start(pattern)

    def repl(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "NUM":
            return text_scan.NUM
        if name not in macros:
            raise KeyError(f"unknown macro {{{name}}} in pattern {pattern!r}")
        return f"(?:{expand_macros(macros[name], macros)})"

    return _MACRO_RE.sub(repl, pattern)


def compile_patterns(patterns: list[str], macros: dict[str, str]) -> re.Pattern[str]:
    """One alternation of the expanded patterns, case-insensitive."""
    return re.compile("|".join(f"(?:{expand_macros(p, macros)})" for p in patterns), re.IGNORECASE)


def _default_exemptions() -> list[Exemption]:
    return ["negated", "quoted"]


class PhraseRule(BaseModel):
    """One risky-phrase rule as written in a data file."""

    model_config = ConfigDict(extra="forbid")

    id: str
    patterns: list[str] = Field(min_length=1)
    message: str
    severity: Severity = Severity.error
    suggestion: str | None = None
    fix: tuple[str, str] | None = None
    unless: list[Exemption] = Field(default_factory=_default_exemptions)
    allow: list[str] = Field(default_factory=list)
    unless_sentence: list[str] = Field(default_factory=list)
    needs_context: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Compiled:
    rule: PhraseRule
    patterns: list[re.Pattern[str]]
    allow: re.Pattern[str] | None
    unless_sentence: re.Pattern[str] | None
    needs_context: re.Pattern[str] | None
    fix: tuple[re.Pattern[str], str] | None


@dataclass(frozen=True)
class PhraseHit:
    """A rule that matched, where, and the corrected wording if the rule has one."""

    rule: PhraseRule
    start: int
    end: int
    suggestion: str | None

    def violation(self, category: Category) -> Violation:
        """This hit as a violation of `category`."""
        return Violation(
            category=category,
            rule=self.rule.id,
            severity=self.rule.severity,
            message=self.rule.message,
            span=(self.start, self.end),
            suggestion=self.suggestion,
        )


@dataclass
class ShopWording:
    """A shop's documents as the phrase exemptions read them (built once per shop version)."""

    han: str = ""  # the Chinese characters of each document, one per line
    sentences: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    stated: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule id → its documents' sentences
    stated_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule id → its documents' lines
    item_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # SKU → the names of that product

    def stating(self, rule_id: str, patterns: list[re.Pattern[str]]) -> tuple[str, ...]:
        """The documents' sentences one of the rule's patterns matches (memoised per rule)."""
        found = self.stated.get(rule_id)
        if found is None:
            found = self.stated[rule_id] = tuple(s for s in self.sentences if _affirms(s, patterns))
        return found

    def stating_lines(self, rule_id: str, patterns: list[re.Pattern[str]]) -> tuple[str, ...]:
        """The documents' lines one of the rule's patterns matches (memoised per rule)."""
        found = self.stated_lines.get(rule_id)
        if found is None:
            found = self.stated_lines[rule_id] = tuple(s for s in self.lines if _affirms(s, patterns))
        return found


def _affirms(sentence: str, patterns: list[re.Pattern[str]]) -> bool:
    """One of the patterns matches the sentence, not negated ("本店不提供价保,降价不补差价" states no promise);
    a negation inside the match counts only where the pattern does not ask for it ("不需要寄回")."""
    return any(
        not text_scan.is_negated(sentence, m.start(), m.end()) and not _extra_negation(p, m.group())
        for p in patterns
        for m in p.finditer(sentence)
    )


def _extra_negation(pattern: re.Pattern[str], matched: str) -> bool:
    """The match holds a negation cue that the pattern does not need (it still matches with the cue blanked)."""
    cues = list(text_scan.cues().negation.finditer(matched))
    if not cues:
        return False
    blanked = list(matched)
    for m in cues:
        blanked[m.start() : m.end()] = "、" * (m.end() - m.start())
    return pattern.search("".join(blanked)) is not None


def exempt(text: str, start: int, end: int, exemptions: list[Exemption], documents: str = "") -> bool:
    """Whether a match at [start, end) is negated/hedged/quoted/conditional (or negated inside, or the
    shop's own documented wording), as asked."""
    checks: dict[str, Callable[[], bool]] = {
        "negated": lambda: text_scan.is_negated(text, start, end),
        "hedged": lambda: text_scan.is_hedged(text, start, end),
        "quoted": lambda: text_scan.is_quoted(text, start),
        "conditional": lambda: text_scan.is_conditional(text, start, end),
        "negated_inside": lambda: False,  # needs the pattern: PhraseSet.scan
        "shop_states": lambda: False,  # needs the rule's patterns: PhraseSet.scan
        "shop_states_item": lambda: False,  # needs the rule's patterns and the order: PhraseSet.scan
        "documented": lambda: documented(text, start, end, documents),
    }
    return any(checks[name]() for name in exemptions)


def negated_inside(pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """A negation cue between the two ends of a linking match ("评价不附带任何返现") that the pattern does
    not itself ask for: with the cue blanked out the pattern still matches there ("补偿…不给差评" needs its 不)."""
    c = text_scan.cues()
    inner = c.false_negation.sub(lambda m: " " * len(m.group()), text[start:end])
    cues = [m for m in c.negation.finditer(inner) if m.start() > 0 and m.end() < len(inner)]
    # the negation must reach the match's far end in its own clause ("改个好评对您也没损失,还能拿15块补偿" does not)
    if not cues or not text_scan.is_negated(text, max(start, end - 2)):
        return False
    blanked = list(text)
    for m in cues:
        blanked[start + m.start() : start + m.end()] = "、" * (m.end() - m.start())
    return pattern.search("".join(blanked), start, end) is not None


def shop_states(stated: tuple[str, ...], text: str, start: int, said: frozenset[float] = frozenset()) -> bool:
    """A document sentence the rule matches holds every number of the reply's sentence, and the reply's
    sentence states at least one (its terms: "付款后7天内"; "以后降价都补" is broader than any rule).
    Calendar dates and the figures the buyer gave (`said`) are the case's facts, not the promise's terms."""
    if not stated:
        return False
    sentence_start, sentence_end = text_scan.sentence_bounds(text, start)
    numbers = _numbers(_DATE.sub(" ", text[sentence_start:sentence_end])) - said
    return bool(numbers) and any(numbers <= _numbers(doc) for doc in stated)


def shop_states_item(
    lines: tuple[str, ...], items: tuple[str, ...], text: str, start: int, said: frozenset[float] = frozenset()
) -> bool:
    """A document line the rule matches names an ordered item and holds every number of the reply's sentence
    (calendar dates and the buyer's figures aside)."""
    if not lines or not items:
        return False
    sentence_start, sentence_end = text_scan.sentence_bounds(text, start)
    numbers = _numbers(_DATE.sub(" ", text[sentence_start:sentence_end])) - said
    return any(numbers <= _numbers(line) and any(name in line for name in items) for line in lines)


def _numbers(text: str) -> set[float]:
    """Every number of a text, in digits or in Chinese numerals ("一个月", "双十二")."""
    found = {float(n) for n in _NUMBERS.findall(text)}
    found |= {v for token in _CN_NUMBER.findall(text) if (v := text_scan.parse_cn_number(token)) is not None}
    return found


def documented(text: str, start: int, end: int, documents: str) -> bool:
    """The match with two Chinese characters beside it (either side) is written in the shop's documents."""
    if not documents:
        return False
    core = "".join(_HAN.findall(text[start:end]))
    if not core:
        return False
    before = "".join(_HAN.findall(text[max(0, start - 4) : start]))[-2:]
    after = "".join(_HAN.findall(text[end : end + 4]))[:2]
    return any(len(n) > len(core) + 1 and n in documents for n in (before + core, core + after))


class PhraseSet:
    """A guard's compiled phrase rules."""

    def __init__(self, rules: list[PhraseRule], macros: dict[str, str] | None = None) -> None:
        macros = macros or {}
        self.rules = rules
        self._compiled = [
            _Compiled(
                rule=rule,
                patterns=[re.compile(expand_macros(p, macros), re.IGNORECASE) for p in rule.patterns],
                allow=compile_patterns(rule.allow, macros) if rule.allow else None,
                unless_sentence=compile_patterns(rule.unless_sentence, macros) if rule.unless_sentence else None,
                needs_context=compile_patterns(rule.needs_context, macros) if rule.needs_context else None,
                fix=(re.compile(expand_macros(rule.fix[0], macros)), rule.fix[1]) if rule.fix else None,
            )
            for rule in rules
        ]

    @classmethod
    def from_data(cls, data: dict[str, Any], key: str = "rules") -> PhraseSet:
        """Build from a loaded data file: `macros` and a list of rules under `key`."""
        rules = [PhraseRule.model_validate(item) for item in data.get(key, [])]
        return cls(rules, data.get("macros", {}))

    def scan(
        self,
        text: str,
        context: str = "",
        wording: ShopWording | None = None,
        said: frozenset[float] = frozenset(),
        items: tuple[str, ...] = (),
    ) -> list[PhraseHit]:
        """Every non-exempt match of every rule, one per rule and position.

        Args:
            text: The reply.
            context: The conversation (and anything else) that `needs_context` rules look at.
            wording: The shop's documents (for `documented` and `shop_states`).
            said: The numbers the buyer wrote (for `shop_states`).
            items: The names of the ordered items (for `shop_states_item`).
        """
        wording = wording or ShopWording()
        documents = wording.han
        hits: list[PhraseHit] = []
        for compiled in self._compiled:
            if compiled.needs_context is not None and not compiled.needs_context.search(f"{context}\n{text}"):
                continue
            seen: list[tuple[int, int]] = []
            for pattern in compiled.patterns:
                for match in pattern.finditer(text):
                    start, end = match.span("span") if match.groupdict().get("span") else match.span()
                    overlaps = any(a < end and start < b for a, b in seen)
                    if start == end or overlaps or self._skipped(compiled, text, start, end, documents):
                        continue
                    if "negated_inside" in compiled.rule.unless and negated_inside(pattern, text, *match.span()):
                        continue
                    if "shop_states" in compiled.rule.unless and shop_states(
                        wording.stating(compiled.rule.id, compiled.patterns), text, start, said
                    ):
                        continue
                    if "shop_states_item" in compiled.rule.unless and shop_states_item(
                        wording.stating_lines(compiled.rule.id, compiled.patterns), items, text, start, said
                    ):
                        continue
                    seen.append((start, end))
                    hits.append(PhraseHit(compiled.rule, start, end, self._suggest(compiled, text[start:end])))
        return hits

    @staticmethod
    def _skipped(compiled: _Compiled, text: str, start: int, end: int, documents: str) -> bool:
        if compiled.allow is not None:
            clause_start, clause_end = text_scan.clause_bounds(text, start)
            for allowed in compiled.allow.finditer(text, clause_start, max(clause_end, end)):
                if allowed.start() < end and allowed.end() > start:
                    return True
        if compiled.unless_sentence is not None:
            sentence_start, sentence_end = text_scan.sentence_bounds(text, start)
            if compiled.unless_sentence.search(text, sentence_start, max(sentence_end, end)):
                return True
        return exempt(text, start, end, compiled.rule.unless, documents)

    @staticmethod
    def _suggest(compiled: _Compiled, matched: str) -> str | None:
        if compiled.rule.suggestion is not None:
            return compiled.rule.suggestion
        if compiled.fix is not None:
            fixed = compiled.fix[0].sub(compiled.fix[1], matched, count=1)
            return fixed if fixed != matched else None
        return None


class PhraseGuard:
    """A guard that is only its phrase rules: subclasses name the category and the data file."""

    name: str = ""
    category: Category
    data_name: str = ""

    def __init__(self, data: dict[str, Any] | None = None, data_dir: Path | None = None) -> None:
        data = data if data is not None else text_scan.load_data(self.data_name, data_dir)
        self.phrases = PhraseSet.from_data(data)
        self.wording = ShopCache(shop_wording)

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Every rule hit in the reply, as violations of this guard's category."""
        context = "\n".join(turn.text for turn in ctx.conversation)
        wording = self.wording.get(ctx.shop)
        hits = self.phrases.scan(ctx.reply, context, wording, buyer_numbers(ctx), ordered_names(ctx, wording))
        return [hit.violation(self.category) for hit in hits]


def ordered_names(ctx: GuardContext, wording: ShopWording) -> tuple[str, ...]:
    """The names of the order's items: SKU, model codes of the title, category, tags no other product has."""
    if ctx.order is None:
        return ()
    return tuple(name for item in ctx.order.items for name in wording.item_names.get(item.sku, (item.category,)))


def buyer_numbers(ctx: GuardContext) -> frozenset[float]:
    """Every number the buyer wrote in the conversation (in digits or Chinese numerals)."""
    return frozenset(_numbers("\n".join(t.text for t in ctx.conversation if t.role == "customer")))


def shop_wording(shop: ShopKnowledge) -> ShopWording:
    """The shop's documents as the exemptions read them (built once per version)."""
    return ShopWording(
        han="\n".join("".join(_HAN.findall(doc.body)) for doc in shop.docs.values()),
        sentences=tuple(m.group() for doc in shop.docs.values() for m in _DOC_SENTENCES.finditer(doc.body)),
        lines=tuple(line for doc in shop.docs.values() for line in doc.body.splitlines() if line.strip()),
        item_names=_item_names(shop),
    )


def _item_names(shop: ShopKnowledge) -> dict[str, tuple[str, ...]]:
    """Per SKU: the SKU, the model codes of the title, the category and the tags no other product has."""
    tags = {p.sku: list(shop.docs[p.doc_id].meta.tags) if p.doc_id in shop.docs else [] for p in shop.products.values()}
    count: dict[str, int] = {}
    for names in tags.values():
        for tag in set(names):
            count[tag] = count.get(tag, 0) + 1
    out = {}
    for product in shop.products.values():
        names = [product.sku, *_MODEL_CODE.findall(product.title or ""), product.category or ""]
        names += [t for t in tags.get(product.sku, []) if count.get(t) == 1]
        out[product.sku] = tuple(n for n in names if n and len(n) >= 2)
    return out
