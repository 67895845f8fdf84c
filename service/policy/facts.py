"""Order facts: what this shop's rules mean for this order today (day counts, open return paths)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field

from service.policy.item_state import item_state_reader
from service.policy.order import Order, OrderStatus
from service.policy.rules import NoReasonCondition, ShippingPayer, ShopRules


class Window(BaseModel):
    """A right that is open until a deadline (inclusive), counted from the day after 签收."""

    days: int
    open: bool
    deadline: date | None = None
    reason: str = ""


class OrderFacts(BaseModel):
    """Everything the prompt and the guards need to know about an order, computed once."""

    today: date
    status: OrderStatus | None = None
    delivered: bool = False
    days_since_delivery: int | None = Field(None, description="0 on the day of 签收")
    no_reason_return: Window
    quality_return: Window
    quality_exchange: Window
    excluded_items: list[str] = Field(default_factory=list, description="items excluded from no-reason return")
    excluded_categories: list[str] = Field(default_factory=list, description="their categories")
    no_reason_conditions: list[NoReasonCondition] = Field(
        default_factory=list, description="conditions the order's goods must meet for a no-reason return"
    )
    item_states: dict[str, bool] = Field(
        default_factory=dict, description="what the buyer said about the goods: state → true (said so) / false (denied)"
    )
    unmet_conditions: list[NoReasonCondition] = Field(
        default_factory=list, description="conditions the buyer's own statements say the goods fail"
    )
    no_reason_return_shipping: ShippingPayer
    insurance_covers_return_shipping: bool = False
    refund_within_days: int
    can_refund_directly: bool = Field(False, description="paid but not shipped: cancel and refund")
    ship_deadline: datetime | None = None
    shipped_late: bool | None = None
    compensation_limit_yuan: float
    order_value_yuan: float = 0.0

    def summary_lines(self) -> list[str]:
        """Short Chinese facts for the prompt, one per line."""
        lines = [f"今天: {self.today.isoformat()}"]
        if self.status is None:
            lines.append("买家未提供订单")
        else:
            lines.append(f"订单状态: {self.status.value}")
        if self.days_since_delivery is not None:
            lines.append(f"签收已 {self.days_since_delivery} 天")
        lines.append(_window_line("7天无理由退货" if self.no_reason_return.days == 7 else
                                  f"{self.no_reason_return.days}天无理由退货", self.no_reason_return))
        if self.excluded_items:
            lines.append("不支持无理由退货的商品: " + "、".join(self.excluded_items))
        lines.append(_window_line(f"质量问题退货({self.quality_return.days}天)", self.quality_return))
        lines.append(_window_line(f"质量问题换货({self.quality_exchange.days}天)", self.quality_exchange))
        for condition in self.no_reason_conditions:
            lines.append(f"无理由退货条件: {condition.text}")
        for condition in self.unmet_conditions:
            lines.append(f"买家所述商品状态不符合无理由退货条件: {condition.text}")
        payer = "卖家" if self.no_reason_return_shipping == "seller" else "买家"
        insurance = ",订单有运费险可抵扣买家寄回运费" if self.insurance_covers_return_shipping else ""
        lines.append(f"无理由退货运费: {payer}承担{insurance};质量问题/错发漏发: 卖家承担来回运费")
        lines.append(f"退款时效: 收到退货后 {self.refund_within_days} 天内原路退回")
        if self.can_refund_directly:
            lines.append("订单未发货: 可直接取消并退款")
        lines.append(f"客服可主动补偿上限: {self.compensation_limit_yuan:g} 元,超出需升级主管")
        return lines


def _window_line(name: str, window: Window) -> str:
    if window.open and window.deadline:
        return f"{name}: 可以,截止 {window.deadline.isoformat()}"
    if window.open:
        return f"{name}: 可以({window.reason})"
    return f"{name}: 不可以({window.reason})"


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of `moment` in the shop's zone (naive times are taken as shop-local)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(zone).date()


STATUTORY_FILE = Path(__file__).with_name("data") / "statutory_exclusions.yaml"


@lru_cache
def statutory_exclusion_terms(path: Path = STATUTORY_FILE) -> tuple[str, ...]:
    """Terms naming the goods the law excludes from no-reason return whatever the shop configures."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(str(term) for term in data["terms"])


def is_excluded_category(category: str, rules: ShopRules) -> bool:
    """True when the shop's policy or the law excludes this category from no-reason return."""
    return bool(category) and (
        category in rules.no_reason_excluded_categories or any(t in category for t in statutory_exclusion_terms())
    )


