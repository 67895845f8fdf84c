"""The adoption and knowledge-gap report, the per-day stats and the stats page, from records built by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.feedback.models import (
    DraftRecord,
    EditClass,
    FeedbackEntry,
    Outcome,
    RecordedDraft,
    RecordedQuestion,
    ReportRow,
)
from service.feedback.page import StatsPage
from service.feedback.report import build_report
from service.feedback.stats import build_stats

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def rec(rid: str, at: datetime, questions: list[tuple[str, list[str], bool]], conversation: str = "",
        ms: float = 10.0) -> DraftRecord:
    return DraftRecord(
        request_id=rid, shop_id="demo", created_at=at, conversation_key=conversation or rid, turns=1,
        customer_text="q", language="zh", request_kind=questions[0][0] if questions else "smalltalk",
        questions=[RecordedQuestion(text=f"{kind}:{','.join(products)}:{rid}", kind=kind, products=products,
                                    answered=answered) for kind, products, answered in questions],
        drafts=[RecordedDraft(text="d", source="composer", citations=[], passed=True, violations=[])],
        response_ms=ms)


def fb(rid: str, outcome: Outcome, distance: int, classes: list[EditClass] = (), facts: list[str] = ()
       ) -> FeedbackEntry:  # type: ignore[assignment]
    return FeedbackEntry(request_id=rid, shop_id="demo", draft_index=None if outcome is Outcome.ignored else 0,
                         sent_text="s", created_at=T0, updated_at=T0, outcome=outcome, compared_index=0,
                         distance=distance, similarity=0.5, edit_classes=list(classes), added_facts=list(facts))


PAIRS = [ReportRow.of(*pair) for pair in [
    (rec("r1", T0, [("product_fact", ["tent"], True)]), fb("r1", Outcome.as_is, 0)),
    (rec("r2", T0, [("product_fact", ["tent"], False)]),
     fb("r2", Outcome.edited, 4, [EditClass.fact], ["2.5kg", "防水"])),
    (rec("r3", T0, [("product_fact", ["tent"], True), ("policy", [], True)]),
     fb("r3", Outcome.ignored, 30, [EditClass.fact, EditClass.policy], ["2.5kg"])),
    (rec("r4", T0, [("logistics", [], True)]), fb("r4", Outcome.edited, 2, [EditClass.tone])),
    (rec("r5", T0, [("logistics", [], True)]), None),
]]


def test_adoption_overall_and_per_kind() -> None:
    report = build_report("demo", 7, PAIRS, {"tent": "双人帐篷"})
    a = report.adoption
    assert (a.requests, a.with_feedback, a.as_is, a.edited, a.ignored) == (5, 4, 1, 2, 1)
    assert (a.as_is_rate, a.edited_rate, a.ignored_rate) == (0.25, 0.5, 0.25)
    assert a.mean_edit_distance == 2.0  # (0 + 4 + 2) / 3: ignored drafts were not used
    kinds = {k.kind: k for k in report.by_kind}
    assert (kinds["product_fact"].requests, kinds["product_fact"].with_feedback) == (3, 3)
    assert (kinds["logistics"].requests, kinds["logistics"].with_feedback, kinds["logistics"].edited) == (2, 1, 1)
    assert kinds["policy"].ignored_rate == 1.0


def test_knowledge_gaps_group_by_kind_and_product_with_the_facts_agents_added() -> None:
    gaps = build_report("demo", 7, PAIRS, {"tent": "双人帐篷"}).knowledge_gaps
    assert [(g.kind, g.product) for g in gaps] == [("product_fact", "tent"), ("logistics", ""), ("policy", "")]
    tent = gaps[0]
    assert (tent.requests, tent.edited, tent.ignored, tent.unanswered) == (2, 1, 1, 1)
    assert tent.product_title == "双人帐篷"
    assert tent.edit_classes == {"fact": 2, "policy": 1}
    assert [(f.fact, f.count) for f in tent.added_facts] == [("2.5kg", 2), ("防水", 1)]
    assert tent.questions == ["product_fact:tent:r3", "product_fact:tent:r2"] and tent.request_ids == ["r3", "r2"]
    assert all(g.kind != "product_fact" or g.request_ids != ["r1"] for g in gaps)  # as-is is no gap


def test_stats_per_day_in_the_shop_time_zone() -> None:
    late = T0 + timedelta(hours=15, minutes=30)  # 00:30 on Dec 2nd in Shanghai, still Dec 1st in UTC
    pairs = [
        (rec("a1", T0, [], conversation="c1", ms=100), fb("a1", Outcome.as_is, 0)),
        (rec("a2", T0 + timedelta(minutes=5), [], conversation="c1", ms=900), fb("a2", Outcome.ignored, 9)),
        (rec("b1", T0 + timedelta(hours=1), [], conversation="c2", ms=300), fb("b1", Outcome.edited, 3)),
        (rec("c1", late, [], conversation="c3", ms=50), None),
    ]
    stats = build_stats("demo", 3, date(2026, 11, 30), [ReportRow.of(*p) for p in pairs], SHANGHAI)
    assert [d.day for d in stats.per_day] == [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]
    empty, first, second = stats.per_day
    assert (empty.requests, empty.first_response_ms, empty.resolution_rate) == (0, None, None)
    assert (first.requests, first.conversations, first.first_response_ms) == (3, 2, 200.0)  # median of 100, 300
    assert (first.with_feedback, first.resolution_rate, first.adoption_rate) == (3, 0.6667, 0.3333)
    assert (second.requests, second.conversations, second.with_feedback) == (1, 1, 0)
    assert (stats.totals.requests, stats.totals.conversations, stats.totals.first_response_ms) == (4, 3, 100.0)
    assert stats.first_response_source == "kefu_response_time" and "首次响应时长" in stats.definitions[
        "first_response_ms"]


def test_the_page_shows_the_numbers_as_svg_charts_and_escapes_text() -> None:
    pairs = [*PAIRS, ReportRow.of(rec("x", T0, [("product_fact", ["<script>"], True)]),
                                  fb("x", Outcome.edited, 1, [EditClass.fact], ["<b>"]))]
    stats = build_stats("demo", 2, date(2026, 12, 1), pairs, SHANGHAI)
    html = StatsPage().render(stats, build_report("demo", 2, pairs, {}))
    assert html.count("<svg") == 4 and "接待量" in html and "解决率" in html and "首次响应时长" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "src=" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert ">6<" in html  # six requests on Dec 1st: the card's total
