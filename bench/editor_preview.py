"""Browser benchmark: time from pressing 预览影响 in the editor to the publish gate's report on screen.

Usage: python bench/editor_preview.py [--runs 3] [--embedding use-onnx] [--screenshot docs/editor-preview.png]

Starts `kefu serve` (demo knowledge, LLM off: a preview drafts deterministically in any case), opens
/editor on the demo shop's policy-returns in headless Chromium (Debian's /usr/bin/chromium via Playwright),
replaces the return window 7 → 15 days in the editor and presses 预览影响 `--runs` times, printing each
time (click → report rendered) and the report's totals. The first run is the one an editor waits for after
the server starts; later runs show what an editor waits for on previewing again. With --screenshot, the
page with the last report is saved (1366×768, Chinese labels).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from load import free_port, wait_until_up
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.evaluation.test_publish_preview import fifteen_days  # noqa: E402 — the edit the tests preview


def measure(url: str, runs: int, chromium: str, screenshot: Path | None) -> list[float]:
    times: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page.goto(f"{url}/editor?shop=demo&doc=policy-returns")
        page.wait_for_function("document.querySelector('#doc-title').textContent.includes('policy-returns')")
        page.fill("#text", fifteen_days(page.locator("#text").input_value()))
        for _ in range(runs):
            started = time.perf_counter()
            page.click("#preview")
            page.wait_for_selector("#preview-panel .pv-totals", timeout=600_000)
            times.append(time.perf_counter() - started)
            rows = [page.locator(f"#preview-panel tr.{r}").inner_text().split() for r in ("pv-conv", "pv-guard")]
            print(f"preview {len(times)}: {times[-1]:.1f} s; run/changed/worse conversations {rows[0][-3:]}, "
                  f"guard cases {rows[1][-3:]}", flush=True)
        if screenshot is not None:
            worse = page.locator("#preview-body li.pv-case.worse")
            decided = worse.filter(has_text="处理决定")  # one whose decision changed, if any
            shown = (decided if decided.count() else worse).first
            shown.locator("details").evaluate("d => { d.open = true; }")
            shown.scroll_into_view_if_needed()
            page.screenshot(path=str(screenshot))
            print(f"screenshot: {screenshot}")
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embedding", default="use-onnx", help="KEFU_EMBEDDING__MODE for the server started here")
    parser.add_argument("--screenshot", type=Path, help="save the page with the last report here")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kefu-preview-bench-") as tmp:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "KEFU_DATA_DIR": tmp,
               "KEFU_KNOWLEDGE_DIR": str(ROOT / "knowledge"), "KEFU_EMBEDDING__MODE": args.embedding,
               "KEFU_LLM__MODE": "off", "HF_HUB_OFFLINE": "1", "ORT_DISABLE_TELEMETRY": "1"}
        env.pop("KEFU_CLEAN_PREVIEW_SHOPS", None)
        log = (Path(tmp) / "kefu.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                  env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(f"{url}/healthz", server)
            times = measure(url, args.runs, args.chromium, args.screenshot)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{len(times)} previews of policy-returns 7 → 15 days (embedding {args.embedding}): "
          + ", ".join(f"{t:.1f} s" for t in times))


if __name__ == "__main__":
    main()
