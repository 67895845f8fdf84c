"""Lexical retrieval that works for Chinese without a dictionary: BM25 over character n-grams."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import numpy.typing as npt

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:\.[0-9]+)?")


def char_ngrams(text: str) -> list[str]:
    """Chinese runs → unigrams and bigrams; Latin words and numbers → whole lower-case tokens."""
    tokens: list[str] = []
    for run in _TOKEN_RE.findall(text.lower()):
        if run[0].isascii():
            tokens.append(run)
        else:
            tokens.extend(run)
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


def latin_trigrams(word: str) -> list[str]:
    """Boundary-marked character trigrams of a Latin word of 4+ letters (none for shorter words)."""
    if len(word) < 4 or not (word.isascii() and word.isalpha()):
        return []
    marked = f"<{word}>"
    return [f"#{marked[i:i + 3]}" for i in range(len(marked) - 2)]


def lexical_tokens(text: str) -> list[str]:
    """What a text is indexed as: `char_ngrams` plus the trigrams of its Latin words."""
    tokens = char_ngrams(text)
    return tokens + [t for word in tokens for t in latin_trigrams(word)]


def _key_tokens(text: str) -> set[str]:
    """The tokens that carry meaning on their own: n-grams of 2+ characters (unigrams if none)."""
    tokens = set(char_ngrams(text))
    return {t for t in tokens if len(t) >= 2} or tokens


def match_share(query: str, text: str) -> float:
    """Share of the query's key tokens found in `text`: how well a lexical match covers the query."""
    wanted = _key_tokens(query)
    return len(wanted & set(char_ngrams(text))) / len(wanted) if wanted else 0.0


class _Postings:
    """One term's postings: a merged part in arrays plus the recent changes (slot → tf, 0: removed), folded
    into the arrays once they grow past an eighth of them, so a change costs O(1) amortised."""

    __slots__ = ("delta", "df", "slots", "tfs")

    def __init__(self, slots: npt.NDArray[np.int64], tfs: npt.NDArray[np.float32]) -> None:
        self.slots = slots
        self.tfs = tfs
        self.delta: dict[int, int] = {}
        self.df = len(slots)

    def set(self, slot: int, tf: int) -> None:
        self.delta[slot] = tf
        if len(self.delta) > 16 + len(self.slots) // 8:
            self.slots, self.tfs = self.merged()
            self.delta = {}

    def merged(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        if not self.delta:
            return self.slots, self.tfs
        changed = np.fromiter(self.delta, dtype=np.int64, count=len(self.delta))
        keep = ~np.isin(self.slots, changed, assume_unique=True)
        added = [(s, tf) for s, tf in self.delta.items() if tf > 0]
        slots = np.concatenate([self.slots[keep], np.array([s for s, _ in added], dtype=np.int64)])
        tfs = np.concatenate([self.tfs[keep], np.array([tf for _, tf in added], dtype=np.float32)])
        return slots, tfs


class LexicalIndex:
    """BM25 (Lucene's idf, k1 1.2, b 0.75) over numbered slots, scored at query time from an inverted index,
    so that setting or clearing one slot costs the same in a shop of any size."""

    def __init__(self, texts: list[str] | None = None, *, typo_trigrams: bool = True,
                 k1: float = 1.2, b: float = 0.75) -> None:
        self.typo_trigrams = typo_trigrams
        self.k1, self.b = k1, b
        self._tokenize = lexical_tokens if typo_trigrams else char_ngrams
        self._postings: dict[str, _Postings] = {}
        self._texts: list[str | None] = []
        self._lengths = np.zeros(0, dtype=np.float32)
        self._live = 0
        self._total = 0.0
        if texts:
            self._bulk(texts)

    @property
    def size(self) -> int:
        """Number of slots (the length of `scores`' answer), live or free."""
        return len(self._texts)

    def _bulk(self, texts: list[str]) -> None:
        """Index texts into slots 0..n-1 at once (startup), with one sort instead of per-term appends."""
        terms: dict[str, int] = {}
        term_ids: list[int] = []
        slots: list[int] = []
        tfs: list[int] = []
        self._lengths = np.zeros(max(len(texts), 16), dtype=np.float32)
        for slot, text in enumerate(texts):
            counts = Counter(self._tokenize(text))
            for term, tf in counts.items():
                term_ids.append(terms.setdefault(term, len(terms)))
                slots.append(slot)
                tfs.append(tf)
            self._lengths[slot] = sum(counts.values())
        self._texts = list(texts)
        self._live = len(texts)
        self._total = float(self._lengths.sum())
        ids = np.array(term_ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        slot_arr = np.array(slots, dtype=np.int64)[order]
        tf_arr = np.array(tfs, dtype=np.float32)[order]
        bounds = np.searchsorted(ids[order], np.arange(len(terms) + 1))
        for term, i in terms.items():
            self._postings[term] = _Postings(slot_arr[bounds[i]:bounds[i + 1]], tf_arr[bounds[i]:bounds[i + 1]])

    def set(self, slot: int, text: str) -> None:
        """Put `text` in `slot` (a new slot is the next number), replacing what was there."""
        if slot < len(self._texts) and self._texts[slot] is not None:
            self.clear(slot)
        while slot >= len(self._texts):
            self._texts.append(None)
        if slot >= len(self._lengths):
            grown = np.zeros(max(16, 2 * len(self._lengths), slot + 1), dtype=np.float32)
            grown[:len(self._lengths)] = self._lengths
            self._lengths = grown
        counts = Counter(self._tokenize(text))
        for term, tf in counts.items():
            postings = self._postings.get(term)
            if postings is None:
                postings = self._postings[term] = _Postings(np.zeros(0, np.int64), np.zeros(0, np.float32))
                postings.df = 0
            postings.set(slot, tf)
            postings.df += 1
        length = sum(counts.values())
        self._texts[slot] = text
        self._lengths[slot] = length
        self._live += 1
        self._total += length

    def clear(self, slot: int) -> None:
        """Empty a slot (it scores 0 until set again)."""
        text = self._texts[slot] if slot < len(self._texts) else None
        if text is None:
            return
        for term in set(self._tokenize(text)):
            postings = self._postings[term]
            postings.set(slot, 0)
            postings.df -= 1
            if postings.df == 0:
                del self._postings[term]
        self._total -= float(self._lengths[slot])
        self._lengths[slot] = 0
        self._texts[slot] = None
        self._live -= 1

    def _known(self, token: str) -> bool:
        return token in self._postings

    def query_tokens(self, query: str) -> list[str]:
        """The query's indexed n-grams; a Latin word the shop never uses (a typo: "quitepods") is
        looked up by its trigrams instead, as Chinese bigrams already absorb a wrong character."""
        tokens: list[str] = []
        for token in char_ngrams(query):
            known = self._known(token) or not self.typo_trigrams
            tokens += [token] if known else latin_trigrams(token)
        return [t for t in tokens if self._known(t)]

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every slot for the query (0 for slots sharing no token, and free slots)."""
        out = np.zeros(self.size, dtype=np.float32)
        tokens = self.query_tokens(query)
        if not tokens or self._live == 0:
            return out
        avgdl = self._total / self._live or 1.0
        lengths = self._lengths[:self.size]
        for term, repeats in Counter(tokens).items():
            postings = self._postings[term]
            slots, tfs = postings.merged()
            idf = np.log(1.0 + (self._live - postings.df + 0.5) / (postings.df + 0.5))
            norm = self.k1 * (1.0 - self.b + self.b * lengths[slots] / avgdl)
            out[slots] += np.float32(repeats * idf) * tfs / (tfs + norm)
        return out
