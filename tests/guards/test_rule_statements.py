"""The shop's own window stated as a rule is not a refusal of this order; a wrong window still is."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from service.evaluation.shops import load_shop_knowledge
from service.guards.checker import ReplyChecker
from service.guards.registry import default_runner
from service.policy.order import Order

ORDER = Order.model_validate({
    "status": "delivered", "delivered_at": "2026-11-04T12:00:00+08:00",
    "items": [{"sku": "AB3", "title": "AirBeat 3", "category": "耳机", "price": 299, "qty": 1}],
})
DAY_2 = datetime.fromisoformat("2026-11-06T10:00:00+08:00")


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        ("亲,签收超过7天就不能无理由退货了,您现在还在期限内,可以放心申请。", False),
        ("亲,过了七天以后就不支持无理由退货了哦,您这单还来得及。", False),
        ("亲,超过3天就不能无理由退货了。", True),  # not the shop's window
        ("亲,已经超过7天了,不能无理由退货了。", True),  # asserts this order is past it: day 2 is not
    ],
)
def test_rule_statement_vs_refusal(reply: str, flagged: bool) -> None:
    checker = ReplyChecker(default_runner(), ZoneInfo("Asia/Shanghai"))
    result = checker.check(load_shop_knowledge("demo"), reply, now=DAY_2, order=ORDER)
    assert any(v.category == "refund_rule" for v in result.violations) is flagged
