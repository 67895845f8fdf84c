"""Reciprocal rank fusion."""

from __future__ import annotations

import pytest

from service.retrieval.fusion import reciprocal_rank_fusion


def test_scores_are_weighted_reciprocal_ranks() -> None:
    fused = reciprocal_rank_fusion({"a": ["x", "y"], "b": ["y"]}, {"a": 1.0, "b": 0.5}, k=10)
    assert fused == pytest.approx({"x": 1 / 11, "y": 1 / 12 + 0.5 / 11})


def test_agreement_of_two_retrievers_beats_one_first_place() -> None:
    fused = reciprocal_rank_fusion({"dense": ["solo", "both"], "lexical": ["both"]})
    assert max(fused, key=fused.__getitem__) == "both"


def test_zero_weight_silences_a_retriever() -> None:
    fused = reciprocal_rank_fusion({"dense": ["x"], "lexical": ["y"]}, {"lexical": 0.0})
    assert fused["y"] == 0.0 < fused["x"]


def test_missing_weight_defaults_to_one_and_empty_lists_are_fine() -> None:
    assert reciprocal_rank_fusion({"a": ["x"], "b": []}, k=0) == {"x": 1.0}
    assert reciprocal_rank_fusion({}) == {}
