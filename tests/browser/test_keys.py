"""On a server with API keys, the pages ask for one and send it (`Authorization: Bearer`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, kefu_serve, need_browser
from tests.browser.test_console import ANGRY


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_browser()
    with kefu_serve(tmp_path_factory.mktemp("kefu-keys"), keys=("agent", "editor")) as started:
        yield started


def test_without_a_key_the_page_says_so_and_with_one_it_drafts(page: Page, server: Server) -> None:
    page.goto("/console")
    expect(page.locator("#key-area")).to_be_visible()
    page.fill("#conversation", ANGRY)
    page.click("#draft")
    expect(page.locator("#status")).to_contain_text("401")
    page.fill("#api-key", server.tokens["agent"])
    page.click("#key-save")  # kept in the browser; the page reloads
    expect(page.locator("#api-key")).to_have_value(server.tokens["agent"])
    page.fill("#conversation", ANGRY)
    page.click("#draft")
    expect(page.locator("#status")).to_have_class("status good", timeout=60_000)
    expect(page.locator("article.draft").first).to_be_visible()


def test_the_editor_needs_an_editor_key(page: Page, server: Server) -> None:
    page.goto("/editor")
    page.fill("#api-key", server.tokens["agent"])
    page.click("#key-save")
    expect(page.locator("#list-status")).to_contain_text("403")
    page.fill("#api-key", server.tokens["editor"])
    page.click("#key-save")
    page.locator('#doc-list li[data-doc="faq-payment"]').click()
    expect(page.locator("#doc-title")).to_contain_text("faq-payment")
    text = page.locator("#text").input_value()
    page.fill("#text", text + "\n- 编辑者的修改\n")
    page.click("#save")
    expect(page.locator("#messages .banner.ok")).to_contain_text("2")
    expect(page.locator("#history-list li").first).not_to_contain_text(" · dev · ")  # the key's id is the author
