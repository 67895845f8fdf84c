"""Quantities in a reply that say how to use something or what comes free, not what the product is.

"3克茶配150毫升水" is a brewing dose and "送您一包50克的茉莉花茶" a gift's size: neither states the
product's 净含量. The context words live in `data/ungrounded_fact.yaml` (`not_spec_quantity`); a
quantity they mark is never compared with a spec line.
"""

from __future__ import annotations

import re
from typing import Any

from service.guards import text_scan
from service.guards.fact_values import Quantity


class QuantityContext:
    """Recognises dose, usage and gift quantities from the words right around them."""

    def __init__(self, data: dict[str, Any]) -> None:
        spec = data["not_spec_quantity"]
        self.before = re.compile(f"(?:{spec['before']})[^,，。;；]{{0,{int(spec['gap'])}}}$", re.IGNORECASE)
        self.after = re.compile(f"\\s*(?:{spec['after']})", re.IGNORECASE)

    def exempts(self, reply: str, q: Quantity) -> bool:
        """The quantity is a dose, a usage amount or a gift's size (in its own clause)."""
        clause_start, clause_end = text_scan.clause_bounds(reply, q.start)
        if self.before.search(reply[clause_start : q.start]):
            return True
        return bool(self.after.match(reply[q.end : clause_end]))
