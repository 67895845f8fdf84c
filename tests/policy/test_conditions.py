"""No-reason conditions: the rules schema, the buyer's statements about the goods, the order facts."""

from __future__ import annotations

from datetime import datetime

import pytest

from service.errors import DocumentError
from service.knowledge.document import parse_document
from service.policy.decision import decide
from service.policy.facts import compute_order_facts
from service.policy.item_state import item_state_reader
from service.policy.order import Order
from service.policy.rules import RuleOverrides, effective_rules

NOW = datetime.fromisoformat("2026-11-10T10:00:00+08:00")
RULES = effective_rules([("p", RuleOverrides.model_validate({"no_reason_conditions": [
    {"requires": "tags_on", "text": "吊牌齐全"},
    {"requires": "unopened", "categories": ["化妆品"], "text": "密封包装未拆"},
]}))])


def _order(category: str) -> Order:
    return Order.model_validate({
        "status": "delivered", "delivered_at": "2026-11-06T10:00:00+08:00",
        "items": [{"sku": "X1", "category": category}],
    })


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("用了两次", {"used": True, "opened": True}),
        ("拆开了", {"opened": True}),
        ("吊牌剪了", {"tags_removed": True}),
        ("only tried it once", {"tried": True, "opened": True}),
        ("还没拆封,不想要了", {"opened": False}),
        ("I haven't opened it", {"opened": False}),
        ("盒子扔了", {"incomplete": True}),
        ("试穿了一下不合适", {"tried": True, "opened": True}),
        ("我用了优惠券", {}),
        ("快递拆开了,东西没动过", {"opened": False}),
    ],
)
def test_item_states(text: str, states: dict[str, bool]) -> None:
    assert item_state_reader().states([text]) == states


def test_conditions_apply_by_category_and_buyer_statements_fail_them() -> None:
    cream = compute_order_facts(RULES, _order("化妆品"), NOW, buyer_texts=["拆封了,不喜欢"])
    assert [c.requires for c in cream.no_reason_conditions] == ["tags_on", "unopened"]
    assert [c.requires for c in cream.unmet_conditions] == ["unopened"]
    assert decide("return", cream) == "return_no_reason_condition_unmet"
    assert any("密封包装未拆" in line for line in cream.summary_lines())
    shirt = compute_order_facts(RULES, _order("服装"), NOW, buyer_texts=["拆封了,不喜欢"])
    assert [c.requires for c in shirt.no_reason_conditions] == ["tags_on"]
    assert shirt.unmet_conditions == []
    assert decide("return", shirt) == "return_no_reason_open"


def test_later_statements_win() -> None:
    facts = compute_order_facts(RULES, _order("服装"), NOW, buyer_texts=["吊牌剪了", "不对,吊牌还在"])
    assert facts.item_states == {"tags_removed": False}
    assert facts.unmet_conditions == []


def test_bad_condition_is_a_document_error_naming_the_field() -> None:
    text = "---\nid: p\ntype: policy\ntitle: t\nrules:\n  no_reason_conditions:\n    - {requires: sealed, text: x}\n---\n"
    with pytest.raises(DocumentError) as info:
        parse_document(text, shop_id="s", path="p.md")
    assert "no_reason_conditions" in str(info.value)
