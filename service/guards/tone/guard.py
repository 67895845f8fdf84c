"""The learned tone and intent guard: scores every piece of a reply, reports pieces above a head's threshold.

One embedding call per reply (all pieces in one batch); repeated pieces (a draft checked again after
repair) come from a small cache. A finding names its span, the head's probability and the nearest
labelled example, so the agent sees why.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from service.guards.base import Category, GuardContext, Severity, Violation
from service.guards.tone.model import ToneModel
from service.guards.tone.segment import segment
from service.retrieval.embeddings import Embedder
from service.text_features import scores

_LABELS = {
    Category.blame: "指责买家或推卸责任的语气",
    Category.platform_rule: "违反平台规则的说法",
    Category.false_promise: "无法保证的承诺",
    Category.refund_rule: "错误的退换规则",
    Category.ungrounded_fact: "没有依据的商品说法",
}
CACHE_SIZE = 2048


class ToneGuard:
    """Flags pieces whose learned score passes the head's calibrated threshold."""

    name = "tone"

    def __init__(self, model: ToneModel, embedder: Embedder, cache_size: int = CACHE_SIZE) -> None:
        """
        Args:
            model: The trained heads.
            embedder: The embedder the model was trained on (checked by name).
            cache_size: Pieces whose embeddings are kept (0: none; benchmarks measure uncached checks).
        """
        if embedder.name != model.sidecar.embedder:
            raise ValueError(f"tone model was trained on embedder {model.sidecar.embedder}, not {embedder.name}")
        self.model = model
        self.embedder = embedder
        self.cache_size = cache_size
        self._cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()

    def _embed(self, texts: list[str]) -> npt.NDArray[np.float32]:
        if self.cache_size <= 0:
            return np.asarray(self.embedder.embed(texts), dtype=np.float32)
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[text] = vector
        for text in texts:
            self._cache.move_to_end(text)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.vstack([self._cache[t] for t in texts])

    def check(self, ctx: GuardContext) -> list[Violation]:
        spans = segment(ctx.reply)
        if not spans:
            return []
        texts = [ctx.reply[s:e] for s, e in spans]
        vectors = self._embed(texts)
        model = self.model
        values = scores(model.weights, model.bias, vectors, texts, model.sidecar.spec)
        violations = []
        for row, col in zip(*np.nonzero(values > model.thresholds), strict=True):
            head = model.heads[int(col)]
            probability = 1 / (1 + np.exp(-values[row, col]))
            example = model.nearest_example(int(col), vectors[row])
            like = f";最接近的标注例 {example.case_id}「{example.text}」" if example else ""
            violations.append(Violation(
                category=head,
                rule=f"{head.value}.learned",
                severity=Severity.error,
                message=f"这句话像是{_LABELS[head]}(模型 p={probability:.2f}){like}",
                span=spans[int(row)],
            ))
        return violations
