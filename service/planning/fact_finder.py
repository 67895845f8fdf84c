"""The rows of a product's document that answer a question: spec rows, FAQ answers, other sentences.

A document's rows and their embeddings are computed once per document version (cached by content
hash), so answering costs one embedding of the question whatever the size of the catalogue.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import numpy as np
from pydantic import BaseModel

from service.knowledge.chunking import chunk_document
from service.knowledge.document import Document
from service.planning.attributes import AttributeConcepts, load_attributes
from service.planning.language import LanguageCues, load_cues
from service.planning.models import Evidence
from service.retrieval.embeddings import Embedder
from service.retrieval.lexical import char_ngrams

_SPEC_HEADINGS = ("规格", "参数", "规格参数", "specs", "specifications")
_FAQ_HEADINGS = ("常见问题", "faq", "问答", "q&a")
_ROW = re.compile(r"^\s*[-*]\s*(.+?)\s*$")
_SPEC = re.compile(r"^([^::]{1,30})\s*[::]\s*(.+)$")
_FAQ = re.compile(r"^(?:问|q)\s*[::]\s*(.+?)\s*(?:答|a)\s*[::]\s*(.+)$", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")
_SENTENCE_SPLIT = re.compile(r"(?<=[。!?!?])")
CACHE_DOCS = 4096
CACHE_QUESTIONS = 256
MIN_SCORE = 0.5  # below this no row answers the question: the plan says `unknown`
MIN_SCORE_CROSS_LINGUAL = 0.42  # an English question against Chinese rows shares no characters
NAMED_ATTRIBUTE_BONUS = 0.3  # a row naming the attribute the question asks about ("多久能听" → 续航)


class _Row(BaseModel):
    kind: str  # spec | faq | sentence
    key: str
    value: str
    match_text: str  # what the question is compared with
    chunk_id: str


class _DocRows(BaseModel):
    model_config = {"arbitrary_types_allowed": True}

    rows: list[_Row]
    vectors: np.ndarray  # one per row, normalised


def document_rows(doc: Document) -> list[_Row]:
    """Spec rows, FAQ pairs and plain sentences of a product document, each with its chunk id."""
    chunks = chunk_document(doc)
    rows: list[_Row] = []
    section = ""
    for line in doc.body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1).strip().lower()
            continue
        item = _ROW.match(line)
        text = (item.group(1) if item else line).strip()
        if len(text) < 3:
            continue
        chunk_id = next((c.chunk_id for c in chunks if text in c.text), chunks[0].chunk_id)
        spec = _SPEC.match(text)
        faq = _FAQ.match(text)
        if section in _SPEC_HEADINGS and spec:
            key, value = spec.group(1).strip(), spec.group(2).strip()
            rows.append(_Row(kind="spec", key=key, value=value, match_text=f"{key}: {value}", chunk_id=chunk_id))
        elif faq:
            rows.append(_Row(kind="faq", key=faq.group(1).strip(), value=faq.group(2).strip(),
                             match_text=faq.group(1).strip(), chunk_id=chunk_id))
        else:
            for sentence in _SENTENCE_SPLIT.split(text):
                if len(sentence.strip()) >= 6:
                    rows.append(_Row(kind="sentence", key="", value=sentence.strip(), match_text=sentence.strip(),
                                     chunk_id=chunk_id))
    return rows


class FactFinder:
    """Finds the best rows of a product document for a question."""

    def __init__(self, embedder: Embedder | None, cues: LanguageCues | None = None,
                 attributes: AttributeConcepts | None = None) -> None:
        self._embedder = embedder
        self._cues = cues or load_cues()
        self._attributes = attributes or load_attributes()
        self._cache: OrderedDict[tuple[str, str, str], _DocRows] = OrderedDict()
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        self._clauses: OrderedDict[str, np.ndarray] = OrderedDict()

    def _rows(self, doc: Document) -> _DocRows:
        key = (doc.shop_id, doc.id, doc.content_hash)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        rows = document_rows(doc)
        if self._embedder is not None and rows:
            vectors = np.asarray(self._embedder.embed([r.match_text for r in rows]), dtype=np.float32)
        else:
            vectors = np.zeros((len(rows), 1), dtype=np.float32)
        built = _DocRows(rows=rows, vectors=vectors)
        self._cache[key] = built
        if len(self._cache) > CACHE_DOCS:
            self._cache.popitem(last=False)
        return built

    def embed_question(self, question: str) -> np.ndarray | None:
        """The question's vector; one request asks for the same text several times (kind, facts, policy)."""
        if self._embedder is None:
            return None
        cached = self._questions.get(question)
        if cached is not None:
            return cached
        vectors: np.ndarray = np.asarray(self._embedder.embed([question]), dtype=np.float32)
        first: np.ndarray = vectors[0]
        self._questions[question] = first
        if len(self._questions) > CACHE_QUESTIONS:
            self._questions.popitem(last=False)
        return first

    def nearest_clause(self, question: str, text: str) -> str:
        """The clause of `text` closest in meaning to `question` (a FAQ answer may say yes, then but-not:
        "小雨天没问题;但不能泡水" answers "下雨天戴着行不行" with its first clause, "能游泳吗" with its second)."""
        parts = [p.strip() for p in re.split(r"[,,;;。]|但是?|不过", text) if len(p.strip()) >= 2] or [text]
        wanted = set(char_ngrams(question))
        shares = [len(wanted & set(char_ngrams(p))) / (len(wanted) or 1) for p in parts]
        vector = self.embed_question(question)
        if vector is None or self._embedder is None or len(parts) == 1:
            return max(zip(shares, parts, strict=True))[1]
        cached = self._clauses.get(text)
        if cached is None:
            cached = np.asarray(self._embedder.embed(parts), dtype=np.float32)
            self._clauses[text] = cached
            if len(self._clauses) > CACHE_QUESTIONS:
                self._clauses.popitem(last=False)
        scores = cached @ vector + 0.5 * np.asarray(shares, dtype=np.float32)
        return parts[int(np.argmax(scores))]

    def chunk_of(self, doc: Document, text: str) -> str:
        """The chunk id of the document's row that `text` holds ("" when none)."""
        return next((r.chunk_id for r in self._rows(doc).rows if r.value and r.value in text), "")

    def spec_rows(self, doc: Document) -> list[Evidence]:
        return [Evidence(kind="spec", text=r.match_text, key=r.key, value=r.value, doc_id=doc.id,
                         chunk_id=r.chunk_id) for r in self._rows(doc).rows if r.kind == "spec"]

    def find(self, question: str, doc: Document, product_title: str, *, vector: np.ndarray | None = None,
             limit: int = 2, kinds: tuple[str, ...] = ("spec", "faq", "sentence"),
             min_score: float | None = MIN_SCORE, named_min_score: float | None = None) -> list[Evidence]:
        """Rows answering `question`, best first (at most `limit`, all from this document).

        `named_min_score`: the lower score a row needs when it names the attribute the question asks about
        (a policy sentence that says 快递 answers "发的什么快递" though it shares few of its words)."""
        built = self._rows(doc)
        if not built.rows:
            return []
        if vector is None:
            vector = self.embed_question(question)
        cosine = (built.vectors @ vector) if vector is not None and built.vectors.shape[1] == vector.shape[0] \
            else np.zeros(len(built.rows), dtype=np.float32)
        wanted = set(char_ngrams(_strip_title(question, product_title)))
        if min_score == MIN_SCORE and not _has_cjk_words(question.split(" ")[0] + question[:20]):
            min_score = MIN_SCORE_CROSS_LINGUAL
        units = self._cues.quantity_units(question)
        asked = self._attributes.asked(question)
        scored: list[tuple[float, float, _Row]] = []  # (rank score, score that must clear min_score, row)
        for row, cos in zip(built.rows, cosine, strict=True):
            if row.kind not in kinds:
                continue
            grams = set(char_ngrams(row.match_text))
            share = len(wanted & grams) / len(wanted) if wanted else 0.0
            score = float(cos) + 0.5 * share
            if row.kind == "spec":
                score += 0.1
            if units:
                target = row.value.lower() if row.kind != "sentence" else row.match_text.lower()
                score += 0.25 if any(re.search(u, target) for u in units) else -0.2
            # naming the attribute asked about ranks a row first; it does not make an unrelated row an answer
            named = bool(asked) and any(
                c.named_by(row.key if row.kind != "sentence" else row.value)
                or (row.kind == "faq" and c.asked_in(row.key)) for c in asked)
            # a spec key the question says in the shop's own words ("前后跟差是多少" → 跟差) lets its row answer;
            # it does not rank it above a better-matching row ("层板能调节吗" is not about the 层板 material)
            answers = named or (row.kind == "spec" and _key_in(row.key, question))
            # the score checked against min_score: a row naming the asked attribute is held to named_min_score
            qualifying = score if not (answers and named_min_score is not None and min_score is not None) \
                else score + (min_score - named_min_score)
            scored.append((score + (NAMED_ATTRIBUTE_BONUS if named else 0.0), qualifying, row))
        scored.sort(key=lambda item: -item[0])
        picked: list[Evidence] = []
        for rank, score, row in scored:
            if len(picked) >= limit:
                break
            if min_score is not None and score < min_score:
                continue
            if picked and min_score is not None and rank < scored[0][0] - 0.12:
                break
            picked.append(Evidence(kind=row.kind, text=row.match_text if row.kind != "faq" else row.value,
                                   key=row.key, value=row.value, product=product_title, doc_id=doc.id,
                                   chunk_id=row.chunk_id, score=round(rank, 3)))
        return picked


def _key_in(key: str, question: str) -> bool:
    """True when the question says the spec row's own key ("前后跟差是多少" → 跟差): the buyer names the attribute
    in the shop's words (two Chinese characters at least, without the key's bracketed note)."""
    core = re.sub(r"[((].*?[))]", "", key).strip()
    return sum("\u4e00" <= ch <= "\u9fff" for ch in core) >= 2 and core in question


def _has_cjk_words(text: str) -> bool:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 2


def _strip_title(question: str, title: str) -> str:
    """The question without the product's name (its words say which product, not what about it)."""
    out = question
    for part in re.split(r"\s+", title):
        if len(part) >= 2:
            out = out.replace(part, " ")
    return out
