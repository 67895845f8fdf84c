"""Publish gate: run a shop's golden conversations and labelled guard cases against a proposed edit in an
isolated copy (its own temporary vector store and in-memory shop), compare with the live shop, report what
changes. Nothing live changes: agents' drafts never see the copy."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from pydantic import BaseModel, Field

from service.drafting.models import DraftInput
from service.drafting.pipeline import DraftingPipeline
from service.evaluation.golden import GOLDEN_DIR, GoldenCase, load_suite
from service.evaluation.guard_eval import GuardCase, load_cases
from service.evaluation.scorers.must_state import stated
from service.evaluation.scorers.never_say import forbidden_hits
from service.guards.base import Severity
from service.guards.checker import ReplyChecker
from service.knowledge.base import KnowledgeBase, ShopKnowledge
from service.knowledge.document import Document
from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import Retriever
from service.retrieval.vector_store import ChromaVectorStore
from service.settings import PROJECT_ROOT

GUARD_CASE_DIRS = [PROJECT_ROOT / "evals" / d for d in ("guard_sets", "guards", "guards_dev")]


class ConversationOutcome(BaseModel):
    decision: str
    text: str = Field(description="the top draft")
    guard_passed: bool
    must_state: list[bool] = Field(description="per must_state group: stated")
    never_say: list[str] = Field(description="forbidden phrases the top draft says")


class ConversationChange(BaseModel):
    case_id: str
    expected_decision: str
    before: ConversationOutcome
    after: ConversationOutcome
    problems: list[str] = Field(description="what got worse (empty: a change to look at, not a regression)")


class GuardCaseChange(BaseModel):
    case_id: str
    reply: str
    expect: list[str]
    before: list[str] = Field(description="categories flagged on the live shop")
    after: list[str] = Field(description="categories flagged with the edit")
    problems: list[str]


class PreviewReport(BaseModel):
    shop_id: str
    doc_id: str
    base_version: int = Field(description="the live version the preview compared with (0: a new document)")
    conversations: int = Field(description="golden conversations run")
    guard_cases: int = Field(description="labelled guard cases run")
    changed_conversations: list[ConversationChange]
    changed_guard_cases: list[GuardCaseChange]
    problems: int = Field(description="cases that got worse; a clean preview has none")
    clean: bool


class FixedShop:
    """A shop source that answers with one in-memory shop."""

    def __init__(self, shop: ShopKnowledge) -> None:
        self._shop = shop

    def shop(self, shop_id: str) -> ShopKnowledge:
        return self._shop


def golden_cases(shop_id: str, golden_dir: Path = GOLDEN_DIR) -> list[GoldenCase]:
    """Every suite's conversations in this shop."""
    folders = sorted(p for p in golden_dir.iterdir() if p.is_dir()) if golden_dir.is_dir() else []
    return [c for folder in folders for c in load_suite(folder).cases if c.shop == shop_id]


def guard_cases(shop_id: str, dirs: list[Path] = GUARD_CASE_DIRS) -> list[GuardCase]:
    return [c for _, c in load_cases([d for d in dirs if d.is_dir()]) if c.shop == shop_id]


