"""The scorer protocol: a scorer looks at one case and the pipeline's response and returns a Score."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from service.drafting.models import Draft, DraftResponse
from service.evaluation.golden import GoldenCase

Direction = Literal["higher", "lower", "info"]


class Score(BaseModel):
    """One scorer's verdict on one case (inspect_ai's shape).

    `value` is None when the scorer does not apply to the case (e.g. no policy ids to retrieve).
    """

    value: float | None
    answer: str | None = Field(default=None, description="what was scored, usually the top draft")
    explanation: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class Trial:
    """What a scorer sees: the case, the response, and the wall time the client measured."""

    case: GoldenCase
    response: DraftResponse
    wall_ms: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> Draft | None:
        """The top-ranked draft: the one an agent sees first, scored as "the answer"."""
        return self.response.drafts[0] if self.response.drafts else None

    @property
    def answer(self) -> str:
        return self.top.text if self.top else ""


class Scorer(Protocol):
    """A small unit that scores one trial.

    Attributes:
        name: the key of its score in results and thresholds.
        direction: "higher" or "lower" is better (compared case by case), or "info" (aggregated only).
    """

    name: str
    direction: Direction

    def score(self, trial: Trial) -> Score: ...
