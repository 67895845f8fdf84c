"""must_state: the share of required facts the top draft states (each fact: alternative regexes)."""

from __future__ import annotations

import re

from service.evaluation.scorers.base import Direction, Score, Trial


def stated(text: str, groups: list[list[str]]) -> list[bool]:
    """For each group of alternative regexes, whether one of them matches `text` (case-insensitive)."""
    return [any(re.search(p, text, flags=re.IGNORECASE) for p in group) for group in groups]


class MustState:
    """Coverage of `must_state` in the top draft, 0..1; metadata also has the best of all n drafts."""

    name = "must_state"
    direction: Direction = "higher"

    def score(self, trial: Trial) -> Score:
        groups = trial.case.must_state
        if not groups:
            return Score(value=None, answer=trial.answer, explanation="case has no must_state")
        top = stated(trial.answer, groups)
        per_draft = [sum(stated(d.text, groups)) / len(groups) for d in trial.response.drafts]
        missing = [" | ".join(g) for g, ok in zip(groups, top, strict=True) if not ok]
        value = sum(top) / len(groups)
        return Score(
            value=value, answer=trial.answer,
            explanation="all stated" if not missing else "missing: " + "; ".join(missing),
            metadata={"missing": missing, "best_of_n": max(per_draft, default=0.0), "per_draft": per_draft},
        )
