"""Language cues for questions (particles, interrogatives, units), read from data/language.yaml."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

LANGUAGE_FILE = Path(__file__).with_name("data") / "language.yaml"
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")  # 带不带, 是不是, 有没有: a yes/no question in Chinese grammar


class YesNoVerb(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cue: str
    yes: str
    no: str


class Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asks: list[str]
    units: list[str]


class LanguageCues(BaseModel):
    """The cue lists; see the data file for what each means."""

    model_config = ConfigDict(extra="forbid")

    sentence_breaks: str
    clause_break: str
    question_particles: list[str]
    interrogatives: list[str]
    english_question_start: str
    english_interrogatives: list[str]
    yes_no_cues: list[str]
    english_yes_no: str
    comparison_cues: list[str]
    references: list[str]
    negations: list[str]
    affirmations: list[str]
    zh_yes_no_verbs: list[YesNoVerb]
    quantities: list[Quantity]

    def is_question(self, clause: str) -> bool:
        text = clause.strip().lower()
        if not text:
            return False
        if text.endswith(("?", "?")) or any(w in text for w in self.interrogatives):
            return True
        if text[-1] in self.question_particles or _A_NOT_A.search(text):
            return True
        return bool(re.search(self.english_question_start, text)) or any(
            re.search(p, text) for p in self.english_interrogatives)

    def is_yes_no(self, clause: str) -> bool:
        text = clause.strip().lower()
        if re.search(self.english_yes_no, text) or _A_NOT_A.search(text):
            return True
        if any(w in text for w in ("多少", "多久", "多大", "几", "什么", "哪", "怎么", "如何")):
            return False
        return any(cue in text for cue in self.yes_no_cues)

    def is_comparison(self, clause: str) -> bool:
        text = clause.lower()
        return any(cue.strip() and cue.lower() in text for cue in self.comparison_cues)

    def has_reference(self, clause: str) -> bool:
        text = clause.lower()
        return any(re.search(rf"(?<![a-z]){re.escape(ref)}(?![a-z])", text) for ref in self.references)

    def negated(self, clause: str) -> bool:
        text = f"{clause.lower()} "
        return any(n in text for n in self.negations)

    def affirmed(self, clause: str) -> bool:
        text = f" {clause.lower()} "
        return any(a in text for a in self.affirmations)

    def quantity_units(self, question: str) -> list[str]:
        """Unit patterns that answer a quantity question ("多久" → 小时/分钟...), or [] if none asked."""
        text = question.lower()
        units: list[str] = []
        for quantity in self.quantities:
            if any(a in text for a in quantity.asks):
                units += quantity.units
        return units

    def zh_yes_no(self, question: str, polarity: str) -> str:
        for verb in self.zh_yes_no_verbs:
            if verb.cue in question:
                return verb.yes if polarity == "yes" else verb.no
        return "是的" if polarity == "yes" else "不行哦"


@lru_cache
def load_cues(path: Path = LANGUAGE_FILE) -> LanguageCues:
    return LanguageCues.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def split_clauses(text: str, cues: LanguageCues | None = None) -> list[str]:
    """A buyer turn cut into its questions and statements.

    Sentences split at question marks, full stops and line breaks; a sentence is split further at
    commas when more than one of its comma-separated parts is a question on its own
    ("防水吗,续航多久" → two questions), so "这个耳机,防水吗" stays one.
    """
    cues = cues or load_cues()
    clauses: list[str] = []
    for sentence in re.split(cues.sentence_breaks, text):
        sentence = re.sub(r"^[\s,,\~\uff5e]+|[\s,,\~\uff5e]+$", "", sentence)
        if not sentence:
            continue
        ends_with_question = bool(re.search(r"[?？]", text[text.find(sentence) + len(sentence):][:1]))
        parts = [p.strip() for p in re.split(cues.clause_break, sentence) if p.strip()]
        questions = [p for p in parts if cues.is_question(p)]
        if len(parts) > 1 and len(questions) > 1:
            # keep leading statements with the first question ("这个耳机,防水吗,多重" → 2 questions)
            merged: list[str] = []
            pending = ""
            for part in parts:
                if cues.is_question(part):
                    merged.append(f"{pending}{part}" if pending else part)
                    pending = ""
                else:
                    pending = f"{pending}{part},"
            if pending and merged:
                merged[-1] = f"{merged[-1]},{pending.rstrip(',')}"
            clauses += [m + ("?" if ends_with_question and m is merged[-1] else "") for m in merged]
        else:
            clauses.append(sentence + ("?" if ends_with_question else ""))
    return clauses
