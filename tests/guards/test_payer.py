"""refund_rule, who pays: payer claims in any word order, checked against the shop's rules."""

from __future__ import annotations

import pytest

from service.guards.payer import PayerClaims
from service.guards.refund_rule import RefundRuleGuard
from service.guards.text_scan import load_data
from tests.guards.shops import make_ctx, order

GUARD = RefundRuleGuard()
PAYERS = PayerClaims(load_data("payer"))
TENT = order("CD2", "帐篷")  # long_returns: the shop pays no-reason return shipping


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("寄回运费就辛苦您出一下啦", "buyer_pays"),
        ("退回来的运费不就只能您自己出了嘛", "buyer_pays"),
        ("差额就需要您自行承担", "buyer_pays"),
        ("运费我们出", "seller_pays"),
        ("暖暖这边也会帮您承担寄回的运费", "seller_pays"),
        ("寄回运费不用您出", "seller_pays"),
        ("运费这块我们不承担", "buyer_pays"),
    ],
)
def test_payer_of_a_cost(text: str, kind: str) -> None:
    assert [c.kind for c in PAYERS.find(text)] == [kind]


def test_no_claim_without_a_cost_or_about_insurance() -> None:
    assert PAYERS.find("您先申请退货,我们帮您处理") == []
    assert PAYERS.find("寄回运费由运费险理赔,不用您出") == []


def test_buyer_pays_where_the_shop_pays() -> None:
    ctx = make_ctx("long_returns", "亲,尺码不合适的话,寄回运费就辛苦您出一下啦。", TENT, ("尺码小了想退",))
    assert "refund_rule.return_shipping" in {v.rule for v in GUARD.check(ctx)}
