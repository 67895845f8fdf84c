"""Classifying what an agent sent against the drafts: used as-is, edited or ignored; a character-level edit
distance (Chinese characters count one each); and what the edit changed (facts, policy terms, tone).

The term lists are data (service/feedback/data/edit_terms.yaml)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path

import jieba.posseg
import yaml
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz.distance import Levenshtein

from service.feedback.models import Classification, EditClass, Outcome
from service.knowledge.base import ShopKnowledge

_CLAUSE = re.compile(r"(?:[,，。!！?？;；\n、~～:：]|\.(?!\d))+")  # "2.1kg" keeps its point
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


class EditTerms(BaseModel):
    """The term lists of edit_terms.yaml."""

    model_config = ConfigDict(extra="forbid")

    rewrite_below_similarity: float = Field(ge=0, le=1)
    units: list[str]
    policy_terms: list[str]
    particles: list[str]
    stopwords: list[str]
    fact_word_tags: list[str] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path) -> EditTerms:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII) and collapsed whitespace."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _chinese_number(text: str) -> str:
    """'15' stays; '十五' → '15', '七' → '7', '两' → '2' (numbers up to 99)."""
    if text[0].isdigit():
        return text
    if "十" in text:
        tens, _, ones = text.partition("十")
        return str(_CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(ones, 0))
    return "".join(str(_CN_DIGITS[c]) for c in text)


def fact_vocabulary(shop: ShopKnowledge) -> frozenset[str]:
    """Product names, SKUs and textual spec values of a shop, lower-cased: a change in these is a fact edit."""
    terms: set[str] = set()
    for product in shop.products.values():
        terms.update(t for t in (product.sku, product.title) if t)
        terms.update(part for part in product.title.split() if len(part) >= 2 and not part.isdigit())
        terms.update(v for v in product.specs.values() if len(v) >= 2 and not any(c.isdigit() for c in v))
    return frozenset(t.lower() for t in terms)


class EditClassifier:
    """Classifies a sent reply against the drafts it was chosen from."""

    def __init__(self, terms: EditTerms) -> None:
        self.terms = terms
        units = "|".join(re.escape(u) for u in sorted(terms.units, key=len, reverse=True))
        self._number = re.compile(rf"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?|[零一二两三四五六七八九十]+)\s*({units})?")
        self._ignored_words = {w.lower() for w in (*terms.particles, *terms.stopwords)}
        self._fact_tags = set(terms.fact_word_tags)

    def classify(self, drafts: Sequence[str], draft_index: int | None, sent: str,
                 products: Collection[str] = ()) -> Classification:
        """The outcome, distance and edit classes of `sent` against `drafts[draft_index]` (or the closest
        draft when the agent chose none)."""
        text = normalize(sent)
        normalized = [normalize(d) for d in drafts]
        if not normalized:
            return Classification(outcome=Outcome.ignored, compared_index=None, distance=None, similarity=None,
                                  edit_classes=[], added_facts=self.added_facts("", text))
        index = draft_index if draft_index is not None else max(
            range(len(normalized)), key=lambda i: Levenshtein.normalized_similarity(normalized[i], text))
        draft = normalized[index]
        distance = Levenshtein.distance(draft, text)
        similarity = round(Levenshtein.normalized_similarity(draft, text), 4)
        if draft_index is None or similarity < self.terms.rewrite_below_similarity:
            outcome = Outcome.ignored
        else:
            outcome = Outcome.as_is if distance == 0 else Outcome.edited
        classes = [] if distance == 0 else self.edit_classes(draft, text, products)
        return Classification(outcome=outcome, compared_index=index, distance=distance, similarity=similarity,
                              edit_classes=classes, added_facts=self.added_facts(draft, text))

    def edit_classes(self, draft: str, sent: str, products: Collection[str] = ()) -> list[EditClass]:
        """Which kinds of content differ between two texts (tone when neither facts nor policy do)."""
        draft_facts, draft_policy = self._numbers(draft)
        sent_facts, sent_policy = self._numbers(sent)
        classes: list[EditClass] = []
        if draft_facts != sent_facts or self._found(draft, products) != self._found(sent, products):
            classes.append(EditClass.fact)
        if draft_policy != sent_policy or self._found(draft, self.terms.policy_terms) != self._found(
                sent, self.terms.policy_terms):
            classes.append(EditClass.policy)
        return classes or [EditClass.tone]

    def added_facts(self, draft: str, sent: str) -> list[str]:
        """Numbers (with their units) and words of `sent` that `draft` does not contain, in order; words are
        those jieba tags as nouns, names, times or Latin tokens (fact_word_tags), less stopwords."""
        draft_lower = draft.lower()
        draft_numbers = self._numbers(draft)
        known = draft_numbers[0] | draft_numbers[1]
        added: list[str] = []
        covered: list[tuple[int, int]] = []
        for match in self._number.finditer(sent):
            if not self._is_number(match):
                continue
            fact = self._fact(match)
            covered.append(match.span())
            if fact not in known and fact not in added:
                added.append(fact)
        position = 0
        for pair in jieba.posseg.lcut(sent):
            word, tag = pair.word, pair.flag
            start, position = position, position + len(word)
            if any(s <= start < e for s, e in covered) or tag not in self._fact_tags:
                continue
            lower = word.strip().lower()
            if (len(lower) < 2 or not _WORD.search(lower) or lower in self._ignored_words
                    or lower in draft_lower or lower in added):
                continue
            added.append(lower)
        return added

    @staticmethod
    def _is_number(match: re.Match[str]) -> bool:
        """Digits, or a Chinese numeral with a unit (a bare 一 is a word: 一下, 一直)."""
        return match.group(1)[0].isdigit() or bool(match.group(2))

    def _fact(self, match: re.Match[str]) -> str:
        return _chinese_number(match.group(1)) + (match.group(2) or "").lower()

    def _numbers(self, text: str) -> tuple[set[str], set[str]]:
        """Numbers of `text` (with unit): (those in clauses without a policy term, those in clauses with one)."""
        facts: set[str] = set()
        policy: set[str] = set()
        for clause in _CLAUSE.split(text):
            found = {self._fact(m) for m in self._number.finditer(clause) if self._is_number(m)}
            (policy if any(t in clause for t in self.terms.policy_terms) else facts).update(found)
        return facts, policy

    @staticmethod
    def _found(text: str, terms: Collection[str]) -> set[str]:
        lower = text.lower()
        return {t for t in terms if t.lower() in lower}
