"""The adoption report (how drafts were used) and the knowledge-gap report (what agents had to add)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from service.feedback.models import Outcome, ReportRow


class Adoption(BaseModel):
    """How the drafts of a set of requests were used."""

    requests: int = Field(description="draft requests recorded")
    with_feedback: int = Field(description="requests whose sent reply was reported (POST /v1/feedback)")
    as_is: int
    edited: int
    ignored: int
    as_is_rate: float | None = Field(description="as_is / with_feedback (null without feedback)")
    edited_rate: float | None
    ignored_rate: float | None
    mean_edit_distance: float | None = Field(description="mean characters changed in drafts that were used "
                                                         "(as-is or edited)")


class KindAdoption(Adoption):
    kind: str = Field(description="a question kind of the answer plan (a request counts once per kind it asked)")


class FactCount(BaseModel):
    fact: str
    count: int


class KnowledgeGap(BaseModel):
    """Questions of one kind about one product whose drafts agents edited or ignored."""

    kind: str
    product: str = Field(description="product doc id ('' when the questions named none)")
    product_title: str = ""
    requests: int = Field(description="requests with such a question whose draft was edited or ignored")
    edited: int
    ignored: int
    unanswered: int = Field(description="of those, how many the plan could not answer from the documents")
    edit_classes: dict[str, int] = Field(description="fact / policy / tone: how often each was changed")
    added_facts: list[FactCount] = Field(description="numbers and words agents added, most frequent first")
    questions: list[str] = Field(description="example questions (redacted), most recent first")
    request_ids: list[str] = Field(description="the most recent requests, to look them up")


class FeedbackReport(BaseModel):
    shop_id: str
    days: int
    adoption: Adoption
    by_kind: list[KindAdoption]
    knowledge_gaps: list[KnowledgeGap] = Field(description="most edited or ignored first")


@dataclass
class _Tally:
    requests: int = 0
    as_is: int = 0
    edited: int = 0
    ignored: int = 0
    distances: list[int] = field(default_factory=list)

    def add(self, row: ReportRow) -> None:
        self.requests += 1
        if row.outcome is None:
            return
        if row.outcome is Outcome.as_is:
            self.as_is += 1
        elif row.outcome is Outcome.edited:
            self.edited += 1
        else:
            self.ignored += 1
        if row.outcome is not Outcome.ignored and row.distance is not None:
            self.distances.append(row.distance)

    def adoption(self) -> dict[str, int | float | None]:
        total = self.as_is + self.edited + self.ignored

        def rate(n: int) -> float | None:
            return round(n / total, 4) if total else None

        return {"requests": self.requests, "with_feedback": total, "as_is": self.as_is, "edited": self.edited,
                "ignored": self.ignored, "as_is_rate": rate(self.as_is), "edited_rate": rate(self.edited),
                "ignored_rate": rate(self.ignored),
                "mean_edit_distance": round(sum(self.distances) / len(self.distances), 2) if self.distances else None}


@dataclass
class _Gap:
    edited: int = 0
    ignored: int = 0
    unanswered: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    facts: Counter[str] = field(default_factory=Counter)
    questions: dict[str, None] = field(default_factory=dict)  # ordered: the latest asked last
    request_ids: list[str] = field(default_factory=list)


def _kinds(row: ReportRow) -> list[str]:
    kinds = list(dict.fromkeys(q.kind for q in row.questions))
    return kinds or [row.request_kind]


def build_report(shop_id: str, days: int, rows: Iterable[ReportRow], titles: Mapping[str, str],
                 examples: int = 5, top_facts: int = 10) -> FeedbackReport:
    """Adoption overall and per question kind, and the knowledge gaps grouped by question kind and product."""
    overall = _Tally()
    by_kind: dict[str, _Tally] = {}
    gaps: dict[tuple[str, str], _Gap] = {}
    for row in rows:
        overall.add(row)
        for kind in _kinds(row):
            by_kind.setdefault(kind, _Tally()).add(row)
        if row.outcome is None or row.outcome is Outcome.as_is:
            continue
        questions = row.questions
        keys = {(q.kind, p) for q in questions for p in (q.products or [""])} or {(row.request_kind, "")}
        for key in sorted(keys):
            gap = gaps.setdefault(key, _Gap())
            if row.outcome is Outcome.edited:
                gap.edited += 1
            else:
                gap.ignored += 1
            asked = [q for q in questions if q.kind == key[0] and (key[1] in q.products or not key[1])]
            gap.unanswered += any(not q.answered for q in asked)
            gap.classes.update(row.edit_classes)
            gap.facts.update(row.added_facts)
            for question in asked:
                gap.questions.pop(question.text, None)
                gap.questions[question.text] = None
            gap.request_ids.append(row.request_id)
    ranked = sorted(gaps.items(), key=lambda kv: (-(kv[1].edited + kv[1].ignored), kv[0]))
    return FeedbackReport(
        shop_id=shop_id, days=days, adoption=Adoption.model_validate(overall.adoption()),
        by_kind=[KindAdoption.model_validate({"kind": kind, **tally.adoption()})
                 for kind, tally in sorted(by_kind.items())],
        knowledge_gaps=[KnowledgeGap(
            kind=kind, product=product, product_title=titles.get(product, ""), requests=gap.edited + gap.ignored,
            edited=gap.edited, ignored=gap.ignored, unanswered=gap.unanswered, edit_classes=dict(gap.classes),
            added_facts=[FactCount(fact=f, count=n) for f, n in gap.facts.most_common(top_facts)],
            questions=list(gap.questions)[::-1][:examples], request_ids=gap.request_ids[::-1][:examples])
            for (kind, product), gap in ranked])
