"""The learned request-kind model: loading labelled sets, held-out domains, threshold, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from service.errors import UserError
from service.planning.builder import reconcile
from service.planning.kind_model import DEFAULT_KIND_MODEL, KindModel
from service.planning.kind_training import (
    LabelledMessage,
    _threshold,
    load_kind_sets,
    train_kind_model,
)
from service.planning.models import QuestionKind
from service.retrieval.embeddings import HashingEmbedder, UseOnnxEmbedder

# three made-up shop domains whose messages share each kind's wording, so a model trained on two labels the third
TEMPLATES = {
    QuestionKind.logistics: ["{p}什么时候发货", "{p}发什么快递", "{p}几天能到", "when does the {p} ship"],
    QuestionKind.bargain: ["{p}能便宜点吗", "{p}有优惠券吗", "{p}打个折吧", "any discount on the {p}"],
    QuestionKind.complaint: ["{p}收到是坏的", "{p}质量太差了我要投诉", "{p}发错了", "the {p} arrived broken"],
    QuestionKind.policy: ["{p}不喜欢能退吗", "{p}退货运费谁出", "{p}能开发票吗", "can I return the {p}"],
}
DOMAINS = {"tea": ["茶壶", "茶杯"], "shoes": ["跑鞋", "拖鞋"], "toys": ["积木", "玩偶"]}


def _messages() -> list[LabelledMessage]:
    return [LabelledMessage(domain, template.format(p=product), kind)
            for domain, products in DOMAINS.items() for product in products
            for kind, templates in TEMPLATES.items() for template in templates]


def test_sets_load_and_refuse_what_is_not_a_kind(tmp_path: Path) -> None:
    good = tmp_path / "tea.yaml"
    good.write_text(yaml.safe_dump({"domain": "tea", "examples": [
        {"text": "茶壶几天到", "kind": "logistics", "lang": "zh", "has_order": True}]}, allow_unicode=True))
    messages = load_kind_sets([tmp_path])
    assert messages == [LabelledMessage("tea", "茶壶几天到", QuestionKind.logistics)]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump({"domain": "x", "examples": [
        {"text": "哪个好", "kind": "comparison"}]}))
    with pytest.raises(UserError, match="not learned") as caught:
        load_kind_sets([tmp_path])
    assert "bad.yaml: examples[0]" in str(caught.value.where)
    with pytest.raises(UserError, match="not found"):
        load_kind_sets([tmp_path / "missing.yaml"])


def test_a_model_trained_on_other_domains_labels_a_new_one() -> None:
    embedder = HashingEmbedder()
    messages = _messages()
    model = train_kind_model(messages, embedder, target_precision=0.8)
    assert set(model.sidecar.held_out_domains) == set(DOMAINS)
    assert all(score.accuracy >= 0.75 for score in model.sidecar.held_out_domains.values())
    for text, kind in [("雨伞什么时候发货", QuestionKind.logistics), ("雨伞能便宜点吗", QuestionKind.bargain),
                       ("雨伞收到是坏的", QuestionKind.complaint)]:
        probs = model.probabilities(embedder.embed([text])[0], text)
        assert max(probs, key=lambda k: probs[k]) is kind


def test_saved_model_scores_exactly_as_trained_and_abstains_below_its_threshold(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    model = train_kind_model(_messages(), embedder, target_precision=0.8)
    model.save(tmp_path / "kinds")
    loaded = KindModel.load(tmp_path / "kinds")
    text = "积木什么时候发货"
    vector = embedder.embed([text])[0]
    assert loaded.probabilities(vector, text) == pytest.approx(model.probabilities(vector, text), abs=2e-3)
    strict = KindModel(loaded.sidecar.model_copy(update={"threshold": 1.01, "override": 1.01}), loaded.weights,
                       loaded.bias)
    assert strict.classify(vector, text) is None
    lenient = KindModel(loaded.sidecar.model_copy(update={"threshold": 0.0, "override": 1.01}), loaded.weights,
                        loaded.bias)
    assert lenient.classify(vector, text) == (QuestionKind.logistics, False)


def test_threshold_is_the_lowest_score_keeping_the_precision() -> None:
    top = np.array([0.95, 0.9, 0.8, 0.7, 0.6])
    right = np.array([True, True, False, True, False])
    assert _threshold(top, right, 0.75) == pytest.approx(0.7)  # 3 of the 4 above 0.7 are right
    assert _threshold(top, right, 1.0) == pytest.approx(0.9)
    assert _threshold(top, np.zeros(5, dtype=bool), 0.5) == 1.0


def test_the_committed_model_matches_its_sidecar() -> None:
    model = KindModel.load(DEFAULT_KIND_MODEL)
    assert model.sidecar.embedder == "use-multilingual-v3-int8"
    assert 0.0 < model.sidecar.threshold < 1.0
    assert len(model.sidecar.held_out_domains) >= 4


@pytest.mark.parametrize(("intent", "learned", "text", "expected"), [
    ("return", None, "不喜欢能退吗", "return"),  # no opinion: the table's
    ("return", (QuestionKind.policy, True), "不喜欢能退吗", "return"),  # agreeing: the table's finer intent
    ("return", (QuestionKind.product_fact, False), "礼盒口味能换吗", "return"),  # unsure against a keyword: table
    ("return", (QuestionKind.product_fact, True), "礼盒口味能换吗", "product_question"),  # sure: the model
    ("product_question", (QuestionKind.logistics, False), "五点多付的款今天能发吗", "logistics"),  # table heard nothing
    ("greeting", (QuestionKind.complaint, False), "您好,收到的杯子裂了一道缝", "quality"),  # a long greeting asks more
    ("greeting", (QuestionKind.complaint, False), "您好", "greeting"),
    ("product_question", (QuestionKind.smalltalk, False), "好的呢亲亲", "greeting"),
])
def test_the_learned_kind_overrules_the_table_only_when_sure_or_the_table_heard_nothing(
        intent: str, learned: tuple[QuestionKind, bool] | None, text: str, expected: str) -> None:
    assert reconcile(intent, learned, text) == expected


@pytest.mark.integration
@pytest.mark.parametrize(("message", "kind"), [
    ("昨天下午五点多付的款,今天能发吗", QuestionKind.logistics),
    ("沙发昨天送到的,今天发现扶手那里面料划破了一道口子,怎么处理", QuestionKind.complaint),
    ("Any discount if I buy two?", QuestionKind.bargain),
])
def test_the_committed_model_labels_messages_the_intent_table_misses(message: str, kind: QuestionKind) -> None:
    embedder = UseOnnxEmbedder()
    model = KindModel.load(DEFAULT_KIND_MODEL)
    found = model.classify(embedder.embed([message])[0], message)
    assert found is not None and found[0] is kind
