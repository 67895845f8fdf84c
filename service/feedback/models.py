"""Domain types of feedback: a recorded draft request, an agent's feedback on it, and its classification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Outcome(StrEnum):
    """What the agent did with the drafts of one request."""

    as_is = "as_is"  # sent the chosen draft unchanged (whitespace aside)
    edited = "edited"  # sent the chosen draft with changes
    ignored = "ignored"  # wrote their own reply (no draft chosen, or the chosen one rewritten)


class EditClass(StrEnum):
    """What an edit changed."""

    fact = "fact"  # numbers with units, spec values or product names differ
    policy = "policy"  # return / refund / shipping terms (or their numbers) differ
    tone = "tone"  # neither: only wording, particles or punctuation differ


class RecordedCitation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_id: str
    chunk_id: str
    version: int | None = Field(description="the document's version current when the draft was recorded")


class RecordedViolation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str
    rule: str
    severity: str


class RecordedDraft(BaseModel):
    """One draft as the agent saw it (text redacted like the logs)."""

    model_config = ConfigDict(extra="forbid")

    text: str
    source: str
    citations: list[RecordedCitation]
    passed: bool
    violations: list[RecordedViolation]


class RecordedQuestion(BaseModel):
    """One question of the answer plan."""

    model_config = ConfigDict(extra="forbid")

    text: str
    kind: str
    products: list[str] = Field(default_factory=list, description="product doc ids")
    answered: bool = True


class DraftRecord(BaseModel):
    """What one POST /v1/drafts answered, as stored."""

    model_config = ConfigDict(extra="forbid")

    request_id: str
    shop_id: str
    created_at: datetime
    conversation_key: str = Field(description="sha256 prefix of the conversation's first turn (groups requests "
                                              "of one conversation)")
    turns: int
    customer_text: str = Field(description="the last customer turn, phone numbers and addresses masked")
    language: str
    request_kind: str
    questions: list[RecordedQuestion]
    drafts: list[RecordedDraft]
    response_ms: float = Field(description="kefu's time to answer the request")


class Classification(BaseModel):
    """How the sent text relates to the drafts."""

    outcome: Outcome
    compared_index: int | None = Field(description="the draft compared with: the chosen one, else the closest")
    distance: int | None = Field(description="character-level Levenshtein distance to that draft")
    similarity: float | None = Field(description="1 - distance / longer length (0..1)")
    edit_classes: list[EditClass]
    added_facts: list[str] = Field(description="numbers and words of the sent text that the draft does not have")


class FeedbackEntry(Classification):
    """Feedback as stored."""

    request_id: str
    shop_id: str
    draft_index: int | None
    sent_text: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """A recorded question as the reports read it (plain, no validation: the store wrote it)."""

    text: str
    kind: str
    products: list[str]
    answered: bool


@dataclass(frozen=True, slots=True)
class ReportRow:
    """What the reports need of one request and its feedback: no texts of drafts, so 10k rows load fast."""

    request_id: str
    created_at: datetime
    conversation_key: str
    request_kind: str
    questions: list[QuestionRow]
    response_ms: float
    outcome: Outcome | None  # None: no feedback
    distance: int | None
    edit_classes: list[str]
    added_facts: list[str]

    @classmethod
    def of(cls, record: DraftRecord, entry: FeedbackEntry | None) -> ReportRow:
        return cls(request_id=record.request_id, created_at=record.created_at,
                   conversation_key=record.conversation_key, request_kind=record.request_kind,
                   questions=[QuestionRow(q.text, q.kind, q.products, q.answered) for q in record.questions],
                   response_ms=record.response_ms, outcome=entry.outcome if entry else None,
                   distance=entry.distance if entry else None,
                   edit_classes=[c.value for c in entry.edit_classes] if entry else [],
                   added_facts=list(entry.added_facts) if entry else [])
