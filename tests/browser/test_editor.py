"""The knowledge editor in headless Chromium against a real `kefu serve`: edit, conflicts, problems, history."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server
from tests.browser.test_console import draft


def open_doc(page: Page, doc_id: str) -> None:
    page.goto("/editor")
    page.locator(f'#doc-list li[data-doc="{doc_id}"]').click()
    expect(page.locator("#doc-title")).to_contain_text(doc_id)


def test_an_edit_shows_in_the_next_draft_and_in_the_history(page: Page) -> None:
    draft(page)
    expect(page.locator("article.draft .reply-text").first).to_contain_text("15天")
    open_doc(page, "policy-returns")
    text = page.locator("#text").input_value()
    assert "quality_exchange_days: 15" in text
    page.fill("#text", text.replace("quality_exchange_days: 15", "quality_exchange_days: 30"))
    page.fill("#note", "换货期延长到30天")
    page.click("#save")
    expect(page.locator("#messages .banner.ok")).to_contain_text("2")
    expect(page.locator("#history-list li").first).to_contain_text("换货期延长到30天")
    page.locator("#history-list li").first.locator("button.diff-prev").click()
    expect(page.locator("#diff .del")).to_contain_text("quality_exchange_days: 15")
    expect(page.locator("#diff .add")).to_contain_text("quality_exchange_days: 30")

    draft(page)
    expect(page.locator("article.draft .reply-text").first).to_contain_text("30天")


def test_a_stale_save_is_a_clear_conflict_and_nothing_is_lost(page: Page, server: Server) -> None:
    open_doc(page, "faq-payment")
    mine = page.locator("#text").input_value() + "\n- 我的修改\n"
    page.fill("#text", mine)
    theirs = httpx.get(f"{server.url}/v1/shops/demo/docs/faq-payment")
    saved = httpx.put(f"{server.url}/v1/shops/demo/docs/faq-payment", content=theirs.text + "\n- 别人的修改\n",
                      headers={"If-Match": theirs.headers["ETag"], "Content-Type": "text/markdown"})
    assert saved.status_code == 200
    page.click("#save")
    expect(page.locator("#messages .banner.conflict")).to_be_visible()
    expect(page.locator("#text")).to_have_value(mine)
    page.locator("#messages button", has_text="看差异").click()
    expect(page.locator("#diff .add")).to_contain_text("我的修改")
    expect(page.locator("#diff .del")).to_contain_text("别人的修改")
    page.locator("#messages button", has_text="载入最新").click()
    expect(page.locator("#text")).to_have_value(httpx.get(f"{server.url}/v1/shops/demo/docs/faq-payment").text)


def test_an_invalid_document_lists_its_problems_and_is_not_saved(page: Page, server: Server) -> None:
    open_doc(page, "faq-authenticity")
    before = httpx.get(f"{server.url}/v1/shops/demo/docs/faq-authenticity")
    page.fill("#text", page.locator("#text").input_value().replace("type: faq", "type: rumour", 1))
    page.click("#save")
    problems = page.locator("#messages .banner.problems-box")
    expect(problems).to_contain_text("type")
    after = httpx.get(f"{server.url}/v1/shops/demo/docs/faq-authenticity")
    assert after.headers["ETag"] == before.headers["ETag"] and after.text == before.text


def test_restore_an_earlier_version(page: Page, server: Server) -> None:
    open_doc(page, "faq-promotions")
    original = page.locator("#text").input_value()
    page.fill("#text", original + "\n- 临时活动\n")
    page.click("#save")
    expect(page.locator("#messages .banner.ok")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('#history-list li[data-version="1"] button.restore').click()
    expect(page.locator("#messages .banner.ok")).to_contain_text("3")
    expect(page.locator("#text")).to_have_value(original)
    current = httpx.get(f"{server.url}/v1/shops/demo/docs/faq-promotions")
    assert current.headers["ETag"] == '"3"' and current.text == original


def test_a_citation_made_before_an_edit_says_so(page: Page, server: Server) -> None:
    draft(page)
    cite = page.locator("article.draft .cite", has_text="policy-returns").first
    current = httpx.get(f"{server.url}/v1/shops/demo/docs/policy-returns")
    cited = int(current.headers["ETag"].strip('"'))
    saved = httpx.put(f"{server.url}/v1/shops/demo/docs/policy-returns", content=current.text + "\n- 补充说明\n",
                      headers={"If-Match": current.headers["ETag"], "Content-Type": "text/markdown"})
    assert saved.status_code == 200
    cite.click()
    source = page.locator("#source")
    expect(source.locator(".warn")).to_contain_text(f"当前版本 {cited + 1}")
    expect(source.locator("a").first).to_have_attribute("href", f"/v1/shops/demo/docs/policy-returns?version={cited}")
