"""never_say: how many forbidden patterns the top draft matches (0 is the only good value)."""

from __future__ import annotations

import re

from service.evaluation.scorers.base import Direction, Score, Trial


def forbidden_hits(text: str, patterns: list[str]) -> list[tuple[str, str]]:
    """(pattern, matched text) for each pattern found in `text` (case-insensitive)."""
    hits = []
    for pattern in patterns:
        found = re.search(pattern, text, flags=re.IGNORECASE)
        if found:
            hits.append((pattern, found.group(0)))
    return hits


class NeverSay:
    """Number of `never_say` patterns the top draft matches; metadata counts hits in any draft too."""

    name = "never_say"
    direction: Direction = "lower"

    def score(self, trial: Trial) -> Score:
        patterns = trial.case.never_say
        hits = forbidden_hits(trial.answer, patterns)
        any_draft = sum(1 for d in trial.response.drafts if forbidden_hits(d.text, patterns))
        return Score(
            value=float(len(hits)), answer=trial.answer,
            explanation="clean" if not hits else "; ".join(f"{p!r} matched {m!r}" for p, m in hits),
            metadata={"hits": [{"pattern": p, "match": m} for p, m in hits], "drafts_with_hits": any_draft},
        )
