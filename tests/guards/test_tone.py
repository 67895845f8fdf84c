"""The learned tone layer: pieces, features, training (hashing embedder, own tiny shops), folds, the guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.errors import MissingDependencyError, UserError
from service.guards.base import Category
from service.guards.tone.guard import ToneGuard
from service.guards.tone.model import ToneModel
from service.guards.tone.segment import segment
from service.guards.tone.train import (
    Corpus,
    LabelledReply,
    ToneConfig,
    out_of_fold_scores,
    threshold_for_budget,
    train_tone_model,
    training_paths,
)
from service.retrieval.embeddings import HashingEmbedder, build_embedder
from service.settings import Settings
from service.text_features import FeatureSpec, design_matrix, scores
from tests.guards.shops import make_ctx


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("亲,您自己没看清楚详情页吗?加我微信私下退给您。", ["亲,您自己没看清楚详情页吗?", "加我微信私下退给您。"]),
        ("好的。这是快递的问题,您去找快递吧~谢谢", ["好的。这是快递的问题,您去找快递吧~谢谢"]),
        ("It is your fault. Add me on WeChat!", ["It is your fault.", "Add me on WeChat!"]),
        ("亲,", ["亲,"]),
        ("  ", []),
    ],
)
def test_segment_cuts_sentences_and_merges_short_fragments(text: str, pieces: list[str]) -> None:
    assert [text[s:e] for s, e in segment(text)] == pieces


def test_a_long_sentence_is_cut_at_commas_into_parts_that_fit() -> None:
    text = "亲,您好,关于这个问题,我们这边已经帮您查询过了,物流显示已经签收,如果您没有收到的话,麻烦您先问一下家人,然后再联系我们。"
    spans = segment(text)
    assert len(spans) > 1 and all(e - s <= 40 for s, e in spans)
    assert "".join(text[s:e] for s, e in spans) == text


def test_check_time_scores_equal_the_training_matrix() -> None:
    spec = FeatureSpec(buckets=64, embedding_dim=8, embedding_weight=0.7, ngram_weight=1.3)
    rng = np.random.default_rng(0)
    texts = ["您自己没看清楚", "亲,7天无理由退货", "It's your fault"]
    embeddings = rng.normal(size=(3, 8)).astype(np.float32)
    weights, bias = rng.normal(size=(2, spec.width)), np.array([0.1, -0.2])
    expected = design_matrix(embeddings, texts, spec) @ weights.T + bias
    assert np.allclose(scores(weights, bias, embeddings, texts, spec), expected)


@pytest.mark.parametrize(
    ("negatives", "budget", "flagged"),
    [([0.1, 0.2, 0.3, 0.9], 0.2, 0), ([0.1, 0.2, 0.3, 0.9], 0.25, 1), ([0.5, 0.5, 0.1], 0.34, 0),
     ([0.1] * 99 + [5.0], 0.01, 1), ([0.1] * 99 + [5.0, 6.0], 0.01, 1)],
)
def test_threshold_flags_at_most_the_budget(negatives: list[float], budget: float, flagged: int) -> None:
    threshold = threshold_for_budget(np.array(negatives), budget)
    assert int((np.array(negatives) > threshold).sum()) == flagged


BLAME = ["您自己没看清楚详情页吧", "这是您自己操作不当造成的", "都跟您说过好几遍了您怎么还问", "您是不是没仔细看说明书啊",
         "这明明是您自己弄坏的", "您懂不懂怎么用啊"]
CLEAN = ["亲,麻烦您拍张照片给我们看看", "亲,签收后7天内可以无理由退货哦", "好的亲,已经帮您备注尽快发货",
         "亲,这款耳机支持蓝牙5.3", "不好意思让您久等了,我们马上处理", "亲,运费险会按规则理赔的", "收到,这边帮您登记换货",
         "亲,请在订单页申请售后", "感谢您的耐心,我们会跟进到底", "亲,这个尺码偏大一码"]


def _replies(shops: tuple[str, ...] = ("a", "b", "c")) -> list[LabelledReply]:
    replies = []
    for n, shop in enumerate(shops):
        for i, text in enumerate(BLAME):
            replies.append(LabelledReply(f"{shop}-b{i}", shop, f"亲,您好,很高兴为您服务。{text}。", frozenset({Category.blame})))
        for i, text in enumerate(CLEAN):
            greeting = "亲,您好,很高兴为您服务。" if i % 2 else ""  # greetings open clean replies too
            replies.append(LabelledReply(f"{shop}-c{i}", shop, greeting + text + "~" * n, frozenset()))
    return replies


def _config() -> ToneConfig:
    return ToneConfig(heads=[Category.blame], training_sets=["x"], false_alarm_budget=0.05, c=10,
                      features=FeatureSpec(buckets=1024, embedding_dim=256))


def test_training_is_reproducible_and_explains_with_the_blaming_piece(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    first = train_tone_model(_replies(), embedder, _config(), ["x"])
    second = train_tone_model(_replies(), embedder, _config(), ["x"])
    assert np.array_equal(first.weights, second.weights) and first.sidecar.thresholds == second.sidecar.thresholds
    assert first.sidecar.data_sha256 == second.sidecar.data_sha256
    assert first.sidecar.cases_per_shop == {"a": 16, "b": 16, "c": 16}
    # multiple-instance rounds: the example kept for a blaming reply is its blaming sentence, not the greeting
    assert all(e.text.rstrip("。") in BLAME for e in first.sidecar.examples)
    first.save(tmp_path / "tone")
    loaded = ToneModel.load(tmp_path / "tone")
    assert np.allclose(loaded.weights, first.weights) and loaded.sidecar == first.sidecar


def test_out_of_fold_scores_never_use_the_scored_shop() -> None:
    # shop c blames in words no other shop uses: only a model that saw shop c can score them high
    replies = [r for r in _replies() if not (r.shop == "c" and r.expect)]
    replies += [LabelledReply(f"c-x{i}", "c", f"qzxv wkpj {i}", frozenset({Category.blame})) for i in range(6)]
    corpus = Corpus.build(replies, HashingEmbedder())
    unique = np.array([r.case_id.startswith("c-x") for r in replies])
    oof = out_of_fold_scores(corpus, _config())[:, 0]
    inside = train_tone_model(replies, HashingEmbedder(), _config(), ["x"], corpus=corpus)
    from service.guards.tone.train import reply_scores

    seen = reply_scores(corpus, inside.weights, inside.bias, _config().features)[:, 0]
    assert seen[unique].min() > oof[unique].max()


def test_the_guard_reports_the_span_and_the_nearest_example() -> None:
    model = train_tone_model(_replies(), HashingEmbedder(), _config(), ["x"])
    guard = ToneGuard(model, HashingEmbedder())
    reply = "亲,我们已经查过了。这明明是您自己弄坏的。"
    [violation] = [v for v in guard.check(make_ctx("short_refunds", reply)) if v.category is Category.blame]
    assert reply[violation.span[0] : violation.span[1]] == "这明明是您自己弄坏的。"
    assert violation.rule == "blame.learned" and "最接近的标注例" in violation.message
    assert guard.check(make_ctx("short_refunds", "亲,麻烦您拍张照片给我们看看")) == []


def test_the_guard_refuses_a_model_trained_on_another_embedder() -> None:
    model = train_tone_model(_replies(), HashingEmbedder(), _config(), ["x"])
    other = HashingEmbedder()
    other.name = "another-embedder"  # type: ignore[misc]
    with pytest.raises(ValueError, match="embedder"):
        ToneGuard(model, other)


def test_training_needs_two_shops_and_refuses_the_held_out_sets(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two shops"):
        train_tone_model(_replies(("a",)), HashingEmbedder(), _config(), ["x"])
    for held_out in ("evals/heldout", "evals/heldout/guards"):
        (tmp_path / held_out).mkdir(parents=True)
        config = _config().model_copy(update={"training_sets": [held_out]})
        with pytest.raises(UserError, match="heldout"):
            training_paths(config, tmp_path)
    (tmp_path / "evals" / "guards").mkdir()
    assert training_paths(_config().model_copy(update={"training_sets": ["evals/guards"]}), tmp_path) == [
        (tmp_path / "evals" / "guards").resolve()
    ]


def test_a_missing_model_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(MissingDependencyError, match="kefu guards train"):
        ToneModel.load(tmp_path / "nothing")


def test_the_packaged_model_flags_its_strongest_example_in_a_reply_with_the_real_embedder() -> None:
    settings = Settings()
    embedder = build_embedder(settings.embedding)
    model = ToneModel.load(settings.guards.tone_model)
    assert model.sidecar.embedder == embedder.name and model.heads == [Category.blame]
    texts = [e.text for e in model.sidecar.examples]
    values = scores(model.weights, model.bias, embedder.embed(texts), texts, model.sidecar.spec)[:, 0]
    strongest = texts[int(np.argmax(values))]
    greeting = "亲,您好,很高兴为您服务,这边帮您看一下订单。"
    reply = greeting + strongest
    found = ToneGuard(model, embedder).check(make_ctx("short_refunds", reply))
    assert [(v.rule, reply[v.span[0] : v.span[1]]) for v in found] == [("blame.learned", strongest)]
    assert "最接近的标注例" in found[0].message
    assert ToneGuard(model, embedder).check(make_ctx("short_refunds", greeting)) == []


def test_eval_guards_says_when_the_model_is_older_than_the_labelled_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from service.cli import app
    from service.settings import get_settings

    packaged = Settings().guards.tone_model
    stale = tmp_path / "tone_model"
    stale.with_suffix(".npz").write_bytes(packaged.with_suffix(".npz").read_bytes())
    sidecar = ToneModel.load(packaged).sidecar.model_copy(update={"data_sha256": "0" * 64})
    stale.with_suffix(".json").write_text(sidecar.model_dump_json(), encoding="utf-8")
    monkeypatch.setenv("KEFU_GUARDS__TONE_MODEL", str(stale))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["eval", "guards", "evals/guards/blame.yaml"], env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "kefu guards train" in result.output and "000000000000" in result.output
