"""refund_rule, who pays: payer claims found by their structure (cost + paying verb + nearest person).

Patterns in `data/payer.yaml`. The claims join the phrase-found `buyer_pays` / `seller_pays` claims
of `refund_claims` and are checked the same way against the route and the shop's rules.
"""

from __future__ import annotations

import re
from typing import Any

from service.guards import text_scan
from service.guards.refund_claims import Claim

_REACH = 10  # characters before a verb searched for its payer


class PayerClaims:
    """Finds "who pays" claims in a reply."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.cost = re.compile(data["cost"])
        self.verb = re.compile(data["verb"])
        self.buyer = re.compile(data["buyer"])
        self.seller = re.compile(data["seller"])
        self.for_buyer = re.compile(data["for_buyer"])
        self.negation = re.compile(data["negation"])
        self.not_a_claim = re.compile(data["not_a_claim"])
        self.buyer_only = re.compile(data["buyer_only"])

    def find(self, reply: str) -> list[Claim]:
        """One claim per clause that names a cost and who pays it."""
        out: list[Claim] = []
        for start, end in text_scan.split_clauses(reply):
            if not self.cost.search(reply, start, end):
                continue
            for verb in self.verb.finditer(reply, start, end):
                if self.not_a_claim.search(reply, start, verb.end()):
                    break  # what comes before the verb says insurance, a refund or a hypothesis pays
                alone = self.buyer_only.fullmatch(verb.group())
                kind = "buyer_pays" if alone else self._payer(reply, start, verb.start())
                if kind is not None:
                    out.append(Claim(kind, start, verb.end(), {}))
                    break
        return out

    def _payer(self, reply: str, start: int, verb: int) -> str | None:
        """buyer_pays / seller_pays for the verb at `verb`, from the nearest person word before it."""
        window_start = max(start, verb - _REACH)
        before = reply[window_start:verb]
        people = [(m.end(), m.start(), "seller_pays") for m in self.for_buyer.finditer(before)]
        taken = {end for end, _, _ in people}
        people += [(m.end(), m.start(), "buyer_pays") for m in self.buyer.finditer(before) if m.end() not in taken]
        people += [(m.end(), m.start(), "seller_pays") for m in self.seller.finditer(before)]
        if not people:
            return None
        _, person_start, kind = max(people)
        # "我们不承担", "不用您出": a negation next to the payer turns it round ("不就只能您自己出嘛" does not);
        # read in the clause, not the verb's window: "不会让您加微信或者私下转账付" keeps its 不会
        person = window_start + person_start
        if self.negation.search(reply[max(start, person - 4) : verb]):
            kind = "seller_pays" if kind == "buyer_pays" else "buyer_pays"
        return kind
