"""A shop's return/refund/shipping rules: the law's defaults overridden by its policy documents."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.errors import ConflictError

ShippingPayer = Literal["buyer", "seller"]
Requirement = Literal["unopened", "unused", "tags_on", "complete_set"]


class NoReasonCondition(BaseModel):
    """A condition the goods must meet for a no-reason return, e.g. sealed packs for hygiene goods.

    `categories` limits it to those product categories (absent: every category).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    requires: Requirement
    categories: tuple[str, ...] | None = Field(None, description="absent = all categories")
    text: str = Field(min_length=1, max_length=300, description="the condition as the policy states it")

    @field_validator("categories", mode="before")
    @classmethod
    def _list_to_tuple(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    def applies_to(self, category: str) -> bool:
        """Whether an item of this category must meet the condition."""
        return self.categories is None or category in self.categories


class RuleOverrides(BaseModel):
    """The `rules:` block of a policy document: every key optional, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    no_reason_return_days: int | None = Field(None, ge=0, le=365)
    no_reason_excluded_categories: list[str] | None = None
    no_reason_return_shipping: ShippingPayer | None = None
    no_reason_conditions: list[NoReasonCondition] | None = None
    quality_return_days: int | None = Field(None, ge=0, le=3650)
    quality_exchange_days: int | None = Field(None, ge=0, le=3650)
    refund_within_days: int | None = Field(None, ge=0, le=365)
    ship_within_hours: int | None = Field(None, ge=0, le=24 * 365)
    compensation_limit_yuan: float | None = Field(None, ge=0)


class ShopRules(BaseModel):
    """A shop's effective rules. Defaults are PRC law (消法24/25) and common platform practice."""

    model_config = ConfigDict(frozen=True)

    no_reason_return_days: int = 7
    no_reason_excluded_categories: tuple[str, ...] = ()
    no_reason_return_shipping: ShippingPayer = "buyer"
    no_reason_conditions: tuple[NoReasonCondition, ...] = ()
    quality_return_days: int = 7
    quality_exchange_days: int = 15
    refund_within_days: int = 7
    ship_within_hours: int = 48
    compensation_limit_yuan: float = 10.0
    sources: dict[str, str] = Field(
        default_factory=dict, description="rule name → id of the policy doc that set it (absent = law)"
    )


LAW_DEFAULTS = ShopRules()


def effective_rules(overrides: Iterable[tuple[str, RuleOverrides]]) -> ShopRules:
    """Merge policy documents' rules over the law's defaults.

    Args:
        overrides: (doc id, rules block) of each policy document that has one.

    Raises:
        ConflictError: two documents set the same rule.
    """
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    for doc_id, block in sorted(overrides, key=lambda pair: pair[0]):
        for name in block.model_fields_set:
            value = getattr(block, name)
            if value is None:
                continue
            if name in sources and sources[name] != doc_id:
                raise ConflictError(
                    f"rule `{name}` is set by both `{sources[name]}` and `{doc_id}`; keep it in one policy doc"
                )
            values[name] = tuple(value) if isinstance(value, list) else value
            sources[name] = doc_id
    return ShopRules.model_validate({**values, "sources": sources})
