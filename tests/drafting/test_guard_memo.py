"""Within one request a draft text is guarded once: an LLM draft repeating a composer draft is not re-checked."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import anyio

from service.container import Services
from service.drafting.models import DraftInput
from service.guards.base import GuardResult, Turn
from service.guards.checker import ReplyChecker
from tests.fakes import FakeLLM


class CountingChecker(ReplyChecker):
    """The real checker, counting the texts it checks."""

    def __init__(self, inner: ReplyChecker) -> None:
        super().__init__(inner.runner, inner.zone)
        self.texts: list[str] = []

    def check(self, shop: Any, reply: str, **kwargs: Any) -> GuardResult:
        self.texts.append(reply)
        return super().check(shop, reply, **kwargs)


def request(use_llm: bool) -> DraftInput:
    return DraftInput(shop_id="demo", conversation=[Turn(role="customer", text="这款耳机支持降噪吗?")],
                      now=datetime(2026, 11, 11, 10, 0), n=3, use_llm=use_llm)


def test_an_llm_draft_repeating_a_composer_draft_is_not_checked_again(services: Services) -> None:
    pipeline = services.pipeline
    counting = CountingChecker(pipeline.checker)
    pipeline.checker = counting
    plain = anyio.run(pipeline.draft, request(False))
    composer = plain.drafts[0]
    assert composer.source == "composer" and composer.guard.passed and not composer.repaired
    composer_checks = len(counting.texts)
    assert composer_checks >= 1

    counting.texts.clear()
    pipeline.llm = FakeLLM([json.dumps({"drafts": [{"text": composer.text, "citations": []},
                                                   {"text": "亲,这款耳机支持主动降噪哦,有需要随时联系我们~", "citations": []}]},
                                       ensure_ascii=False)])
    both = anyio.run(pipeline.draft, request(True))
    # the composer drafts as before, the new LLM text once, the repeated text not again
    assert len(counting.texts) == composer_checks + 1
    assert counting.texts.count(composer.text) == 1
    assert both.drafts[0].text == composer.text and both.drafts[0].guard == composer.guard

    counting.texts.clear()
    anyio.run(pipeline.draft, request(False))  # nothing is kept across requests
    assert len(counting.texts) == composer_checks
