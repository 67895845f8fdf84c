"""Request kinds on the labelled buyer messages of evals/kinds: how often each way of labelling them is right.

- the intent table (keywords and patterns, data/intents.yaml), mapped to kinds as the planner maps them;
  a message it recognises nothing in counts as `product_fact`, as in the planner;
- the nearest seed example (data/question_kinds.yaml, k=1, the planner's labeller before the learned model);
- the learned model, each shop domain labelled by a model trained without it (leave one domain out).

usage: python bench/kind_accuracy.py
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from service.drafting.intents import classify_intent
from service.guards.base import Turn
from service.planning.builder import KIND_BY_INTENT
from service.planning.kind_training import KIND_SETS, load_kind_sets, train_kind_model
from service.planning.kinds import KindClassifier
from service.planning.models import QuestionKind
from service.retrieval.embeddings import build_embedder
from service.settings import get_settings


def main() -> None:
    messages = load_kind_sets([KIND_SETS])
    embedder = build_embedder(get_settings().embedding)
    vectors = np.asarray(embedder.embed([m.text for m in messages]), dtype=np.float32)
    nearest = KindClassifier(embedder)
    table_right: Counter[str] = Counter()
    nearest_right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for message, vector in zip(messages, vectors, strict=True):
        intent = classify_intent([Turn(role="customer", text=message.text)])
        table = KIND_BY_INTENT.get(intent, QuestionKind.product_fact)
        labelled = nearest.classify(vector, message.text)
        near = labelled[0] if labelled else QuestionKind.product_fact
        total[message.kind] += 1
        table_right[message.kind] += table is message.kind
        nearest_right[message.kind] += near is message.kind
    model = train_kind_model(messages, embedder)
    held = model.sidecar.held_out_domains
    n = sum(total.values())
    print(f"{n} labelled messages over {len(held)} shop domains (evals/kinds)")
    print(f"intent table:       accuracy {sum(table_right.values()) / n:.3f}")
    print(f"nearest example:    accuracy {sum(nearest_right.values()) / n:.3f}")
    mean = sum(s.accuracy * s.examples for s in held.values()) / sum(s.examples for s in held.values())
    worst = min(held.items(), key=lambda item: item[1].accuracy)
    answered = sum(s.answered * s.examples for s in held.values()) / sum(s.examples for s in held.values())
    print(f"learned, domain left out: accuracy {mean:.3f} (worst {worst[0]} {worst[1].accuracy:.3f}); "
          f"threshold {model.sidecar.threshold:.3f} answers {answered:.3f} of messages")
    print("per kind (table / nearest):")
    for kind in total:
        print(f"  {kind:13s} {total[kind]:4d}  {table_right[kind] / total[kind]:.2f} / "
              f"{nearest_right[kind] / total[kind]:.2f}")


if __name__ == "__main__":
    main()
