"""retrieval_hit: did retrieval bring back at least one of the documents the right answer rests on."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Trial


class RetrievalHit:
    """1 when any retrieved chunk belongs to one of the case's `policy_ids`, else 0 (None without ids)."""

    name = "retrieval_hit"
    direction: Direction = "higher"

    def score(self, trial: Trial) -> Score:
        wanted = set(trial.case.policy_ids)
        retrieved = list(dict.fromkeys(c.doc_id for c in trial.response.retrieved))
        if not wanted:
            return Score(value=None, explanation="case names no policy ids",
                         metadata={"retrieved": retrieved})
        rank = next((i for i, doc in enumerate(retrieved, start=1) if doc in wanted), None)
        found = sorted(wanted & set(retrieved))
        cited = sorted({c.doc_id for d in trial.response.drafts[:1] for c in d.citations} & wanted)
        explanation = (f"found {', '.join(found)} (first at doc rank {rank})" if rank
                       else f"none of {', '.join(sorted(wanted))} in {', '.join(retrieved) or 'nothing'}")
        return Score(value=1.0 if rank else 0.0, explanation=explanation,
                     metadata={"rank": rank, "found": found, "retrieved": retrieved, "cited": cited})