class PublishPreview:
    """Runs a shop's cases with and without a proposed document, in an isolated copy.

    The live side of every case is kept per shop state (its documents' ids and hashes, in order) and case
    (its whole content): previewing again, or another document of an unchanged shop, runs only the edit's side.
    """

    def __init__(self, knowledge: KnowledgeBase, pipeline: DraftingPipeline, checker: ReplyChecker, *,
                 golden_dir: Path = GOLDEN_DIR, guard_dirs: list[Path] | None = None) -> None:
        self.knowledge = knowledge
        self.pipeline = pipeline
        self.checker = checker
        self.golden_dir = golden_dir
        self.guard_dirs = guard_dirs if guard_dirs is not None else GUARD_CASE_DIRS
        self._live: dict[str, tuple[tuple[tuple[str, str], ...], dict[str, object]]] = {}

    async def preview(self, doc: Document) -> PreviewReport:
        """What changes if `doc` (validated) replaced the shop's live version of it."""
        live = self.knowledge.shop(doc.shop_id)
        base_version = live.versions.get(doc.id, 0)
        # the edited document keeps its place, as publishing keeps it: the order of a shop's documents breaks
        # ties (moved last, the unchanged text of faq-payment changed 6 demo conversations)
        docs = [doc if d.id == doc.id else d for d in live.docs.values()] + ([] if doc.id in live.docs else [doc])
        known = self._live_outcomes(live)
        with tempfile.TemporaryDirectory(prefix="kefu-preview-") as tmp:
            index = await anyio.to_thread.run_sync(self._staged_index, doc, Path(tmp))
            staged = ShopKnowledge.build(doc.shop_id, docs, {**live.versions, doc.id: base_version + 1})
            overlay = self.pipeline.over(FixedShop(staged), Retriever(index, self.pipeline.retriever.config))
            conversations, cases = await anyio.to_thread.run_sync(self._cases, doc.shop_id)
            changes = [c for case in conversations
                       if (c := await self._compare(case, known, overlay)) is not None]
        guard_changes = await anyio.to_thread.run_sync(self._compare_guards, cases, known, live, staged)
        problems = sum(1 for c in changes if c.problems) + sum(1 for c in guard_changes if c.problems)
        return PreviewReport(shop_id=doc.shop_id, doc_id=doc.id, base_version=base_version,
                             conversations=len(conversations), guard_cases=len(cases),
                             changed_conversations=changes, changed_guard_cases=guard_changes, problems=problems,
                             clean=problems == 0)

    def _live_outcomes(self, live: ShopKnowledge) -> dict[str, object]:
        """The live side's outcomes computed so far for this state of the shop (case key → outcome)."""
        state = tuple((d.id, d.content_hash) for d in live.docs.values())
        kept = self._live.get(live.shop_id)
        if kept is None or kept[0] != state:
            kept = self._live[live.shop_id] = (state, {})
        return kept[1]

    def _staged_index(self, doc: Document, folder: Path) -> KnowledgeIndex:
        live_index = self.knowledge.index
        return live_index.staged_copy(doc, ChromaVectorStore(folder, live_index.embedder.name))

    def _cases(self, shop_id: str) -> tuple[list[GoldenCase], list[GuardCase]]:
        return golden_cases(shop_id, self.golden_dir), guard_cases(shop_id, self.guard_dirs)

    async def _compare(self, case: GoldenCase, known: dict[str, object],
                       overlay: DraftingPipeline) -> ConversationChange | None:
        request = DraftInput(shop_id=case.shop, conversation=case.conversation, order=case.order, now=case.now,
                             n=1, use_llm=False)
        key = "conversation:" + case.model_dump_json()
        before = known.get(key)
        if not isinstance(before, ConversationOutcome):
            before = known[key] = await _outcome(self.pipeline, request, case)
        after = await _outcome(overlay, request, case)
        if before == after:
            return None
        problems = [f"no longer states {'|'.join(case.must_state[i])}"
                    for i, (was, now) in enumerate(zip(before.must_state, after.must_state, strict=True))
                    if was and not now]
        problems += [f"now says forbidden {p}" for p in after.never_say if p not in before.never_say]
        if before.guard_passed and not after.guard_passed:
            problems.append("the top draft now fails the guards")
        if before.decision == case.decision != after.decision:
            problems.append(f"decision {before.decision} → {after.decision} (expected {case.decision})")
        return ConversationChange(case_id=case.id, expected_decision=case.decision, before=before, after=after,
                                  problems=problems)

    def _compare_guards(self, cases: list[GuardCase], known: dict[str, object], live: ShopKnowledge,
                        staged: ShopKnowledge) -> list[GuardCaseChange]:
        changes = []
        for case in cases:
            key = "guard:" + case.model_dump_json()
            before = known.get(key)
            if not isinstance(before, list):
                before = known[key] = self._flagged(case, live)
            if (change := self._compare_guard(case, before, self._flagged(case, staged))) is not None:
                changes.append(change)
        return changes

    @staticmethod
    def _compare_guard(case: GuardCase, before: list[str], after: list[str]) -> GuardCaseChange | None:
        if before == after:
            return None
        expect = sorted(c.value for c in case.expect)
        problems = [f"{c} was flagged as expected, no longer" for c in expect if c in before and c not in after]
        problems += [f"{c} newly flagged, not expected" for c in after if c not in before and c not in expect]
        return GuardCaseChange(case_id=case.id, reply=case.reply, expect=expect, before=before, after=after,
                               problems=problems)

    def _flagged(self, case: GuardCase, shop: ShopKnowledge) -> list[str]:
        result = self.checker.check(shop, case.reply, now=case.now, order=case.order,
                                    conversation=case.conversation)
        return sorted({v.category.value for v in result.violations if v.severity is not Severity.info})


async def _outcome(pipeline: DraftingPipeline, request: DraftInput, case: GoldenCase) -> ConversationOutcome:
    response = await pipeline.draft(request)
    top = response.drafts[0] if response.drafts else None
    text = top.text if top else ""
    return ConversationOutcome(decision=response.decision, text=text, guard_passed=bool(top and top.guard.passed),
                               must_state=stated(text, case.must_state),
                               never_say=[p for p, _ in forbidden_hits(text, case.never_say)])
