"""The buyer's order as the agent's tool sends it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class OrderStatus(StrEnum):
    """Where the order is in its life."""

    unpaid = "unpaid"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    refunding = "refunding"
    closed = "closed"


class OrderItem(BaseModel):
    """One line of the order."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1)
    title: str = ""
    category: str = ""
    price: float = Field(0, ge=0)
    qty: int = Field(1, ge=1)


class TrackingEvent(BaseModel):
    """One courier scan: when, what, where."""

    model_config = ConfigDict(extra="forbid")

    time: datetime
    status: str = Field(min_length=1, max_length=200, description="e.g. 已揽收, 运输中, 派送中, 已签收")
    location: str = Field("", max_length=100)


class Discount(BaseModel):
    """A discount paid with the order (coupon, 满减, member price)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    amount_yuan: float = Field(ge=0)


class Order(BaseModel):
    """An order; times are ISO 8601 (a time without offset is taken in the shop's time zone)."""

    model_config = ConfigDict(extra="forbid")

    order_id: str = ""
    status: OrderStatus
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = Field(None, description="签收 time")
    items: list[OrderItem] = Field(default_factory=list)
    shipping_insurance: bool = Field(False, description="运费险 bought for this order")
    payment: str = ""
    address: str = Field("", max_length=300, description="delivery address (for the address check)")
    courier: str = Field("", description="the courier that carries the parcel, e.g. 顺丰 (for the shipping notice)")
    tracking_number: str = Field("", description="the courier's tracking number (for the shipping notice)")
    discounts: list[Discount] = Field(default_factory=list, max_length=20, description="discounts paid with the order")
    tracking: list[TrackingEvent] = Field(default_factory=list, max_length=200, description="courier scans, any order")

    @property
    def paid_yuan(self) -> float:
        """What the buyer actually paid: item prices less the order's discounts (refunds are of this)."""
        return max(0.0, sum(i.price * i.qty for i in self.items) - sum(d.amount_yuan for d in self.discounts))

    def latest_scan(self) -> TrackingEvent | None:
        return max(self.tracking, key=lambda e: e.time) if self.tracking else None
