"""Builds the search query from the conversation and the order, not just the last line."""

from __future__ import annotations

import re

from pydantic import BaseModel

from service.guards.base import Turn
from service.policy.order import Order

# A latest turn this short, or one that says "it", needs the earlier turns to be understood.
_SHORT = 12
_REFERS_BACK = re.compile(
    r"(它|这个|那个|这款|那款|这东西|这玩意|\bit\b|\bthis\b|\bthat\b|\bthey\b|还有|那|呢)", re.IGNORECASE
)


class SearchQuery(BaseModel):
    """What to search for and which products to favour."""

    text: str
    boost_skus: list[str] = []


def build_query(conversation: list[Turn], order: Order | None) -> SearchQuery:
    """The last customer turn (with up to two earlier ones when it is short or refers back) to search
    for, and the order's SKUs to boost. Product titles stay out of the text: pasted in, they drowned
    after-sale questions ("少发了一根线") in product chunks (docs/retrieval.md)."""
    customer = [t.text.strip() for t in conversation if t.role == "customer" and t.text.strip()]
    if not customer:
        customer = [t.text.strip() for t in conversation if t.text.strip()][-1:]
    parts = customer[-1:]
    if customer and (len(customer[-1]) < _SHORT or _REFERS_BACK.search(customer[-1])):
        parts = customer[-3:]
    skus = [item.sku for item in order.items] if order else []
    return SearchQuery(text=" ".join(parts), boost_skus=skus)
