"""guard_pass: the top draft passes every guard (no error-severity violation)."""

from __future__ import annotations

from service.evaluation.scorers.base import Direction, Score, Trial


class GuardPass:
    """1 when the top draft passed the guards, 0 when it failed or there is no draft."""

    name = "guard_pass"
    direction: Direction = "higher"

    def score(self, trial: Trial) -> Score:
        top = trial.top
        if top is None:
            return Score(value=0.0, answer="", explanation="no draft returned")
        violations = [f"{v.category.value}/{v.rule}" for v in top.guard.violations]
        passing = sum(1 for d in trial.response.drafts if d.guard.passed)
        return Score(
            value=1.0 if top.guard.passed else 0.0, answer=top.text,
            explanation="passed" if top.guard.passed else "failed: " + ", ".join(violations),
            metadata={"violations": violations, "passing_drafts": passing,
                      "drafts": len(trial.response.drafts), "repaired": top.repaired, "source": top.source},
        )
