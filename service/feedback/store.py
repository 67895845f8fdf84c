"""Draft records and feedback in kefu's database (tables draft_records and draft_feedback)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, select

from service.feedback.models import (
    Classification,
    DraftRecord,
    EditClass,
    FeedbackEntry,
    Outcome,
    QuestionRow,
    RecordedDraft,
    RecordedQuestion,
    ReportRow,
)
from service.store.database import Database
from service.store.models import DraftRecordRow, FeedbackRow


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _record(row: DraftRecordRow) -> DraftRecord:
    return DraftRecord(
        request_id=row.request_id, shop_id=row.shop_id, created_at=_aware(row.created_at),
        conversation_key=row.conversation_key, turns=row.turns, customer_text=row.customer_text,
        language=row.language, request_kind=row.request_kind,
        questions=[RecordedQuestion.model_validate(q) for q in row.questions],
        drafts=[RecordedDraft.model_validate(d) for d in row.drafts], response_ms=row.response_ms)


def _entry(row: FeedbackRow) -> FeedbackEntry:
    return FeedbackEntry(
        request_id=row.request_id, shop_id=row.shop_id, draft_index=row.draft_index, sent_text=row.sent_text,
        created_at=_aware(row.created_at), updated_at=_aware(row.updated_at), outcome=Outcome(row.outcome),
        compared_index=row.compared_index, distance=row.distance, similarity=row.similarity,
        edit_classes=[EditClass(c) for c in row.edit_classes], added_facts=list(row.added_facts))


class FeedbackStore:
    """Reads and writes draft records and feedback; every write is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_record(self, record: DraftRecord) -> None:
        with self.db.write() as session:
            session.add(DraftRecordRow(
                request_id=record.request_id, shop_id=record.shop_id, created_at=record.created_at.astimezone(UTC),
                conversation_key=record.conversation_key, turns=record.turns, customer_text=record.customer_text,
                language=record.language, request_kind=record.request_kind,
                questions=[q.model_dump() for q in record.questions],
                drafts=[d.model_dump() for d in record.drafts], response_ms=record.response_ms))

    def record(self, request_id: str) -> DraftRecord | None:
        with self.db.read() as session:
            row = session.get(DraftRecordRow, request_id)
            return _record(row) if row is not None else None

    def save_feedback(self, record: DraftRecord, draft_index: int | None, sent_text: str,
                      result: Classification, now: datetime) -> tuple[FeedbackEntry, bool]:
        """Store the feedback on a record, replacing earlier feedback on it (the agent's last word counts).
        Returns the entry and whether it is the first for that request."""
        with self.db.write() as session:
            # lock the record: two feedbacks on one request never both insert (PostgreSQL; SQLite's
            # writers are serialized already)
            session.execute(select(DraftRecordRow.request_id).where(
                DraftRecordRow.request_id == record.request_id).with_for_update())
            row = session.get(FeedbackRow, record.request_id)
            created = row is None
            if row is None:
                row = FeedbackRow(request_id=record.request_id, shop_id=record.shop_id, created_at=now)
                session.add(row)
            row.updated_at = now
            row.draft_index = draft_index
            row.sent_text = sent_text
            row.outcome = result.outcome.value
            row.compared_index = result.compared_index
            row.distance = result.distance
            row.similarity = result.similarity
            row.edit_classes = [c.value for c in result.edit_classes]
            row.added_facts = list(result.added_facts)
            session.flush()
            return _entry(row), created

    def feedback(self, request_id: str) -> FeedbackEntry | None:
        with self.db.read() as session:
            row = session.get(FeedbackRow, request_id)
            return _entry(row) if row is not None else None

    def records(self, shop_id: str, since: datetime | None = None,
                until: datetime | None = None) -> Iterator[tuple[DraftRecord, FeedbackEntry | None]]:
        """A shop's records in time order, each with its feedback (None when the agent sent none)."""
        query = (select(DraftRecordRow, FeedbackRow)
                 .outerjoin(FeedbackRow, FeedbackRow.request_id == DraftRecordRow.request_id)
                 .where(*self._window(shop_id, since, until)).order_by(DraftRecordRow.created_at))
        with self.db.read() as session:
            rows = session.execute(query).all()
        for record_row, feedback_row in rows:
            yield _record(record_row), _entry(feedback_row) if feedback_row is not None else None

    def report_rows(self, shop_id: str, since: datetime | None = None,
                    until: datetime | None = None) -> list[ReportRow]:
        """What the reports read of a shop's records and feedback, in time order (no draft or sent texts)."""
        r, f = DraftRecordRow, FeedbackRow
        query = (select(r.request_id, r.created_at, r.conversation_key, r.request_kind, r.questions, r.response_ms,
                        f.outcome, f.distance, f.edit_classes, f.added_facts)
                 .outerjoin(f, f.request_id == r.request_id)
                 .where(*self._window(shop_id, since, until)).order_by(r.created_at))
        with self.db.read() as session:
            rows = session.execute(query).all()
        return [ReportRow(
            request_id=row[0], created_at=_aware(row[1]), conversation_key=row[2], request_kind=row[3],
            questions=[QuestionRow(q["text"], q["kind"], q["products"], q["answered"]) for q in row[4]],
            response_ms=row[5], outcome=Outcome(row[6]) if row[6] is not None else None, distance=row[7],
            edit_classes=row[8] or [], added_facts=row[9] or []) for row in rows]

    @staticmethod
    def _window(shop_id: str, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
        conditions = [DraftRecordRow.shop_id == shop_id]
        if since is not None:
            conditions.append(DraftRecordRow.created_at >= since.astimezone(UTC))
        if until is not None:
            conditions.append(DraftRecordRow.created_at < until.astimezone(UTC))
        return conditions
