"""Training the tone model from labelled replies: multiple-instance logistic regression, shop-fold calibration.

Labels are per reply, the model scores pieces (segment.py): a reply's score is its highest piece. Each
head is trained in rounds: first every piece of a positive reply counts as positive, then only the
piece the previous round scored highest (the other pieces of positive replies are left out). The
threshold comes from held-out folds (one shop left out at a time, inside the training data): the
lowest score that flags at most `false_alarm_budget` of the replies without the category.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.errors import MissingDependencyError, UserError
from service.guards.base import Category
from service.guards.tone.model import Example, HeadMetrics, ToneModel, ToneSidecar
from service.guards.tone.segment import segment
from service.retrieval.embeddings import Embedder
from service.text_features import FeatureSpec, design_matrix

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "data" / "tone.yaml"


class ToneConfig(BaseModel):
    """Training settings (service/guards/data/tone.yaml)."""

    model_config = ConfigDict(extra="forbid")

    heads: list[Category] = Field(min_length=1, description="categories the learned layer scores")
    training_sets: list[str] = Field(min_length=1, description="labelled files or folders, project-relative")
    false_alarm_budget: float = Field(0.01, gt=0, lt=1, description="max share of negatives flagged (folds)")
    c: float = Field(1.0, gt=0, description="inverse regularisation strength")
    rounds: int = Field(2, ge=1, description="multiple-instance rounds")
    seed: int = 13
    examples_per_head: int = Field(400, ge=1, description="labelled pieces kept for explanations")
    features: FeatureSpec = Field(default_factory=FeatureSpec)


@dataclass(frozen=True)
class LabelledReply:
    """What training needs of a labelled case."""

    case_id: str
    shop: str
    reply: str
    expect: frozenset[Category]


@dataclass
class Corpus:
    """Replies cut into pieces, with every piece's embedding computed once."""

    replies: list[LabelledReply]
    texts: list[str]
    owner: npt.NDArray[np.int64]  # reply index of each piece
    embeddings: npt.NDArray[np.float32]
    _matrices: dict[FeatureSpec, Any] = field(default_factory=dict)

    def matrix(self, spec: FeatureSpec) -> Any:
        """The pieces' design matrix (sparse), built once per feature layout."""
        if spec not in self._matrices:
            self._matrices[spec] = design_matrix(self.embeddings, self.texts, spec)
        return self._matrices[spec]

    @classmethod
    def build(cls, replies: Sequence[LabelledReply], embedder: Embedder) -> Corpus:
        texts: list[str] = []
        owner: list[int] = []
        vectors: list[npt.NDArray[np.float32]] = []
        for i, reply in enumerate(replies):
            pieces = [reply.reply[s:e] for s, e in segment(reply.reply) or [(0, len(reply.reply))]]
            texts.extend(pieces)
            owner.extend([i] * len(pieces))
            # one call per reply, as the guard embeds at check time (the ONNX model's output depends a
            # little on the batch it is computed in)
            vectors.append(np.asarray(embedder.embed(pieces), dtype=np.float32))
        matrix = np.vstack(vectors) if vectors else np.zeros((0, 512), dtype=np.float32)
        return cls(list(replies), texts, np.asarray(owner, dtype=np.int64), matrix)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Corpus:
        """The replies where `keep` is true (pieces follow their reply)."""
        index = np.flatnonzero(keep)
        remap = np.full(len(self.replies), -1, dtype=np.int64)
        remap[index] = np.arange(index.size)
        pieces = np.flatnonzero(keep[self.owner])
        matrices = {spec: m[pieces] for spec, m in self._matrices.items()}
        return Corpus([self.replies[i] for i in index], [self.texts[p] for p in pieces],
                      remap[self.owner[pieces]], self.embeddings[pieces], matrices)

    def labels(self, head: Category) -> npt.NDArray[np.bool_]:
        return np.array([head in r.expect for r in self.replies], dtype=bool)

    def shops(self) -> npt.NDArray[np.str_]:
        return np.array([r.shop for r in self.replies])


