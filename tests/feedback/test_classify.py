"""Edit classes, outcomes and added facts: a table of agents' real kinds of edits."""

from __future__ import annotations

import pytest

from service.feedback.classify import EditClassifier, EditTerms, fact_vocabulary, normalize
from service.feedback.models import EditClass, Outcome
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.settings import FeedbackSettings

CLASSIFIER = EditClassifier(EditTerms.load(FeedbackSettings().terms))
PRODUCTS = ["trailDome 2".lower(), "td2", "双人帐篷"]

RETURN = "亲,质量问题签收7天内可以退货,来回运费我们承担哦。"
TENT = "亲,这款双人帐篷重2.1kg,防水指数3000mm。"


@pytest.mark.parametrize(("draft", "sent", "classes"), [
    (TENT, "亲,这款双人帐篷重2.5kg,防水指数3000mm。", [EditClass.fact]),  # a spec value
    (TENT, "亲,这款单人帐篷重2.1kg,防水指数3000mm。", [EditClass.fact]),  # the product named
    (TENT, "亲,这款双人帐篷重2.1kg,防水指数3000mm,雨天也放心。", [EditClass.tone]),
    (TENT, "您好呀,这款双人帐篷重2.1kg,防水指数3000mm呢~", [EditClass.tone]),
    (TENT, "亲,這款双人帐篷重２.１kg,防水指数3000mm。", [EditClass.tone]),  # full-width digits are the same
    (RETURN, "亲,质量问题签收15天内可以退货,来回运费我们承担哦。", [EditClass.policy]),  # a policy number
    (RETURN, "亲,质量问题签收7天内可以换货,来回运费我们承担哦。", [EditClass.policy]),  # a policy term
    (RETURN, "亲,质量问题签收七天内可以退货,来回运费我们承担哦!", [EditClass.tone]),  # 七天 is 7天
    (RETURN, "亲,质量问题签收7天内可以退货,来回运费我们承担哦。这款双人帐篷2.5kg。", [EditClass.fact]),
    (RETURN, "亲,质量问题签收15天内可以退货,来回运费我们承担哦。这款双人帐篷2.5kg。",
     [EditClass.fact, EditClass.policy]),
])
def test_edit_classes(draft: str, sent: str, classes: list[EditClass]) -> None:
    assert CLASSIFIER.edit_classes(normalize(draft), normalize(sent), PRODUCTS) == classes


@pytest.mark.parametrize(("index", "sent", "outcome", "distance"), [
    (0, RETURN, Outcome.as_is, 0),
    (0, RETURN.replace("哦", "") + "  ", Outcome.edited, 1),  # trailing whitespace does not count, a particle does
    (0, RETURN.replace("7天", "15天"), Outcome.edited, 2),  # characters, not bytes: 7→1, +5
    (0, "好的,马上给您安排补发,请留意物流信息。", Outcome.ignored, None),  # chosen, then rewritten
    (None, TENT, Outcome.ignored, 0),  # no draft chosen: ignored, compared with the closest draft
])
def test_outcomes(index: int | None, sent: str, outcome: Outcome, distance: int | None) -> None:
    result = CLASSIFIER.classify([RETURN, TENT], index, sent, PRODUCTS)
    assert result.outcome is outcome
    if outcome is Outcome.as_is:
        assert result.edit_classes == []
    if distance is not None:
        assert result.distance == distance
    if index is None:
        assert result.compared_index == 1 and result.similarity == 1.0


def test_a_whitespace_only_change_is_as_is() -> None:
    result = CLASSIFIER.classify([TENT], 0, TENT.replace(",", ", ", 1), PRODUCTS)
    assert result.outcome is Outcome.edited and result.distance == 1  # a space inside the text is an edit
    assert CLASSIFIER.classify([TENT], 0, f"  {TENT}\n", PRODUCTS).outcome is Outcome.as_is


def test_added_facts_are_the_numbers_and_words_the_draft_lacks() -> None:
    added = CLASSIFIER.added_facts(normalize(TENT), normalize("亲,这款双人帐篷重2.1kg,防水指数5000mm,送两个地钉,顺丰SF123456。"))
    assert "5000mm" in added and "2个" in added and "地钉" in added and "sf123456" in added
    assert "2.1kg" not in added and "帐篷" not in added and "亲" not in added


def test_no_drafts_means_ignored() -> None:
    result = CLASSIFIER.classify([], None, "您好,订单已发出", PRODUCTS)
    assert result.outcome is Outcome.ignored and result.compared_index is None and result.distance is None


def test_fact_vocabulary_names_products_and_textual_specs() -> None:
    doc = parse_document("---\nid: tent-td2\ntype: product\ntitle: 双人帐篷 TrailDome 2\nsku: TD2\ncategory: 帐篷\n"
                         "price: 699\n---\n## 规格\n- 颜色: 军绿色\n- 重量: 2.1kg\n", shop_id="s", path="tent-td2.md")
    vocabulary = fact_vocabulary(ShopKnowledge.build("s", [doc]))
    assert {"td2", "双人帐篷 traildome 2", "双人帐篷", "traildome", "军绿色"} <= vocabulary
    assert "2.1kg" not in vocabulary  # numbers are compared as numbers
