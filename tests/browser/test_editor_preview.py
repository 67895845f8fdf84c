"""The editor's publish-gate preview in headless Chromium against a real `kefu serve` whose demo shop requires
clean previews: preview an edit (what changes, worse cases first), an invalid document's problems, and a save
the gate refuses (409 banner with the report, nothing saved, the text kept)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, kefu_serve, need_browser
from tests.browser.test_editor import open_doc
from tests.evaluation.test_publish_preview import fifteen_days

PREVIEW_TIMEOUT_MS = 180_000  # the preview runs every golden conversation twice: seconds on a busy machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The conftest's server, with the demo shop publishing only edits whose preview is clean."""
    need_browser()
    with kefu_serve(tmp_path_factory.mktemp("kefu-clean"), KEFU_CLEAN_PREVIEW_SHOPS='["demo"]') as started:
        yield started


def current(server: Server, doc_id: str) -> httpx.Response:
    return httpx.get(f"{server.url}/v1/shops/demo/docs/{doc_id}")


def test_preview_of_a_longer_return_window_lists_the_cases_that_get_worse_first(page: Page,
                                                                                 server: Server) -> None:
    open_doc(page, "policy-returns")
    before = current(server, "policy-returns")
    edited = fifteen_days(page.locator("#text").input_value())
    assert "no_reason_return_days: 15" in edited
    page.fill("#text", edited)
    page.click("#preview")
    expect(page.locator("#preview")).to_be_disabled()  # running: seconds
    expect(page.locator("#preview-status")).to_have_class("status running")

    totals = page.locator("#preview-panel .pv-totals")
    expect(totals).to_be_visible(timeout=PREVIEW_TIMEOUT_MS)
    expect(page.locator("#preview")).to_be_enabled()
    expect(totals).to_have_class("pv-totals dirty")
    expect(totals).to_contain_text("条用例变差")
    run = int(totals.locator("tr.pv-conv td").nth(0).inner_text())
    changed = int(totals.locator("tr.pv-conv td").nth(1).inner_text())
    guard_run = int(totals.locator("tr.pv-guard td").nth(0).inner_text())
    assert run > 50 and guard_run > 100 and 0 < changed < run

    cases = page.locator("#preview-body li.pv-case")
    assert cases.count() == changed + int(totals.locator("tr.pv-guard td").nth(1).inner_text())
    kinds = [cases.nth(i).get_attribute("class") for i in range(cases.count())]
    worse = [k == "pv-case worse" for k in kinds]
    assert any(worse) and worse == sorted(worse, reverse=True), "the cases that got worse come first"
    first = cases.first
    expect(first.locator(".pv-flag")).to_have_text("变差")
    expect(first.locator("ul.problems li").first).not_to_be_empty()
    # a returns conversation: what changed is spelled out (facts or decision), with both drafts
    seven_day = page.locator('#preview-body li.pv-case.worse[data-kind="conversation"]', has_text="demo-7d").first
    expect(seven_day.locator("dl.pv-rows")).to_contain_text("必须说明的事实")
    expect(seven_day.locator(".pv-text.add")).to_contain_text("15", use_inner_text=False)
    assert page.locator('#preview-body li.pv-case[data-kind="guard"]').count() > 0

    after = current(server, "policy-returns")  # a preview publishes nothing
    assert after.headers["ETag"] == before.headers["ETag"] and after.text == before.text
    expect(page.locator("#text")).to_have_value(edited)


def test_preview_of_an_invalid_document_lists_every_problem(page: Page) -> None:
    open_doc(page, "faq-authenticity")
    text = page.locator("#text").input_value()
    broken = text.replace("type: faq", "type: rumour", 1).replace("title:", "titel:", 1)
    page.fill("#text", broken)
    page.click("#preview")
    box = page.locator("#preview-body .banner.problems-box")
    expect(box).to_contain_text("文档有问题,无法预览", timeout=PREVIEW_TIMEOUT_MS)
    expect(box).to_contain_text("422")
    items = box.locator("ul.problems li")
    assert items.count() >= 2, items.all_inner_texts()
    listed = " ".join(items.all_inner_texts())
    assert "type" in listed and "titel" in listed, listed
    expect(page.locator("#preview")).to_be_enabled()
    expect(page.locator("#preview-body .pv-totals")).to_have_count(0)


def test_a_save_the_clean_preview_gate_refuses_shows_the_report_and_saves_nothing(page: Page, server: Server) -> None:
    open_doc(page, "policy-returns")
    before = current(server, "policy-returns")
    edited = fifteen_days(page.locator("#text").input_value())
    page.fill("#text", edited)
    page.fill("#note", "退货期延长到15天")
    page.click("#save")
    expect(page.locator("#save")).to_be_disabled()  # the gate previews first: seconds
    banner = page.locator("#messages .banner.not-clean")
    expect(banner).to_contain_text("本店要求预览没有问题才能发布", timeout=PREVIEW_TIMEOUT_MS)
    expect(banner).to_contain_text("PreviewNotClean")
    expect(page.locator("#preview-banner .not-clean")).to_be_visible()
    expect(page.locator("#preview-panel .pv-totals.dirty")).to_be_visible()
    expect(page.locator("#preview-body li.pv-case.worse").first).to_be_visible()
    expect(page.locator("#text")).to_have_value(edited)
    expect(page.locator("#save")).to_be_enabled()

    after = current(server, "policy-returns")
    assert after.headers["ETag"] == before.headers["ETag"] and after.text == before.text
    history = httpx.get(f"{server.url}/v1/shops/demo/docs/policy-returns/history").json()["versions"]
    assert len(history) == 1


def test_the_preview_panel_reads_in_english(page: Page) -> None:
    page.goto("/editor")
    page.evaluate("localStorage.setItem('kefu.lang', 'en')")
    open_doc(page, "faq-payment")
    expect(page.locator("#preview")).to_have_text("Preview impact")
    page.fill("#text", page.locator("#text").input_value() + "\n- 支持花呗分期\n")
    page.click("#preview")
    totals = page.locator("#preview-panel .pv-totals")
    expect(totals).to_be_visible(timeout=PREVIEW_TIMEOUT_MS)
    expect(totals).to_contain_text("Golden conversations")
    expect(totals).to_contain_text("Guard cases")
    page.click("#preview-close")
    expect(page.locator("#preview-panel")).to_be_hidden()
