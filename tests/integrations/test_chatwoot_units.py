"""The private note's wording and the shared dedupe memory (real Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from redis.asyncio import Redis

from service.drafting.models import Citation, Draft, DraftResponse, RetrievedChunk
from service.drafting.prompt import PromptLibrary
from service.guards.base import Category, GuardResult, Severity, Violation
from service.integrations.chatwoot import NOTE_TEMPLATE
from service.integrations.dedupe import MemorySeenMessages, RedisSeenMessages
from service.policy.facts import compute_order_facts
from service.policy.rules import LAW_DEFAULTS
from service.settings import PROJECT_ROOT

NOTES = PromptLibrary(PROJECT_ROOT / "prompts")


def response(*drafts: Draft) -> DraftResponse:
    return DraftResponse(request_id="r", drafts=list(drafts), model="composer", timings_ms={}, intent="x",
                         decision="answer", order_facts=compute_order_facts(LAW_DEFAULTS, None, datetime(2026, 11, 1)),
                         retrieved=[RetrievedChunk(doc_id="policy-returns", chunk_id="policy-returns#2",
                                                   title="退换货与退款政策", score=1.0)])


def draft(text: str, *violations: Violation) -> Draft:
    passed = not any(v.severity is Severity.error for v in violations)
    return Draft(text=text, citations=[Citation(doc_id="policy-returns", chunk_id="policy-returns#2")],
                 guard=GuardResult(passed=passed, violations=list(violations)), source="composer")


def render(best: Draft) -> str:
    return NOTES.render(NOTE_TEMPLATE, draft=best, sources=[("退换货与退款政策", "policy-returns#2")],
                        degraded_reason="")


def test_a_passing_draft_with_a_warning_shows_the_flag_and_its_fix() -> None:
    warning = Violation(category=Category.false_promise, rule="false_promise.delivery", severity=Severity.warning,
                        message="不要承诺到货时间", span=(0, 4), suggestion="以快递为准")
    note = render(draft("明天送到,亲", warning))
    assert "退换货与退款政策 (policy-returns#2)" in note
    assert "⚠ warning false_promise.delivery: 「明天送到」 不要承诺到货时间 → 以快递为准" in note
    assert "未通过检查" not in note


def test_a_failing_draft_is_marked_before_anyone_copies_it() -> None:
    error = Violation(category=Category.platform_rule, rule="platform_rule.review_reward", message="好评返现违法",
                      span=(0, 4))
    assert "未通过检查" in render(draft("好评返现 5 元", error))


def test_the_bot_picks_the_best_passing_draft() -> None:
    from service.integrations.chatwoot import ChatwootBot
    from service.settings import ChatwootSettings

    error = Violation(category=Category.blame, rule="blame.x", message="m", span=(0, 1))
    bot = ChatwootBot(ChatwootSettings(), None, None, NOTES, MemorySeenMessages(60), None,  # type: ignore[arg-type]
                      max_turn_chars=1000, max_conversation_chars=8000)
    note = bot.note(response(draft("坏的回复", error), draft("好的回复")))
    assert "好的回复" in note and "坏的回复" not in note


def test_memory_forgets_after_the_ttl() -> None:
    async def run() -> list[bool]:
        seen = MemorySeenMessages(ttl_s=0)
        first = await seen.first_time("1:118")
        await asyncio.sleep(0.01)
        return [first, await seen.first_time("1:118")]

    assert asyncio.run(run()) == [True, True]


def test_redis_dedupe_is_shared_between_workers() -> None:
    async def run() -> list[bool]:
        prefix = f"kefu:test:{uuid.uuid4().hex}:"
        one = RedisSeenMessages(Redis.from_url("redis://127.0.0.1:6379/0"), 60, prefix)
        two = RedisSeenMessages(Redis.from_url("redis://127.0.0.1:6379/0"), 60, prefix)
        try:
            return [await one.first_time("1:118"), await two.first_time("1:118"), await two.first_time("1:119")]
        finally:
            await one.client.delete(prefix + "1:118", prefix + "1:119")
            await one.close()
            await two.close()

    assert asyncio.run(run()) == [True, False, True]


def test_an_unreachable_redis_falls_back_to_this_process() -> None:
    async def run() -> list[bool]:
        seen = RedisSeenMessages(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2), 60)
        try:
            return [await seen.first_time("1:118"), await seen.first_time("1:118")]
        finally:
            await seen.close()

    assert asyncio.run(run()) == [True, False]

