from __future__ import annotations

from datetime import date, datetime

import pytest

from service.errors import ConflictError
from service.policy.facts import compute_order_facts
from service.policy.order import Order
from service.policy.rules import LAW_DEFAULTS, RuleOverrides, effective_rules

SIGNED = "2026-11-04T15:00:00+08:00"


def order(**kw: object) -> Order:
    data: dict[str, object] = {
        "order_id": "T1", "status": "delivered", "paid_at": "2026-11-01T10:00:00+08:00",
        "shipped_at": "2026-11-02T09:00:00+08:00", "delivered_at": SIGNED,
        "items": [{"sku": "AB3", "title": "耳机", "category": "耳机", "price": 299, "qty": 1}],
    }
    data.update(kw)
    return Order.model_validate(data)


@pytest.mark.parametrize(
    ("now", "days", "no_reason_open", "quality_return_open", "exchange_open"),
    [
        ("2026-11-04T20:00:00+08:00", 0, True, True, True),
        ("2026-11-11T23:59:00+08:00", 7, True, True, True),   # day 7 = last day (签收次日 is day 1)
        ("2026-11-12T00:01:00+08:00", 8, False, False, True),
        ("2026-11-16T10:00:00+08:00", 12, False, False, True),  # "delivered 12 days ago"
        ("2026-11-20T10:00:00+08:00", 16, False, False, False),
        ("2026-11-11T17:00:00+00:00", 8, False, False, True),  # 01:00 on 11-12 in Shanghai
    ],
)
def test_law_default_windows(now: str, days: int, no_reason_open: bool, quality_return_open: bool,
                             exchange_open: bool) -> None:
    facts = compute_order_facts(LAW_DEFAULTS, order(), datetime.fromisoformat(now))
    assert facts.days_since_delivery == days
    assert facts.no_reason_return.open is no_reason_open
    assert facts.quality_return.open is quality_return_open
    assert facts.quality_exchange.open is exchange_open
    assert facts.no_reason_return.deadline == date(2026, 11, 11)


def test_shop_rules_override_law_and_exclusions_apply() -> None:
    rules = effective_rules([("policy-returns", RuleOverrides(
        no_reason_return_days=15, no_reason_excluded_categories=["定制商品"], no_reason_return_shipping="seller"))])
    assert rules.no_reason_return_days == 15 and rules.refund_within_days == 7
    facts = compute_order_facts(rules, order(), datetime.fromisoformat("2026-11-16T10:00:00+08:00"))
    assert facts.no_reason_return.open and facts.no_reason_return_shipping == "seller"
    custom = order(items=[{"sku": "E1", "title": "刻字保护套", "category": "定制商品", "price": 59, "qty": 1}])
    facts = compute_order_facts(rules, custom, datetime.fromisoformat("2026-11-05T10:00:00+08:00"))
    assert not facts.no_reason_return.open and facts.excluded_items == ["刻字保护套"]


def test_unshipped_order_can_be_refunded_directly_and_late_shipping_is_seen() -> None:
    paid = order(status="paid", shipped_at=None, delivered_at=None)
    facts = compute_order_facts(LAW_DEFAULTS, paid, datetime.fromisoformat("2026-11-04T10:00:00+08:00"))
    assert facts.can_refund_directly and facts.shipped_late is True and facts.days_since_delivery is None


def test_two_policy_docs_may_not_set_the_same_rule() -> None:
    with pytest.raises(ConflictError, match="refund_within_days"):
        effective_rules([("a", RuleOverrides(refund_within_days=3)), ("b", RuleOverrides(refund_within_days=5))])
