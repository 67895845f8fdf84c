"""The stats page in headless Chromium: a draft copied in the console shows up in the charts and the numbers."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console import draft


def test_a_copied_draft_is_counted_on_the_stats_page(page: Page, server: Server) -> None:
    draft(page)
    first = page.locator("article.draft").first
    first.locator("button.copy").click()
    expect(first.locator(".feedback-status")).to_contain_text("已记录反馈")
    page.goto("/stats?shop=demo&days=7")
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.locator(".card", has_text="接待量").locator("b")).to_have_text("1")
    expect(page.locator(".card", has_text="解决率").locator("b")).to_have_text("100%")
    expect(page.locator(".card", has_text="采纳").locator("b")).to_have_text("100%")
    expect(page.locator("svg.chart rect title").first).to_contain_text("conversations: 1")
