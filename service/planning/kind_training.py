"""Training the request-kind model from labelled buyer messages, with held-out shop domains.

Each file of `evals/kinds/` holds the messages written for one kind of shop (furniture, fresh food...).
Every domain is left out once: the model trained on the others labels it, which gives the accuracy on a
kind of shop the model never saw and the threshold: the lowest top probability at which the held-out
answers are right at least `target_precision` of the time (and, higher, the one at which they are right
`override_precision` of the time: sure enough to overrule the intent table). The final model is trained on every domain.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.errors import MissingDependencyError, UserError
from service.planning.kind_model import DomainScore, KindModel, KindSidecar
from service.planning.models import QuestionKind
from service.retrieval.embeddings import Embedder
from service.text_features import FeatureSpec, design_matrix

KIND_SETS = Path(__file__).resolve().parents[2] / "evals" / "kinds"
LEARNED_KINDS = [QuestionKind.product_fact, QuestionKind.logistics, QuestionKind.policy, QuestionKind.bargain,
                 QuestionKind.complaint, QuestionKind.smalltalk]


class KindExample(BaseModel):
    """One labelled buyer message."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    kind: QuestionKind
    lang: Literal["zh", "en"] = "zh"
    has_order: bool = False


class KindFile(BaseModel):
    """One file of `evals/kinds/`: the messages written for one kind of shop."""

    model_config = ConfigDict(extra="forbid")

    domain: str = Field(min_length=1)
    examples: list[KindExample] = Field(min_length=1)


@dataclass(frozen=True)
class LabelledMessage:
    domain: str
    text: str
    kind: QuestionKind


def load_kind_sets(paths: list[Path]) -> list[LabelledMessage]:
    """The labelled messages of every file (folders: their *.yaml).

    Raises:
        UserError: a file is missing, unreadable or not a kind set; a kind the model does not learn.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        elif path.exists():
            files.append(path)
        else:
            raise UserError("kind set not found", where=str(path))
    messages: list[LabelledMessage] = []
    for file in files:
        try:
            data = KindFile.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as exc:
            raise UserError(f"invalid kind set: {exc}", where=str(file)) from exc
        for i, example in enumerate(data.examples):
            if example.kind not in LEARNED_KINDS:
                raise UserError(f"kind `{example.kind}` is not learned (one of "
                                f"{', '.join(k.value for k in LEARNED_KINDS)})", where=f"{file}: examples[{i}]")
            messages.append(LabelledMessage(data.domain, example.text, example.kind))
    return messages


def _fit(matrix: Any, labels: npt.NDArray[np.int64], c: float) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - the train extra is installed with dev
        raise MissingDependencyError("training needs scikit-learn: pip install -e '.[dev]'") from exc
    if len(set(labels.tolist())) < 3:
        raise ValueError("training needs messages of three kinds at least")
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(matrix, labels)
    weights = np.zeros((len(LEARNED_KINDS), matrix.shape[1]), dtype=np.float64)
    bias = np.full(len(LEARNED_KINDS), -30.0)  # a kind absent from the training folds is never predicted
    for row, label in enumerate(model.classes_):
        weights[int(label)] = model.coef_[row]
        bias[int(label)] = model.intercept_[row]
    return weights, bias


def _probabilities(matrix: Any, weights: npt.NDArray[Any], bias: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    raw = np.asarray(matrix @ weights.T) + bias
    exp = np.exp(raw - raw.max(axis=1, keepdims=True))
    result: npt.NDArray[np.float64] = exp / exp.sum(axis=1, keepdims=True)
    return result


def _threshold(top: npt.NDArray[np.float64], right: npt.NDArray[np.bool_], target: float) -> float:
    """The lowest top probability above which the held-out answers are right at least `target` of the time."""
    order = np.argsort(-top)
    hits = np.cumsum(right[order])
    precision = hits / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target)
    if ok.size == 0:
        return 1.0
    return float(top[order][ok[-1]])


def train_kind_model(messages: list[LabelledMessage], embedder: Embedder, *, c: float = 4.0,
                     target_precision: float = 0.95, override_precision: float = 0.99, spec: FeatureSpec | None = None,
                     files: list[str] | None = None) -> KindModel:
    """Leave each domain out once (threshold and scores), then train on all.

    Raises:
        ValueError: fewer than two domains besides the seed examples.
    """
    domains = sorted({m.domain for m in messages})
    if len(domains) < 2:
        raise ValueError("training needs messages from two shop domains at least")
    texts = [m.text for m in messages]
    labels = np.array([LEARNED_KINDS.index(m.kind) for m in messages], dtype=np.int64)
    owner = np.array([m.domain for m in messages])
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    spec = spec or FeatureSpec(buckets=8192, embedding_dim=vectors.shape[1])
    matrix = design_matrix(vectors, texts, spec).tocsr()
    held_top = np.zeros(len(messages))
    held_right = np.zeros(len(messages), dtype=bool)
    for domain in domains:
        test = owner == domain
        weights, bias = _fit(matrix[~test], labels[~test], c)
        probs = _probabilities(matrix[test], weights, bias)
        held_top[test] = probs.max(axis=1)
        held_right[test] = probs.argmax(axis=1) == labels[test]
    threshold = _threshold(held_top, held_right, target_precision)
    override = max(threshold, _threshold(held_top, held_right, override_precision))
    scores: dict[str, DomainScore] = {}
    for domain in domains:
        rows = owner == domain
        answered = rows & (held_top >= threshold)
        scores[domain] = DomainScore(
            examples=int(rows.sum()), accuracy=round(float(held_right[rows].mean()), 3),
            answered=round(float(answered.sum() / rows.sum()), 3),
            precision=round(float(held_right[answered].mean()) if answered.any() else 0.0, 3))
    weights, bias = _fit(matrix, labels, c)
    digest = hashlib.sha256("\n".join(f"{m.domain}\t{m.kind}\t{m.text}" for m in messages).encode()).hexdigest()
    sidecar = KindSidecar(
        embedder=embedder.name, spec=spec, kinds=list(LEARNED_KINDS), threshold=round(threshold, 4),
        override=round(override, 4), trained_at=datetime.now(UTC).isoformat(timespec="seconds"), data_sha256=digest,
        training_files=files or [], examples_per_domain=dict(Counter(m.domain for m in messages)), c=c,
        target_precision=target_precision, override_precision=override_precision, held_out_domains=scores)
    return KindModel(sidecar, weights, bias)
