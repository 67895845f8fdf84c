"""Deterministic grounded drafts: templates per decision filled from order facts and retrieved facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import BaseModel

from service.knowledge.chunking import Chunk
from service.policy.facts import OrderFacts
from service.policy.rules import ShopRules
from service.retrieval.embeddings import Embedder
from service.retrieval.lexical import char_ngrams

# Guidelines are instructions for agents: they are cited, never pasted into a buyer's reply.
_EVIDENCE_TYPES = {
    "answer": ("product", "faq", "policy"),
    "answer.refund_progress": ("policy",),
    "answer.promotion": ("faq", "policy"),
    "answer.authenticity": ("faq", "policy"),
    "answer.payment": ("faq", "policy"),
    "answer.stock": ("policy",),
    "invoice": ("policy", "faq"),
    "warranty_repair": ("policy",),
    "decline_bargain": ("faq",),
    "check_logistics": ("policy", "guideline"),
}
# Decisions that rest on the shop's structured rules: cite the policy doc that sets them.
_RULE_DECISIONS = frozenset({
    "return_no_reason_open", "return_no_reason_closed", "return_no_reason_excluded",
    "return_no_reason_condition_unmet", "quality_return", "quality_exchange", "warranty_repair",
    "refund_unshipped", "reship_or_refund", "escalate",
})
MIN_SIMILARITY = 0.35  # embedding cosine below which a sentence is not about the question
MIN_SHARE = 0.3  # ... unless it shares this share of the question's character n-grams
_QUESTION_LINE = re.compile(r"^(问|q)\s*[::]", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^(答|a)\s*[::]\s*", re.IGNORECASE)


class ComposedDraft(BaseModel):
    """A deterministic draft and the chunks it rests on."""

    text: str
    citations: list[tuple[str, str]]


def _lines(text: str) -> list[str]:
    """Sentences and list items of a chunk; FAQ questions are dropped, answers kept."""
    lines = []
    for raw in re.split(r"[\n。!?!?]+", text):
        line = re.sub(r"^\s*[-*>#]+\s*", "", raw).strip()
        if len(line) < 4 or _QUESTION_LINE.match(line):
            continue
        lines.append(_ANSWER_PREFIX.sub("", line))
    return lines


def best_evidence(query: str, chunks: list[Chunk], embedder: Embedder | None,
                  max_lines: int = 2) -> tuple[str, list[Chunk]]:
    """The sentences of the top chunks that answer the query best.

    Each sentence is scored by embedding similarity to the query, plus shared character n-grams, plus
    a bonus when the chunk is about the product the buyer names ("耳机"). A sentence that is neither
    similar nor sharing words answers another question and is left out.

    Returns:
        The chosen sentences joined, and the chunks they came from (for citations).
    """
    wanted = set(char_ngrams(query))
    candidates = [(line, rank, chunk) for rank, chunk in enumerate(chunks[:4]) for line in _lines(chunk.text)]
    if not candidates or not wanted:
        return "", []
    similarity = [0.0] * len(candidates)
    if embedder is not None:
        vectors = embedder.embed([query] + [line for line, _, _ in candidates])
        similarity = [float(v) for v in vectors[1:] @ vectors[0]]
    scored: list[tuple[float, str, Chunk]] = []
    for (line, rank, chunk), cos in zip(candidates, similarity, strict=True):
        share = len(wanted & set(char_ngrams(line))) / len(wanted)
        if cos < MIN_SIMILARITY and share < MIN_SHARE:
            continue
        about = len(wanted & set(char_ngrams(f"{chunk.title} {chunk.category}")))
        scored.append((cos + 0.5 * share + 0.05 * min(about, 4) - 0.03 * rank, line, chunk))
    scored.sort(key=lambda item: -item[0])
    if not scored:
        return "", []
    picked = [scored[0]] + [s for s in scored[1:max_lines] if s[2].doc_id == scored[0][2].doc_id
                            and s[0] >= 0.85 * scored[0][0]]
    sources: list[Chunk] = []
    for _, _, chunk in picked:
        if chunk not in sources:
            sources.append(chunk)
    return ";".join(line for _, line, _ in picked) + "。", sources


class Composer:
    """Fills the templates in prompts/composer.yaml; every number comes from rules and facts."""

    def __init__(self, templates_file: Path, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        data = yaml.safe_load(templates_file.read_text(encoding="utf-8"))
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
        self._templates: dict[str, dict[str, list[jinja2.Template]]] = {
            lang: {decision: [env.from_string(t) for t in texts] for decision, texts in by_decision.items()}
            for lang, by_decision in data.items()
        }

    def decisions(self, language: str) -> set[str]:
        return set(self._templates[language])

    def compose(
        self,
        *,
        decision: str,
        intent: str = "",
        facts: OrderFacts,
        rules: ShopRules,
        query: str,
        hits: list[Chunk],
        product: str = "",
        language: str = "zh",
        n: int = 2,
    ) -> list[ComposedDraft]:
        """Up to `n` drafts for the decision, citing the chunks they used."""
        lang = language if language in self._templates else "zh"
        key = f"{decision}.{intent}" if f"{decision}.{intent}" in self._templates[lang] else decision
        templates = self._templates[lang].get(key) or self._templates[lang]["answer"]
        types = _EVIDENCE_TYPES.get(key)  # intent templates without an entry use no evidence
        evidence, sources = "", list[Chunk]()
        if types:
            evidence, sources = best_evidence(query, [c for c in hits if c.doc_type in types], self._embedder)
        if lang == "en" and evidence and not evidence.isascii():
            evidence, sources = "", []  # a Chinese line reads badly in an English reply
        citations: list[tuple[str, str]] = [(c.doc_id, c.chunk_id) for c in sources]
        if decision in _RULE_DECISIONS:
            policy_docs = set(rules.sources.values())
            policy = next((c for c in hits if c.doc_id in policy_docs), None) or next(
                (c for c in hits if c.doc_type == "policy"), None)
            if policy is not None and (policy.doc_id, policy.chunk_id) not in citations:
                citations.append((policy.doc_id, policy.chunk_id))
        if not product and sources and sources[0].doc_type == "product":
            product = sources[0].title
        variables: dict[str, Any] = {
            "facts": facts, "rules": rules, "product": product, "evidence": evidence,
            "insurance": facts.insurance_covers_return_shipping, "limit": rules.compensation_limit_yuan,
        }
        return [ComposedDraft(text=t.render(**variables).strip(), citations=citations) for t in templates[:n]]
