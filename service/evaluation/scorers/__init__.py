"""Scorers for golden conversations: deterministic ones first, the optional LLM judge last."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Scorer, Trial
from service.evaluation.scorers.decision import DecisionMatch
from service.evaluation.scorers.embedding_cosine import EmbeddingCosine
from service.evaluation.scorers.guard_pass import GuardPass
from service.evaluation.scorers.latency import Latency
from service.evaluation.scorers.llm_judge import LLMJudge
from service.evaluation.scorers.must_state import MustState
from service.evaluation.scorers.never_say import NeverSay
from service.evaluation.scorers.retrieval_hit import RetrievalHit
from service.evaluation.scorers.rouge_l import RougeL
from service.evaluation.scorers.usage import Cost, Tokens
from service.retrieval.embeddings import Embedder

__all__ = [
    "Cost", "DecisionMatch", "Direction", "EmbeddingCosine", "GuardPass", "LLMJudge", "Latency", "MustState",
    "NeverSay", "RetrievalHit", "RougeL", "Score", "Scorer", "Tokens", "Trial", "default_scorers",
]


def default_scorers(embedder: Embedder | None, judge: LLMJudge | None = None) -> list[Scorer]:
    """The standard set; embedding cosine needs an embedder, the judge is opt-in."""
    scorers: list[Scorer] = [RetrievalHit(), GuardPass(), MustState(), NeverSay(), DecisionMatch(), RougeL()]
    if embedder is not None:
        scorers.append(EmbeddingCosine(embedder))
    scorers += [Latency(), Tokens(), Cost()]
    if judge is not None:
        scorers.append(judge)
    return scorers
