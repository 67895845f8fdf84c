"""Draft records and feedback on a SQLite file and on the real PostgreSQL server; one migration head."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from service.errors import ForbiddenError, NotFoundError, UserError
from service.feedback.classify import EditClassifier, EditTerms
from service.feedback.models import (
    Classification,
    DraftRecord,
    EditClass,
    Outcome,
    RecordedCitation,
    RecordedDraft,
    RecordedQuestion,
)
from service.feedback.pending import PendingRecords
from service.feedback.recorder import DISCARDED
from service.feedback.service import FeedbackService
from service.feedback.store import FeedbackStore
from service.settings import FeedbackSettings
from service.store.database import MIGRATIONS, Database

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def record(request_id: str, at: datetime, shop: str = "demo") -> DraftRecord:
    return DraftRecord(
        request_id=request_id, shop_id=shop, created_at=at, conversation_key="c" * 32, turns=1,
        customer_text="耳机多少钱", language="zh", request_kind="bargain",
        questions=[RecordedQuestion(text="耳机多少钱", kind="bargain", products=["earbuds-ab3"])],
        drafts=[RecordedDraft(text="亲,这款耳机299元哦", source="composer", passed=True, violations=[],
                              citations=[RecordedCitation(doc_id="earbuds-ab3", chunk_id="earbuds-ab3#0",
                                                          version=2)])],
        response_ms=12.5)


EDITED = Classification(outcome=Outcome.edited, compared_index=0, distance=3, similarity=0.7,
                        edit_classes=[EditClass.fact], added_facts=["259元"])


def test_records_and_feedback_round_trip(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    store = FeedbackStore(db)
    store.add_record(record("r1", T0))
    store.add_record(record("r2", T0 + timedelta(hours=1)))
    store.add_record(record("x1", T0, shop="outdoor"))
    got = store.record("r1")
    assert got == record("r1", T0)
    assert store.record("missing") is None
    entry, created = store.save_feedback(got, 0, "亲,这款耳机259元哦", EDITED, T0 + timedelta(minutes=1))
    assert created and entry.outcome is Outcome.edited and entry.added_facts == ["259元"]
    as_is = EDITED.model_copy(update={"outcome": Outcome.as_is, "distance": 0, "similarity": 1.0,
                                      "edit_classes": [], "added_facts": []})
    again, created = store.save_feedback(got, 0, "亲,这款耳机299元哦", as_is, T0 + timedelta(minutes=2))
    assert not created and again.outcome is Outcome.as_is
    assert again.created_at == T0 + timedelta(minutes=1) and again.updated_at == T0 + timedelta(minutes=2)
    pairs = list(store.records("demo"))
    assert [(r.request_id, f.outcome if f else None) for r, f in pairs] == [("r1", Outcome.as_is), ("r2", None)]
    assert [r.request_id for r, _ in store.records("demo", since=T0 + timedelta(minutes=30))] == ["r2"]
    assert [r.request_id for r, _ in store.records("demo", until=T0 + timedelta(minutes=30))] == ["r1"]
    rows = store.report_rows("demo")  # what the reports read: JSON columns come back as lists on both databases
    assert [(r.request_id, r.outcome, r.distance) for r in rows] == [("r1", Outcome.as_is, 0), ("r2", None, None)]
    assert rows[0].questions[0].products == ["earbuds-ab3"] and rows[0].created_at == T0
    assert rows[0].edit_classes == [] and rows[1].added_facts == []
    assert [r.request_id for r in store.report_rows("demo", since=T0 + timedelta(minutes=30))] == ["r2"]
    db.dispose()


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    db = Database(database_url)
    db.migrate()
    FeedbackStore(db).add_record(record("r1", T0))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db._writer.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert db.revision() == "0001"
    db.migrate()
    store = FeedbackStore(db)
    assert store.record("r1") is None  # the tables were dropped and made again
    store.add_record(record("r1", T0))
    assert store.record("r1") is not None
    db.dispose()


def test_migrations_form_one_chain() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_a_discarded_streamed_draft_is_refused_and_never_the_closest(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'kefu.db'}")
    db.migrate()
    store = FeedbackStore(db)
    base = record("s1", T0)
    discarded = RecordedDraft(text="", source=DISCARDED, citations=[], passed=False, violations=[])
    second = base.drafts[0].model_copy(update={"text": "亲,这款耳机有黑白两色"})
    store.add_record(base.model_copy(update={"drafts": [base.drafts[0], discarded, second]}))
    service = FeedbackService(store, EditClassifier(EditTerms.load(FeedbackSettings().terms)),
                              lambda shop: frozenset())
    with pytest.raises(UserError, match="discarded") as refused:
        service.submit("s1", 1, "好的", may_use_shop=lambda shop: True)
    assert refused.value.where == "body.draft_index"
    with pytest.raises(ForbiddenError):
        service.submit("s1", 0, "好的", may_use_shop=lambda shop: shop != "demo")
    entry, created = service.submit("s1", None, "亲,这款耳机有黑色", may_use_shop=lambda shop: True)
    assert created and entry.compared_index == 2 and entry.outcome is Outcome.ignored
    db.dispose()


def test_feedback_right_after_its_draft_waits_for_the_record_being_written(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'kefu.db'}")
    db.migrate()
    store = FeedbackStore(db)
    pending = PendingRecords()
    service = FeedbackService(store, EditClassifier(EditTerms.load(FeedbackSettings().terms)),
                              lambda shop: frozenset(), pending=pending)
    pending.expect("late")  # the answer is out, its record is written after it

    def write_later() -> None:
        time.sleep(0.3)
        store.add_record(record("late", T0))
        pending.done("late")

    writer = threading.Thread(target=write_later)
    writer.start()
    entry, created = service.submit("late", 0, "亲,这款耳机299元哦", may_use_shop=lambda shop: True)
    writer.join()
    assert created and entry.outcome is Outcome.as_is
    started = time.perf_counter()
    with pytest.raises(NotFoundError):
        service.submit("never-drafted", 0, "好的", may_use_shop=lambda shop: True)
    assert time.perf_counter() - started < 1, "an unknown id is a 404 at once, it does not wait"
    db.dispose()
