"""The shipping cut-off and rest days read from a shop's shipping policy, and the day an order leaves."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from service.knowledge.base import ShopKnowledge
from service.knowledge.document import parse_document
from service.policy.shipping_schedule import ShippingSchedule


def _policy(body: str) -> ShopKnowledge:
    text = f"---\nid: policy-shipping\ntype: policy\ntitle: 发货说明\n---\n# 发货\n{body}\n"
    return ShopKnowledge.build("s", [parse_document(text, shop_id="s", path="policy-shipping.md")])


@pytest.mark.parametrize(("body", "cutoff", "firm", "rest"), [
    ("- 每天 16:00 前付款的订单当天发出,之后次日发出,周末也正常发货。", time(16), True, ()),
    ("- 当天 15点30 前下单一般当天发货。", time(15, 30), False, ()),
    ("- 工作日 15:00 前付款的订单当天发出。", time(15), True, (5, 6)),
    ("- 每天 17:00 前付款的订单当天发出。\n- 周日仓库休息,周一统一发出。", time(17), True, (6,)),
    ("- 付款后 48 小时内发货。", None, True, ()),
])
def test_the_cutoff_and_rest_days_are_read_from_the_policy(body: str, cutoff: time | None, firm: bool,
                                                            rest: tuple[int, ...]) -> None:
    schedule = _policy(body).schedule
    assert (schedule.cutoff, schedule.firm, schedule.rest_weekdays) == (cutoff, firm, rest)


def test_an_order_paid_after_the_cutoff_leaves_the_next_working_day() -> None:
    schedule = ShippingSchedule(cutoff=time(17), rest_weekdays=(6,))
    assert schedule.ship_day(datetime(2026, 12, 2, 16, 59)) == date(2026, 12, 2)  # Wednesday, before 17:00
    assert schedule.ship_day(datetime(2026, 12, 2, 17, 0)) == date(2026, 12, 3)
    assert schedule.ship_day(datetime(2026, 12, 5, 18, 30)) == date(2026, 12, 7)  # Saturday evening → Monday
    assert ShippingSchedule().ship_day(datetime(2026, 12, 2, 10)) is None


def test_an_edit_to_the_shipping_policy_changes_the_schedule() -> None:
    shop = _policy("- 每天 16:00 前付款的订单当天发出。")
    text = "---\nid: policy-shipping\ntype: policy\ntitle: 发货说明\n---\n# 发货\n- 每天 18:00 前付款的订单当天发出。\n"
    edited = shop.with_doc(parse_document(text, shop_id="s", path="policy-shipping.md"), 2)
    assert edited.schedule.cutoff == time(18)
