"""Features of one piece of text: its sentence embedding ⊕ hashed character 1-3-grams (the tone guard and the
request-kind model share them).

The same functions build the training matrix and score a piece at check time, so the two cannot
drift apart. Digits are folded to 0 (tone does not depend on "7天" vs "15天") and the n-grams are
hashed with CRC32 into a fixed number of buckets, binary, L2-normalised.
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


class FeatureSpec(BaseModel):
    """How a piece becomes a vector; stored with the model so that training and checking agree."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    buckets: int = Field(16384, gt=0, description="hashed n-gram dimensions")
    orders: tuple[int, ...] = Field((1, 2, 3), description="character n-gram lengths")
    embedding_dim: int = Field(512, gt=0)
    embedding_weight: float = Field(1.0, ge=0, description="scale of the (unit) embedding block")
    ngram_weight: float = Field(1.0, ge=0, description="scale of the (unit) n-gram block")

    @property
    def width(self) -> int:
        return self.embedding_dim + self.buckets


def normalise(text: str) -> str:
    return _DIGIT.sub("0", _SPACE.sub(" ", text.strip().lower()))


def ngram_buckets(text: str, spec: FeatureSpec) -> npt.NDArray[np.int64]:
    """The distinct hashed n-gram buckets of a text (offset past the embedding block)."""
    chars = normalise(text)
    found = {
        zlib.crc32(chars[i : i + n].encode("utf-8")) % spec.buckets
        for n in spec.orders
        for i in range(len(chars) - n + 1)
    }
    return np.fromiter(sorted(found), dtype=np.int64, count=len(found)) + spec.embedding_dim


def scores(weights: npt.NDArray[Any], bias: npt.NDArray[Any], embeddings: npt.NDArray[Any],
           texts: list[str], spec: FeatureSpec) -> npt.NDArray[np.float64]:
    """Decision values, one row per text and one column per head.

    Args:
        weights: (heads, spec.width) linear weights.
        bias: (heads,) intercepts.
        embeddings: (len(texts), spec.embedding_dim) unit sentence embeddings.
        texts: The pieces (for their n-grams).
        spec: The feature layout the weights were trained on.
    """
    w = np.asarray(weights, dtype=np.float64)
    out = np.asarray(embeddings, dtype=np.float64) @ w[:, : spec.embedding_dim].T * spec.embedding_weight
    for row, text in enumerate(texts):
        buckets = ngram_buckets(text, spec)
        if buckets.size:
            out[row] += w[:, buckets].sum(axis=1) * (spec.ngram_weight / np.sqrt(buckets.size))
    result: npt.NDArray[np.float64] = out + np.asarray(bias, dtype=np.float64)
    return result


def design_matrix(embeddings: npt.NDArray[Any], texts: list[str], spec: FeatureSpec) -> csr_matrix:
    """The sparse training matrix (embedding block dense-in-sparse, n-gram block binary), as `scores` sees it."""
    from scipy.sparse import csr_matrix

    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[npt.NDArray[np.float64]] = []
    dims = np.arange(spec.embedding_dim, dtype=np.int64)
    for row, text in enumerate(texts):
        buckets = ngram_buckets(text, spec)
        rows.append(np.full(spec.embedding_dim + buckets.size, row, dtype=np.int64))
        cols.append(np.concatenate([dims, buckets]))
        ngram = np.full(buckets.size, spec.ngram_weight / np.sqrt(max(buckets.size, 1)))
        vals.append(np.concatenate([np.asarray(embeddings[row], dtype=np.float64) * spec.embedding_weight, ngram]))
    return csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(texts), spec.width))
