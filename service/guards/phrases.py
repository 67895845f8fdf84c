"""Data-driven phrase rules: regex patterns from a guard's YAML file, with the shared exemptions.

A rule file looks like:

```yaml
macros: {BUYER: "(?:您|你|亲)"}
rules:
  - id: blame.insult
    patterns: ["你懂不懂", "{BUYER}自己没看清楚?"]
    message: 指责买家...
    severity: error
    unless: [negated, quoted, conditional]   # default: negated, quoted
    allow: ["第一时间"]                       # innocent phrases overlapping a match
    unless_sentence: ["冒充|骗子"]            # the rule does not apply in such a sentence
    needs_context: ["质量|坏了"]              # applies only if the conversation or reply says so
    fix: ["保证|一定", "预计"]                # suggestion = the matched text with this re.sub
```

A pattern may name a group `span` to report only that part of the match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.guards import text_scan
from service.guards.base import Category, GuardContext, Severity, Violation

Exemption = Literal["negated", "hedged", "quoted", "conditional"]
_MACRO_RE = re.compile(r"\{([A-Z][A-Z_0-9]*)\}")


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


def exempt(text: str, start: int, end: int, exemptions: list[Exemption]) -> bool:
    """Whether a match at [start, end) is negated/hedged/quoted/conditional, as asked."""
    checks = {
        "negated": lambda: text_scan.is_negated(text, start, end),
        "hedged": lambda: text_scan.is_hedged(text, start, end),
        "quoted": lambda: text_scan.is_quoted(text, start),
        "conditional": lambda: text_scan.is_conditional(text, start, end),
    }
    return any(checks[name]() for name in exemptions)


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

    def scan(self, text: str, context: str = "") -> list[PhraseHit]:
        """Every non-exempt match of every rule, one per rule and position.

        Args:
            text: The reply.
            context: The conversation (and anything else) that `needs_context` rules look at.
        """
        hits: list[PhraseHit] = []
        for compiled in self._compiled:
            if compiled.needs_context is not None and not compiled.needs_context.search(f"{context}\n{text}"):
                continue
            seen: list[tuple[int, int]] = []
            for pattern in compiled.patterns:
                for match in pattern.finditer(text):
                    start, end = match.span("span") if match.groupdict().get("span") else match.span()
                    overlaps = any(a < end and start < b for a, b in seen)
                    if start == end or overlaps or self._skipped(compiled, text, start, end):
                        continue
                    seen.append((start, end))
                    hits.append(PhraseHit(compiled.rule, start, end, self._suggest(compiled, text[start:end])))
        return hits

    @staticmethod
    def _skipped(compiled: _Compiled, text: str, start: int, end: int) -> bool:
        if compiled.allow is not None:
            clause_start, clause_end = text_scan.clause_bounds(text, start)
            for allowed in compiled.allow.finditer(text, clause_start, max(clause_end, end)):
                if allowed.start() < end and allowed.end() > start:
                    return True
        if compiled.unless_sentence is not None:
            sentence_start, sentence_end = text_scan.sentence_bounds(text, start)
            if compiled.unless_sentence.search(text, sentence_start, max(sentence_end, end)):
                return True
        return exempt(text, start, end, compiled.rule.unless)

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

    def check(self, ctx: GuardContext) -> list[Violation]:
        """Every rule hit in the reply, as violations of this guard's category."""
        context = "\n".join(turn.text for turn in ctx.conversation)
        return [hit.violation(self.category) for hit in self.phrases.scan(ctx.reply, context)]
