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
