"""Lexical retrieval that works for Chinese without a dictionary: BM25 over character n-grams."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:\.[0-9]+)?")
_EMPTY = "∅"  # stands in for a text without tokens (bm25s needs one)


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


class LexicalIndex:
    """BM25 (bm25s, sparse matrices) over a fixed list of texts; rebuilt when they change."""

    def __init__(self, texts: list[str], *, typo_trigrams: bool = True) -> None:
        import bm25s

        self.size = len(texts)
        self.typo_trigrams = typo_trigrams
        tokenize = lexical_tokens if typo_trigrams else char_ngrams
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if texts:
            self._bm25.index([tokenize(t) or [_EMPTY] for t in texts], show_progress=False)
        self._vocab: set[str] = set(self._bm25.vocab_dict) if texts else set()

    def query_tokens(self, query: str) -> list[str]:
        """The query's indexed n-grams; a Latin word the shop never uses (a typo: "quitepods") is
        looked up by its trigrams instead, as Chinese bigrams already absorb a wrong character."""
        tokens: list[str] = []
        for token in char_ngrams(query):
            known = token in self._vocab or not self.typo_trigrams
            tokens += [token] if known else latin_trigrams(token)
        return [t for t in tokens if t in self._vocab]

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every text for the query (0 for texts sharing no token)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        tokens = self.query_tokens(query)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
