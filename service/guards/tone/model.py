"""The trained tone model as stored in the repo: weights (.npz) and a sidecar (.json) that says what it is.

The sidecar records the training data hash, the date, the feature layout, each head's threshold and
its held-out-fold metrics, and the labelled examples the model explains itself with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from service.errors import MissingDependencyError
from service.guards.base import Category
from service.text_features import FeatureSpec

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "data" / "tone_model"


class HeadMetrics(BaseModel):
    """One head's numbers on held-out shop folds of its training data, at its threshold."""

    model_config = ConfigDict(extra="forbid")

    threshold: float
    positives: int
    negatives: int
    recall: float
    false_alarm_rate: float = Field(description="replies without the category that the head flags")
    clean_false_alarm_rate: float = Field(description="clean replies ([]) that the head flags")


class Example(BaseModel):
    """A labelled piece the model explains a finding with."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    head: Category
    text: str


class ToneSidecar(BaseModel):
    """Everything about the model except its arrays."""

    model_config = ConfigDict(extra="forbid")

    embedder: str
    spec: FeatureSpec
    heads: list[Category]
    thresholds: list[float]
    trained_at: str
    data_sha256: str
    training_files: list[str]
    cases_per_shop: dict[str, int]
    seed: int
    c: float
    false_alarm_budget: float
    metrics: dict[str, HeadMetrics] = Field(default_factory=dict)
    examples: list[Example] = Field(default_factory=list)


class ToneModel:
    """Linear heads over `FeatureSpec` features, plus example embeddings for explanations."""

    def __init__(self, sidecar: ToneSidecar, weights: npt.NDArray[Any], bias: npt.NDArray[Any],
                 example_vectors: npt.NDArray[Any]) -> None:
        if weights.shape != (len(sidecar.heads), sidecar.spec.width):
            raise ValueError(f"weights {weights.shape} do not match {len(sidecar.heads)} heads x {sidecar.spec.width}")
        if example_vectors.shape[0] != len(sidecar.examples):
            raise ValueError("example vectors and examples differ in number")
        self.sidecar = sidecar
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.example_vectors = np.asarray(example_vectors, dtype=np.float32)
        self.example_heads = np.array([sidecar.heads.index(e.head) for e in sidecar.examples], dtype=np.int64)

    @property
    def heads(self) -> list[Category]:
        return self.sidecar.heads

    @property
    def thresholds(self) -> npt.NDArray[np.float64]:
        return np.asarray(self.sidecar.thresholds, dtype=np.float64)

    def nearest_example(self, head: int, vector: npt.NDArray[Any]) -> Example | None:
        """The labelled example of this head closest (cosine) to a piece's embedding."""
        rows = np.flatnonzero(self.example_heads == head)
        if rows.size == 0:
            return None
        best = rows[int(np.argmax(self.example_vectors[rows] @ np.asarray(vector, dtype=np.float32)))]
        return self.sidecar.examples[int(best)]

    def save(self, stem: Path) -> None:
        """Write `<stem>.npz` (compressed; example vectors as float16) and `<stem>.json`."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(stem.with_suffix(".npz"), weights=self.weights,
                            bias=self.bias, examples=self.example_vectors.astype(np.float16))
        stem.with_suffix(".json").write_text(self.sidecar.model_dump_json(indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, stem: Path = DEFAULT_MODEL) -> ToneModel:
        """Read a saved model.

        Raises:
            MissingDependencyError: the files are missing (train them with `kefu guards train`).
        """
        npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
        if not npz.exists() or not meta.exists():
            raise MissingDependencyError(f"tone model {stem} not found; run `kefu guards train`")
        sidecar = ToneSidecar.model_validate_json(meta.read_text(encoding="utf-8"))
        with np.load(npz) as arrays:
            return cls(sidecar, arrays["weights"], arrays["bias"], arrays["examples"])
