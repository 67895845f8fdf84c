"""Reciprocal rank fusion of several ranked lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]], weights: Mapping[str, float] | None = None, k: int = RRF_K
) -> dict[str, float]:
    """Fused score per item: Σ weight / (k + rank), rank starting at 1.

    Args:
        rankings: retriever name → item ids, best first.
        weights: retriever name → weight (default 1).
        k: the RRF constant (60 in the original paper).
    """
    fused: dict[str, float] = {}
    for name, ranked in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, item in enumerate(ranked, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
