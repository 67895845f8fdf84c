"""embedding_cosine: cosine similarity of the top draft and the golden reply under the service's embedder."""

from __future__ import annotations

import numpy as np

from service.evaluation.scorers.base import Direction, Score, Trial
from service.retrieval.embeddings import Embedder


class EmbeddingCosine:
    """Cosine of the two embeddings (the embedder returns L2-normalised vectors), in -1..1."""

    name = "embedding_cosine"
    direction: Direction = "higher"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def score(self, trial: Trial) -> Score:
        if not trial.answer.strip():
            return Score(value=0.0, answer="", explanation="no draft")
        vectors = self.embedder.embed([trial.answer, trial.case.golden_reply])
        cosine = float(np.dot(vectors[0], vectors[1]))
        return Score(value=round(cosine, 4), answer=trial.answer,
                     explanation=f"embedder {self.embedder.name}", metadata={"embedder": self.embedder.name})
