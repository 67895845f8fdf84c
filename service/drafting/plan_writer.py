"""The deterministic writer: renders an answer plan in the buyer's language, in two styles.

Rule blocks (returns, quality, warranty...) come from the composer's per-decision templates; product
facts, comparisons, unknowns, order-state logistics and offers are rendered here from the plan.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import yaml

from service.drafting.composer import ComposedDraft, Composer
from service.knowledge.chunking import Chunk
from service.planning.glossary import Glossary
from service.planning.language import load_cues
from service.planning.models import Answer, AnswerPlan, Evidence, Question, QuestionKind
from service.policy.facts import OrderFacts
from service.policy.rules import ShopRules

# decisions the writer renders itself (the composer's templates for them ignore the order state)
OWN_DECISIONS = frozenset({"check_logistics", "decline_bargain", "answer"})
STALE_TRACKING_HOURS = 24  # no scan for a day: check with the courier (the guideline answers within 24 h)
_CJK = re.compile(r"[\u4e00-\u9fff]")


class PlanWriter:
    """AnswerPlan → up to two draft texts with their citations."""

    def __init__(self, templates_file: Path, glossary: Glossary, composer: Composer) -> None:
        data = yaml.safe_load(templates_file.read_text(encoding="utf-8"))
        self._env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self._data: dict[str, Any] = data
        self._glossary = glossary
        self.composer = composer

    def _t(self, lang: str, path: str, **variables: Any) -> str:
        node: Any = self._data[lang]
        for part in path.split("."):
            node = node[part]
        return self._env.from_string(str(node)).render(**variables).strip()

    def write(self, plan: AnswerPlan, *, facts: OrderFacts, rules: ShopRules, hits: list[Chunk],
              product: str, n: int = 2) -> list[ComposedDraft]:
        lang = plan.language
        citations = plan.citations
        kinds = {q.kind for q in plan.questions}
        rule_block: list[ComposedDraft] = []
        rule_questions = [q for q in plan.questions if q.kind in (QuestionKind.policy, QuestionKind.complaint)]
        smalltalk_only = kinds <= {QuestionKind.smalltalk}
        if not rule_questions and plan.order.decision not in OWN_DECISIONS and plan.request_kind in (
                QuestionKind.policy, QuestionKind.complaint):
            rule_questions = [Question(text=plan.request_text, kind=plan.request_kind, intent=plan.request_intent,
                                       answer=Answer(status="answered"))]
        if rule_questions and plan.order.decision in OWN_DECISIONS and all(
                q.kind is QuestionKind.complaint for q in rule_questions):
            # "物流一直没动,你们管不管": the writer renders the order's state itself; the composer's block for a
            # decision it does not own is a bare "let me check" that drops the apology the complaint needs
            rule_questions = []
        if rule_questions or smalltalk_only:
            source = rule_questions[0] if rule_questions else (plan.questions[0] if plan.questions else None)
            intent = source.intent if source else "greeting"
            decision = plan.order.decision
            if decision in OWN_DECISIONS or not rule_questions:
                decision = "answer"
            rule_block = self.composer.compose(decision=decision, intent=intent, facts=facts, rules=rules,
                                               query=source.text if source else "", hits=hits,
                                               product=product or _first_product(plan), language=lang, n=2)
            for draft in rule_block:
                for pair in draft.citations:
                    if pair not in citations:
                        citations.append(pair)
        drafts: list[ComposedDraft] = []
        for style in ("a", "b")[:max(1, n)]:
            parts: list[str] = []
            if rule_block:  # an English rule block may quote the shop's Chinese conditions ("未拆封"): glossed
                parts.append(self._en(rule_block[0 if style == "a" else min(1, len(rule_block) - 1)].text, lang))
            else:
                parts.append(self._t(lang, f"opener.{plan.tone}.{style}"))
            unknown = [q for q in plan.questions if _asks_unknown(q)]
            stated: set[str] = set()  # fact sentences this draft has said already (two questions, one row)
            for question in plan.questions:
                if len(unknown) >= 2 and question in unknown:
                    # several questions the documents cannot answer: one promise to check them, not one each
                    rendered = self._t(lang, "unknown_many", count=len(unknown))
                else:
                    rendered = self._question(question, plan, facts=facts, rules=rules, style=style,
                                              stated=stated)
                if rendered and rendered not in parts:
                    parts.append(rendered)
            if not rule_block:
                closer = self._t(lang, f"closer.{style}")
                if closer:
                    parts.append(closer)
            joiner = "" if lang == "zh" else " "
            text = joiner.join(p for p in parts if p).strip()
            if all(d.text != text for d in drafts):
                drafts.append(ComposedDraft(text=text, citations=citations))
        return drafts

    def _question(self, question: Question, plan: AnswerPlan, *, facts: OrderFacts, rules: ShopRules,
                  style: str, stated: set[str] | None = None) -> str:
        lang = plan.language
        extra = "".join(self._evidence(e, lang) for e in question.answer.evidence) \
            if question.kind in (QuestionKind.logistics, QuestionKind.policy, QuestionKind.bargain,
                                 QuestionKind.complaint) else ""
        if question.kind is QuestionKind.logistics:
            status = plan.order.status or "none"
            if status in ("refunding",):
                status = "closed"
            if status == "shipped" and plan.order.scan_age_hours is not None \
                    and plan.order.scan_age_hours >= STALE_TRACKING_HOURS:
                status = "shipped_stale"
            return self._t(lang, f"logistics.{status}", facts=facts, rules=rules, order=plan.order) + extra
        if question.kind is QuestionKind.bargain:
            offers = [self._fact_text(e, lang) for e in plan.offers]
            text = self._t(lang, "bargain")
            return text + (self._t(lang, "offers", offers=offers) if offers else "") + extra
        if question.kind in (QuestionKind.policy, QuestionKind.complaint):
            return extra
        if question.kind is QuestionKind.comparison and question.answer.status == "answered":
            by_key: dict[str, list[str]] = {}
            rows = []
            for e in question.answer.evidence:
                value = self._t(lang, "comparison_value", product=self._product(e.product, lang),
                                value=self._en((e.value or e.text).rstrip("。."), lang))
                if e.kind == "spec":
                    by_key.setdefault(e.key, []).append(value)
                else:  # a FAQ answer or a sentence is the product's own answer, stated on its own
                    rows.append(value)
            rows = [self._t(lang, "comparison_row", key=self._en(key, lang), values=values)
                    for key, values in by_key.items()] + rows
            return self._t(lang, "comparison", rows=rows)
        if question.kind in (QuestionKind.product_fact, QuestionKind.comparison):
            if question.answer.status == "unknown":
                if question.implied:
                    return self._t(lang, "unknown_implied")
                return self._t(lang, "unknown", question=question.text.rstrip("?").rstrip("?"))
            sentences = []
            evidence = question.answer.evidence if style == "a" else question.answer.evidence[:1]
            for ev in evidence:
                sentence = self._evidence(ev, lang)
                if stated is not None and not question.answer.polarity:
                    if sentence in stated:
                        continue  # said for an earlier question of this message: once is enough
                    stated.add(sentence)
                sentences.append(sentence)
            text = (" " if lang == "en" else "").join(sentences)
            if question.answer.polarity:
                word = (self._data["en"][question.answer.polarity] if lang == "en"
                        else self._cue_word(question.text, question.answer.polarity))
                if not _starts_with_answer(text, word):
                    text = self._t(lang, "yes_no", word=word) + (" " if lang == "en" else "") + text
            return text
        return ""

    def _cue_word(self, question: str, polarity: str) -> str:
        return load_cues().zh_yes_no(question, polarity)

    def _evidence(self, ev: Evidence, lang: str) -> str:
        if ev.kind == "spec":
            return self._t(lang, "spec", product=self._product(ev.product, lang), key=self._en(ev.key, lang),
                           value=self._en(ev.value, lang))
        value = _sentence(self._en(ev.value or ev.text, lang), lang)
        return self._t(lang, ev.kind if ev.kind in ("faq", "sentence") else "sentence", value=value)

    def _fact_text(self, ev: Evidence, lang: str) -> str:
        return self._en((ev.value or ev.text).rstrip("。."), lang)

    def _en(self, text: str, lang: str) -> str:
        return self._glossary.english(text) if lang == "en" and _CJK.search(text) else text

    def _product(self, title: str, lang: str) -> str:
        latin = " ".join(re.findall(r"[A-Za-z][A-Za-z0-9\-\.]*\d*|\d+[A-Za-z]+\w*", title))
        if lang != "en" and (len(title) <= 12 or not latin):
            return title
        if lang != "en":
            return latin  # a long title reads badly in a sentence; its model name says which product
        if not _CJK.search(title):
            return title
        latin = " ".join(re.findall(r"[A-Za-z0-9][A-Za-z0-9\-\.]*", title))
        return latin or self._glossary.english(title)


def _starts_with_answer(text: str, word: str) -> bool:
    """True when the fact itself already opens with a yes or no ("可以。74 Wh..."), so no prefix is needed."""
    head = re.sub(r"^[^\w]+", "", text)
    stem = word.rstrip("的哦呢~")
    return head.startswith((stem, "不", "没", "可以", "是", "Yes", "No"))


def _asks_unknown(question: Question) -> bool:
    """A product question the documents do not answer, asked in words (not implied by a statement)."""
    return question.kind in (QuestionKind.product_fact, QuestionKind.comparison) \
        and question.answer.status == "unknown" and not question.implied


def _first_product(plan: AnswerPlan) -> str:
    for question in plan.questions:
        for ev in question.answer.evidence:
            if ev.product:
                return ev.product
    return ""


def _sentence(text: str, lang: str) -> str:
    text = text.strip()
    if not text:
        return text
    end = "。" if lang == "zh" else "."
    return text if text[-1] in "。!?.!?~" else text + end
