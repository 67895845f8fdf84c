"""Lexical retrieval that works for Chinese without a dictionary: BM25 over character 1+2-grams."""

from __future__ import annotations

import re

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


class LexicalIndex:
    """BM25 (bm25s, sparse matrices) over a fixed list of texts; rebuilt when they change."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        self.size = len(texts)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if texts:
            corpus = [char_ngrams(t) or ["∅"] for t in texts]
            self._bm25.index(corpus, show_progress=False)
        self._vocab: set[str] = set(self._bm25.vocab_dict) if texts else set()

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every text for the query (0 for texts sharing no token)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        tokens = [t for t in char_ngrams(query) if t in self._vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)
