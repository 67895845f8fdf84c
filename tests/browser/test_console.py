"""The agent console in headless Chromium against a real `kefu serve`."""

from __future__ import annotations

import json

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server

ORDER = {"order_id": "D1", "status": "delivered", "paid_at": "2026-11-01T10:00:00+08:00",
         "shipped_at": "2026-11-01T18:00:00+08:00", "delivered_at": "2026-11-04T12:00:00+08:00",
         "items": [{"sku": "AB3", "title": "AirBeat 3 真无线蓝牙耳机", "category": "耳机", "price": 299, "qty": 1}]}
NOW = "2026-11-16T10:00:00+08:00"
ANGRY = "买家: 你们这耳机什么破质量!才用几天就一边没声音了,气死我了,我要退货!"


def draft(page: Page, conversation: str = ANGRY) -> None:
    page.goto("/console")
    expect(page.locator("#shop")).to_have_value("demo")
    page.fill("#conversation", conversation)
    page.fill("#order", json.dumps(ORDER, ensure_ascii=False))
    page.fill("#now", NOW)
    page.click("#draft")
    expect(page.locator("#status")).to_have_class("status good", timeout=60_000)  # the stream's `done`


def test_pasted_conversation_gets_guarded_cited_drafts_and_their_sources(page: Page) -> None:
    draft(page)
    first = page.locator("article.draft").first
    expect(first).to_have_attribute("data-source", "composer")
    expect(first.locator(".reply-text")).to_contain_text("15天")
    expect(first).to_have_class("draft passed")
    first.locator(".cite", has_text="policy-returns").first.click()
    source = page.locator("#source")
    expect(source.locator("pre.chunk")).not_to_be_empty()
    expect(source).to_contain_text("policy-returns")
    expect(source.locator("a").first).to_have_attribute("href", "/v1/shops/demo/docs/policy-returns?version=1")
    expect(page.locator("#meta")).to_contain_text("LLM is off")  # the degraded event, not an error


def test_own_reply_shows_each_violation_highlighted_with_its_message(page: Page) -> None:
    draft(page)
    page.fill("#own", "这是你自己使用不当造成的,我们不负责。")
    page.click("#own-check")
    mark = page.locator("#own-result mark.sev-error").first
    expect(mark).to_be_visible()
    expect(page.locator("#own-result .state")).to_have_class("state bad")
    title = mark.get_attribute("title") or ""
    assert "blame" in title
    marked = page.locator("#own-result mark").all_inner_texts()
    assert marked and all(piece in "这是你自己使用不当造成的,我们不负责。" for piece in marked)
    assert any("你自己" in piece for piece in marked)
    expect(page.locator("#own-result li.sev-error").first).to_contain_text("blame.")


def test_edit_a_draft_then_check_it_again(page: Page) -> None:
    draft(page)
    page.locator("article.draft button.edit").first.click()
    expect(page.locator("#own")).to_have_value(page.locator("article.draft .reply-text").first.inner_text())
    expect(page.locator("#own-result .state")).to_have_class("state good")


def adoption(server: Server) -> dict[str, int]:
    report = httpx.get(f"{server.url}/v1/shops/demo/feedback/report")
    assert report.status_code == 200, report.text
    counts: dict[str, int] = report.json()["adoption"]
    return counts


def test_copy_puts_the_draft_on_the_clipboard_and_records_it_as_used(page: Page, server: Server) -> None:
    before = adoption(server)
    draft(page)
    first = page.locator("article.draft").first
    first.locator("button.copy").click()
    text = first.locator(".reply-text").inner_text()
    assert page.evaluate("navigator.clipboard.readText()") == text
    expect(first.locator(".feedback-status")).to_contain_text("已记录反馈 (原样使用)")
    after = adoption(server)
    assert after["with_feedback"] == before["with_feedback"] + 1 and after["as_is"] == before["as_is"] + 1


def test_an_edited_draft_is_recorded_as_edited(page: Page, server: Server) -> None:
    before = adoption(server)
    draft(page)
    page.locator("article.draft button.edit").first.click()
    page.fill("#own", page.locator("#own").input_value() + "另外送您一张5元无门槛优惠券。")
    page.click("#own-send")
    expect(page.locator("#own-status")).to_contain_text("修改后使用")
    assert page.evaluate("navigator.clipboard.readText()").endswith("5元无门槛优惠券。")
    after = adoption(server)
    assert after["edited"] == before["edited"] + 1


def test_english_labels_and_a_laptop_screen(page: Page) -> None:
    page.goto("/console")
    page.click("#lang")
    expect(page.locator("#draft")).to_have_text("Draft")
    for pane in ("section.input-pane", "section.drafts-pane", "aside.source-pane"):
        box = page.locator(pane).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366 + 1 and box["height"] <= 768
    page.click("#lang")
    expect(page.locator("#draft")).to_have_text("生成草稿")


def test_bad_input_says_what_and_where(page: Page) -> None:
    page.goto("/console")
    page.fill("#conversation", "买家: 在吗")
    page.fill("#order", '{"status": "teleported"}')
    page.click("#draft")
    expect(page.locator("#status")).to_contain_text("order.status")
