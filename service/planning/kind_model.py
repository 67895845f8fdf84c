"""The learned request-kind model: what kind of answer a buyer's message needs (product fact, logistics,
policy, bargaining, complaint, small talk), from its sentence embedding ⊕ character n-grams.

A multinomial logistic regression trained by `kefu planning train-kinds` on labelled buyer messages
(`evals/kinds/`, written per shop domain). It answers only when its probability clears the threshold
calibrated on held-out domains; below it, it has no opinion and the plan keeps what the intent table said.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from service.errors import MissingDependencyError
from service.planning.models import QuestionKind
from service.text_features import FeatureSpec, scores

DEFAULT_KIND_MODEL = Path(__file__).resolve().parent / "data" / "kind_model"


class KindLabeller(Protocol):
    """Anything that labels a question's request kind (None: no opinion)."""

    def classify(self, vector: npt.NDArray[Any], text: str,
                 context: tuple[npt.NDArray[Any], str] | None = None) -> tuple[QuestionKind, bool] | None:
        """The kind, and whether it is sure enough to override the intent table (None: no opinion); `context`:
        the message a clause comes from."""
        ...


class DomainScore(BaseModel):
    """Accuracy on one shop domain left out of training, at the calibrated threshold."""

    model_config = ConfigDict(extra="forbid")

    examples: int
    accuracy: float = Field(description="argmax right, over all examples")
    answered: float = Field(description="share of examples whose probability clears the threshold")
    precision: float = Field(description="right among the answered ones")


class KindSidecar(BaseModel):
    """Everything about the model except its arrays."""

    model_config = ConfigDict(extra="forbid")

    embedder: str
    spec: FeatureSpec
    kinds: list[QuestionKind]
    threshold: float = Field(description="lowest top probability the model answers with")
    override: float = Field(description="lowest top probability at which it overrides the intent table")
    trained_at: str
    data_sha256: str
    training_files: list[str]
    examples_per_domain: dict[str, int]
    c: float
    target_precision: float
    override_precision: float
    held_out_domains: dict[str, DomainScore] = Field(default_factory=dict)


class KindModel:
    """Softmax over linear scores; `classify` returns the top kind when it is confident enough."""

    def __init__(self, sidecar: KindSidecar, weights: npt.NDArray[Any], bias: npt.NDArray[Any]) -> None:
        if weights.shape != (len(sidecar.kinds), sidecar.spec.width):
            raise ValueError(f"weights {weights.shape} do not match {len(sidecar.kinds)} kinds x {sidecar.spec.width}")
        self.sidecar = sidecar
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    def probabilities(self, vector: npt.NDArray[Any], text: str) -> dict[QuestionKind, float]:
        """Every kind's probability for one question."""
        raw = scores(self.weights, self.bias, np.asarray(vector, dtype=np.float32)[None, :], [text],
                     self.sidecar.spec)[0]
        exp = np.exp(raw - raw.max())
        probs = exp / exp.sum()
        return {kind: float(p) for kind, p in zip(self.sidecar.kinds, probs, strict=True)}

    def classify(self, vector: npt.NDArray[Any], text: str,
                 context: tuple[npt.NDArray[Any], str] | None = None) -> tuple[QuestionKind, bool] | None:
        """The top kind and whether it is sure enough to override the intent table; None below the threshold.

        `context`: the whole message a clause comes from (its vector and text); a clause ("里面带不带内胆") says
        less than its message, so the two opinions are averaged."""
        probs = self.probabilities(vector, text)
        if context is not None and context[1] != text:
            whole = self.probabilities(*context)
            probs = {kind: (p + whole[kind]) / 2 for kind, p in probs.items()}
        kind = max(probs, key=lambda k: probs[k])
        if probs[kind] < self.sidecar.threshold:
            return None
        return kind, probs[kind] >= self.sidecar.override

    def save(self, stem: Path) -> None:
        """Write `<stem>.npz` (compressed float16 weights) and `<stem>.json`."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(stem.with_suffix(".npz"), weights=self.weights.astype(np.float16), bias=self.bias)
        stem.with_suffix(".json").write_text(self.sidecar.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, stem: Path = DEFAULT_KIND_MODEL) -> KindModel:
        """Read a saved model.

        Raises:
            MissingDependencyError: the files are missing (train them with `kefu planning train-kinds`).
        """
        npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
        if not npz.exists() or not meta.exists():
            raise MissingDependencyError(f"request-kind model {stem} not found; run `kefu planning train-kinds`")
        sidecar = KindSidecar.model_validate_json(meta.read_text(encoding="utf-8"))
        with np.load(npz) as arrays:
            return cls(sidecar, arrays["weights"].astype(np.float32), arrays["bias"])
