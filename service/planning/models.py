"""Typed answer plan: the one inspectable step between retrieval and wording (returned as `plan`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class QuestionKind(StrEnum):
    """What kind of answer a question needs (decides where the answer comes from)."""

    product_fact = "product_fact"  # a spec row, FAQ answer or product sentence
    comparison = "comparison"  # the same spec rows of two or more products
    policy = "policy"  # the shop's rules applied to this order (returns, refunds, warranty, invoice...)
    logistics = "logistics"  # shipping and delivery of this order
    bargain = "bargain"  # price, discount: the shop's real offers, firmly and kindly
    complaint = "complaint"  # apology and the remedy the shop allows
    smalltalk = "smalltalk"  # greeting, thanks, closing


class Evidence(BaseModel):
    """One fact the reply may state, and where it came from."""

    kind: Literal["spec", "faq", "sentence", "rule", "order"]
    text: str = Field(description="the fact as the document says it (Chinese docs stay Chinese)")
    key: str = Field("", description="spec attribute or FAQ question, when there is one")
    value: str = Field("", description="spec value or FAQ answer")
    product: str = Field("", description="product title the fact is about")
    doc_id: str = ""
    chunk_id: str = ""
    score: float = 0.0


class Answer(BaseModel):
    """The answer to one question, or `unknown` (then the reply promises to check, never invents)."""

    status: Literal["answered", "unknown"]
    polarity: Literal["yes", "no"] | None = Field(None, description="for yes/no questions: the spec's answer")
    evidence: list[Evidence] = Field(default_factory=list)


class Question(BaseModel):
    """One thing the buyer asked or asked for."""

    text: str
    kind: QuestionKind
    intent: str = Field(description="the finer intent (e.g. return, quality, logistics, product_question)")
    yes_no: bool = False
    products: list[str] = Field(default_factory=list, description="doc ids of the products it is about")
    from_earlier_turn: bool = False
    implied: bool = Field(False, description="the buyer asked nothing outright; this is what the message implies")
    answer: Answer


class OrderState(BaseModel):
    """The order's state and what is open to it today."""

    status: str | None = None
    decision: str = Field(description="the policy decision for the buyer's request on this order")
    facts: list[str] = Field(default_factory=list, description="short facts for the writer and the LLM")
    policy_doc: str = Field("", description="doc id of the policy that sets the rules used")
    policy_chunk: str = ""
    latest_scan: str = Field("", description="the courier's latest scan: time, status, place")
    scan_age_hours: float | None = Field(None, description="hours since the latest scan (stale tracking → check)")
    paid_yuan: float | None = Field(None, description="what the buyer paid after discounts (refunds are of this)")
    address: str = ""
    ship_cutoff: str = Field("", description="the shop's daily cut-off (paid before it → ships that day), HH:MM")
    ship_cutoff_firm: bool = Field(True, description="False when the policy hedges it (一般当天发出)")
    ship_days_from_today: int | None = Field(
        None, description="for an unshipped order: the day it leaves by the cut-off (0 today, 1 tomorrow...), "
                          "counted from payment, or from now when it is not paid yet")
    ship_weekday: int | None = Field(None, description="that day's weekday (Monday = 0)")


class AnswerPlan(BaseModel):
    """What every draft must say: the questions with their answers, the order state, the guideline steps."""

    language: Literal["zh", "en"]
    questions: list[Question]
    order: OrderState
    steps: list[str] = Field(default_factory=list, description="guideline steps that apply (ids)")
    offers: list[Evidence] = Field(default_factory=list, description="the shop's real offers, for bargaining")
    tone: Literal["neutral", "apologetic"] = "neutral"
    request_kind: QuestionKind = Field(QuestionKind.product_fact, description="what the open turns ask for overall")
    request_intent: str = "product_question"
    request_text: str = ""

    @property
    def citations(self) -> list[tuple[str, str]]:
        """(doc id, chunk id) of every fact in the plan, first-seen order."""
        seen: list[tuple[str, str]] = []
        for question in self.questions:
            for ev in question.answer.evidence:
                pair = (ev.doc_id, ev.chunk_id)
                if ev.doc_id and pair not in seen:
                    seen.append(pair)
        for ev in self.offers:
            pair = (ev.doc_id, ev.chunk_id)
            if ev.doc_id and pair not in seen:
                seen.append(pair)
        if self.order.policy_doc and (self.order.policy_doc, self.order.policy_chunk) not in seen:
            seen.append((self.order.policy_doc, self.order.policy_chunk))
        return seen