def _window(days: int, delivered_on: date | None, today: date, status: OrderStatus | None) -> Window:
    if status is None:
        return Window(days=days, open=True, reason="无订单,按签收次日起算")
    if delivered_on is None:
        if status in (OrderStatus.unpaid, OrderStatus.paid, OrderStatus.shipped):
            return Window(days=days, open=True, reason="尚未签收,签收次日起算")
        return Window(days=days, open=False, reason=f"订单状态为 {status.value}")
    deadline = delivered_on + timedelta(days=days)
    if today <= deadline:
        return Window(days=days, open=True, deadline=deadline, reason="")
    return Window(days=days, open=False, deadline=deadline, reason=f"已于 {deadline.isoformat()} 截止")


def conditions_for(rules: ShopRules, order: Order | None) -> list[NoReasonCondition]:
    """The no-reason conditions that apply to the order's items (all of them without an order)."""
    items = order.items if order else []
    if not items:
        return list(rules.no_reason_conditions)
    return [c for c in rules.no_reason_conditions if any(c.applies_to(item.category) for item in items)]


def unmet_conditions(conditions: Sequence[NoReasonCondition], states: dict[str, bool]) -> list[NoReasonCondition]:
    """The conditions that a state the buyer affirmed fails ("吊牌剪了" fails tags_on)."""
    reader = item_state_reader()
    failed = {reader.breaks(state) for state, said in states.items() if said}
    return [c for c in conditions if c.requires in failed]


def compute_order_facts(
    rules: ShopRules,
    order: Order | None,
    now: datetime,
    zone: tzinfo | None = None,
    buyer_texts: Sequence[str] = (),
) -> OrderFacts:
    """Apply a shop's rules to an order on a given day.

    Args:
        rules: The shop's effective rules.
        order: The buyer's order, if the agent's tool sent one.
        now: The moment that counts as "now" (fixes day counts).
        zone: The shop's time zone (default Asia/Shanghai).
        buyer_texts: The buyer's messages, oldest first: what they say about the goods is a fact.
    """
    zone = zone or ZoneInfo("Asia/Shanghai")
    today = local_date(now, zone)
    status = order.status if order else None
    delivered_on = local_date(order.delivered_at, zone) if order and order.delivered_at else None
    excluded = [
        item.title or item.sku
        for item in (order.items if order else [])
        if is_excluded_category(item.category, rules)
    ]
    excluded_categories = sorted({
        item.category for item in (order.items if order else []) if is_excluded_category(item.category, rules)
    })
    no_reason = _window(rules.no_reason_return_days, delivered_on, today, status)
    if excluded and order and len(excluded) == len(order.items):
        no_reason = no_reason.model_copy(update={"open": False, "reason": "商品类目不支持无理由退货"})
    conditions = conditions_for(rules, order)
    states = item_state_reader().states(buyer_texts)
    ship_deadline = None
    shipped_late = None
    if order and order.paid_at:
        paid = order.paid_at if order.paid_at.tzinfo else order.paid_at.replace(tzinfo=zone)
        ship_deadline = paid + timedelta(hours=rules.ship_within_hours)
        if order.shipped_at:
            shipped = order.shipped_at if order.shipped_at.tzinfo else order.shipped_at.replace(tzinfo=zone)
            shipped_late = shipped > ship_deadline
        elif order.status is OrderStatus.paid:
            current = now if now.tzinfo else now.replace(tzinfo=zone)
            shipped_late = current > ship_deadline
    return OrderFacts(
        today=today,
        status=status,
        delivered=delivered_on is not None,
        days_since_delivery=(today - delivered_on).days if delivered_on else None,
        no_reason_return=no_reason,
        quality_return=_window(rules.quality_return_days, delivered_on, today, status),
        quality_exchange=_window(rules.quality_exchange_days, delivered_on, today, status),
        excluded_items=excluded,
        excluded_categories=excluded_categories,
        no_reason_conditions=conditions,
        item_states=states,
        unmet_conditions=unmet_conditions(conditions, states),
        no_reason_return_shipping=rules.no_reason_return_shipping,
        insurance_covers_return_shipping=bool(order and order.shipping_insurance),
        refund_within_days=rules.refund_within_days,
        can_refund_directly=bool(order and order.status is OrderStatus.paid and not order.shipped_at),
        ship_deadline=ship_deadline,
        shipped_late=shipped_late,
        compensation_limit_yuan=rules.compensation_limit_yuan,
        order_value_yuan=sum(i.price * i.qty for i in order.items) if order else 0.0,
    )
