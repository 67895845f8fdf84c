"""decision: the pipeline's policy decision equals the expected one."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Trial


class DecisionMatch:
    """1 when `response.decision` equals the case's `decision`, else 0."""

    name = "decision"
    direction: Direction = "higher"

    def score(self, trial: Trial) -> Score:
        got, want = trial.response.decision, trial.case.decision
        return Score(value=1.0 if got == want else 0.0, answer=got,
                     explanation=f"got {got}" + ("" if got == want else f", expected {want}"),
                     metadata={"expected": want, "got": got, "intent": trial.response.intent})