def data_hash(replies: Sequence[LabelledReply]) -> str:
    """sha256 over the cases' ids, shops, replies and labels, in id order."""
    rows = sorted((r.case_id, r.shop, r.reply, sorted(c.value for c in r.expect)) for r in replies)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def _logistic(config: ToneConfig) -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - scikit-learn is a declared dependency
        raise MissingDependencyError("training the tone model needs scikit-learn (pip install -e .)") from exc
    # the dual problem: far fewer pieces than features (10x faster, same solution)
    return LogisticRegression(C=config.c, class_weight="balanced", solver="liblinear", dual=True,
                              random_state=config.seed, max_iter=2000)


def fit_head(corpus: Corpus, head: Category, config: ToneConfig) -> tuple[npt.NDArray[np.float64], float, list[int]]:
    """Weights, intercept and the positive pieces of the last round, for one head."""
    positive_reply = corpus.labels(head)
    matrix = corpus.matrix(config.features)
    use = np.ones(len(corpus.texts), dtype=bool)
    target = positive_reply[corpus.owner]
    weights, bias = np.zeros(config.features.width), 0.0
    chosen: list[int] = []
    by_reply = [np.flatnonzero(corpus.owner == reply) for reply in np.flatnonzero(positive_reply)]
    for _ in range(config.rounds):
        model = _logistic(config).fit(matrix[use], target[use])
        weights, bias = model.coef_[0].astype(np.float64), float(model.intercept_[0])
        piece_scores = matrix @ weights + bias
        # the next round: only each positive reply's best piece is positive; its other pieces are unknown
        chosen = [int(pieces[np.argmax(piece_scores[pieces])]) for pieces in by_reply]
        use = ~positive_reply[corpus.owner]
        use[chosen] = True
    return weights, bias, chosen


def reply_scores(corpus: Corpus, weights: npt.NDArray[Any], bias: npt.NDArray[Any],
                 spec: FeatureSpec) -> npt.NDArray[np.float64]:
    """(replies, heads) scores: each reply's highest piece (the same numbers as `features.scores`)."""
    piece = np.asarray(corpus.matrix(spec) @ np.asarray(weights, dtype=np.float64).T) + np.asarray(bias)
    out = np.full((len(corpus.replies), piece.shape[1]), -np.inf)
    np.maximum.at(out, corpus.owner, piece)
    return out


def threshold_for_budget(negative_scores: npt.NDArray[Any], budget: float) -> float:
    """The lowest threshold (score > threshold flags) that flags at most `budget` of the negatives."""
    ordered = np.sort(np.asarray(negative_scores, dtype=np.float64))[::-1]
    allowed = int(np.floor(budget * ordered.size))
    if ordered.size == 0:
        return 0.0
    return float(ordered[allowed]) if allowed < ordered.size else float(ordered[-1]) - 1e-9


def out_of_fold_scores(corpus: Corpus, config: ToneConfig) -> npt.NDArray[np.float64]:
    """(replies, heads) scores, each reply scored by heads trained without its shop."""
    shops = corpus.shops()
    out = np.zeros((len(corpus.replies), len(config.heads)))
    for shop in sorted(set(shops.tolist())):
        held = shops == shop
        train = corpus.subset(~held)
        weights, bias = _fit_heads(train, config)
        out[held] = reply_scores(corpus.subset(held), weights, bias, config.features)
    return out


def _fit_heads(corpus: Corpus, config: ToneConfig) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    fitted = [fit_head(corpus, head, config)[:2] for head in config.heads]
    return np.vstack([w for w, _ in fitted]), np.array([b for _, b in fitted])


