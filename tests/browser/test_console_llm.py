"""The console with an LLM (a fake OpenAI-compatible server, streaming): drafts at once, the LLM's written in."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, free_port, kefu_serve, need_browser, running
from tests.browser.fake_llm import BLAME, FIXED, GOOD
from tests.browser.test_console import ANGRY, ORDER


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_browser()
    root = tmp_path_factory.mktemp("kefu-llm")
    port = free_port()
    with running(["-m", "tests.browser.fake_llm", "--port", str(port), "--piece-delay", "0.08", "--repair-delay", "2"], dict(os.environ),
                 f"http://127.0.0.1:{port}/docs", root / "llm.log"), \
            kefu_serve(root, KEFU_LLM__MODE="litellm", KEFU_LLM__MODEL="openai/fake",
                       KEFU_LLM__API_BASE=f"http://127.0.0.1:{port}/v1", KEFU_LLM__API_KEY="unused") as started:
        yield started


def test_the_llm_draft_streams_in_after_the_deterministic_ones_and_a_failing_one_is_blocked_then_fixed(
        page: Page) -> None:
    page.goto("/console")
    expect(page.locator("#shop")).to_have_value("demo")
    page.fill("#conversation", ANGRY)
    page.fill("#order", json.dumps(ORDER, ensure_ascii=False))
    page.fill("#now", "2026-11-16T10:00:00+08:00")
    page.click("#draft")
    writing = page.locator("article.draft.writing")
    expect(writing.first).to_be_visible(timeout=30_000)  # text arriving, not yet checked
    assert page.locator('article.draft[data-source="composer"]').count() >= 1, "deterministic drafts came first"
    expect(writing.first.locator("button.copy")).to_have_count(0)  # nothing to copy while it is written
    good = page.locator('article.draft[data-source="llm"]', has_text=GOOD[:12])
    expect(good).to_have_class("draft passed", timeout=30_000)
    expect(good.locator("button.copy")).to_be_enabled()
    blocked = page.locator('article.draft[data-source="llm"]', has_text=BLAME[:6])
    expect(blocked).to_have_class("draft blocked")
    expect(blocked.locator("button.copy")).to_be_disabled()
    expect(blocked.locator("mark.sev-error").first).to_be_visible()
    expect(blocked.locator("li.sev-error").first).to_contain_text("blame")
    index = blocked.get_attribute("data-index")
    expect(page.locator("#status")).to_have_class("status good", timeout=60_000)
    fixed = page.locator(f'article.draft[data-index="{index}"]')  # the LLM's fix took the blocked one's place
    expect(fixed).to_contain_text(FIXED[:10])
    expect(fixed).to_have_class("draft passed")
    expect(fixed.locator("button.copy")).to_be_enabled()
    expect(page.locator("article.draft", has_text=BLAME[:6])).to_have_count(0)
