"""Labels a question's request kind by its nearest example questions (data/question_kinds.yaml).

Used when the embedder is not the one the learned request-kind model (kind_model.py) was trained with
(the hashing embedder of the fast tests): the examples work with any embedder.

The intent table knows fixed words; this knows what questions mean, through the multilingual
embedding model, so "when does it go out?" and "几号能寄出" land on `logistics` without a keyword.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

from service.planning.models import QuestionKind
from service.retrieval.embeddings import Embedder

KINDS_FILE = Path(__file__).with_name("data") / "question_kinds.yaml"
MIN_SIMILARITY = 0.45  # nearest example below this: no opinion
MARGIN = 0.05  # a request kind must beat the nearest product question by this much


class KindClassifier:
    """Nearest-example labelling of a question (k=1 over a few dozen examples: microseconds)."""

    def __init__(self, embedder: Embedder, path: Path = KINDS_FILE) -> None:
        data: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self._labels: list[QuestionKind] = []
        texts: list[str] = []
        for kind, examples in data.items():
            for example in examples:
                self._labels.append(QuestionKind(kind))
                texts.append(example)
        self._vectors = np.asarray(embedder.embed(texts), dtype=np.float32)

    def classify(self, vector: npt.NDArray[np.float32], text: str = "",
                 context: tuple[npt.NDArray[np.float32], str] | None = None) -> tuple[QuestionKind, bool] | None:
        """The kind of the question whose embedding is `vector`, or None when no example is close; never sure
        enough to overrule the intent table (`text` and `context` are not needed: the examples are compared
        by meaning only, clause by clause)."""
        scores = self._vectors @ vector
        best: dict[QuestionKind, float] = {}
        for label, score in zip(self._labels, scores, strict=True):
            best[label] = max(best.get(label, -1.0), float(score))
        kind = max(best, key=lambda k: best[k])
        if best[kind] < MIN_SIMILARITY:
            return None
        if kind is not QuestionKind.product_fact and best[kind] < best.get(QuestionKind.product_fact, -1) + MARGIN:
            return QuestionKind.product_fact, False
        return kind, False