def head_metrics(corpus: Corpus, oof: npt.NDArray[Any], config: ToneConfig) -> list[HeadMetrics]:
    """Per head: the budget threshold on out-of-fold scores and the recall and false alarms it gives."""
    clean = np.array([not r.expect for r in corpus.replies], dtype=bool)
    metrics = []
    for h, head in enumerate(config.heads):
        positive = corpus.labels(head)
        threshold = threshold_for_budget(oof[~positive, h], config.false_alarm_budget)
        flagged = oof[:, h] > threshold
        metrics.append(HeadMetrics(
            threshold=threshold, positives=int(positive.sum()), negatives=int((~positive).sum()),
            recall=float(flagged[positive].mean()) if positive.any() else 0.0,
            false_alarm_rate=float(flagged[~positive].mean()) if (~positive).any() else 0.0,
            clean_false_alarm_rate=float(flagged[clean].mean()) if clean.any() else 0.0,
        ))
    return metrics


def train_tone_model(replies: Sequence[LabelledReply], embedder: Embedder, config: ToneConfig,
                     files: list[str], corpus: Corpus | None = None) -> ToneModel:
    """Train every head on all replies, with thresholds calibrated on shop folds of the same replies.

    Args:
        replies: The labelled replies (at least two shops, so that folds exist).
        embedder: The sentence embedder the guard will use at check time.
        config: Heads, budget, regularisation, seed, feature layout.
        files: The training files, recorded in the sidecar.
        corpus: The replies already cut and embedded (reused across leave-one-shop-out folds).
    """
    corpus = corpus or Corpus.build(replies, embedder)
    if len(set(corpus.shops().tolist())) < 2:
        raise ValueError("the tone model needs labelled replies from at least two shops to calibrate")
    metrics = head_metrics(corpus, out_of_fold_scores(corpus, config), config)
    weights, biases, examples, vectors = [], [], [], []
    for head in config.heads:
        w, b, chosen = fit_head(corpus, head, config)
        weights.append(w)
        biases.append(b)
        for piece in sorted(chosen, key=lambda p: corpus.replies[corpus.owner[p]].case_id)[: config.examples_per_head]:
            examples.append(Example(case_id=corpus.replies[corpus.owner[piece]].case_id, head=head,
                                    text=corpus.texts[piece]))
            vectors.append(corpus.embeddings[piece])
    sidecar = ToneSidecar(
        embedder=embedder.name, spec=config.features, heads=config.heads,
        thresholds=[m.threshold for m in metrics],
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        data_sha256=data_hash(corpus.replies), training_files=files,
        cases_per_shop=dict(sorted(Counter(r.shop for r in corpus.replies).items())),
        seed=config.seed, c=config.c, false_alarm_budget=config.false_alarm_budget,
        metrics={h.value: m for h, m in zip(config.heads, metrics, strict=True)},
        examples=examples,
    )
    example_matrix = np.vstack(vectors) if vectors else np.zeros((0, config.features.embedding_dim))
    return ToneModel(sidecar, np.vstack(weights), np.array(biases), example_matrix)


def load_config(path: Path = DEFAULT_CONFIG) -> ToneConfig:
    """The training settings.

    Raises:
        UserError: the file does not match `ToneConfig`.
    """
    try:
        return ToneConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as exc:
        raise UserError(f"invalid tone config: {exc}", where=str(path)) from exc


def training_paths(config: ToneConfig, root: Path) -> list[Path]:
    """The training sets as paths; a set inside evals/heldout*/ is refused (held-out data is never trained on).

    Raises:
        UserError: a set is missing or lies inside evals/heldout*/.
    """
    evals = (root / "evals").resolve()
    paths = []
    for name in config.training_sets:
        path = (root / name).resolve()
        inside = path.relative_to(evals).parts if path.is_relative_to(evals) else ()
        if inside and inside[0].startswith("heldout"):
            raise UserError("evals/heldout*/ is held out and never trained on", where=name)
        if not path.exists():
            raise UserError("training set not found", where=name)
        paths.append(path)
    return paths
