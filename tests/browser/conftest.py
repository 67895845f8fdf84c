"""A real `kefu serve` (uvicorn) on a free port with a temp data dir and the demo shop, and headless Chromium.

The browser is Debian's `chromium` driven by Playwright (never a downloaded browser). Without it these tests
skip on a developer's machine; in CI (`CI` set) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from service.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("KEFU_CHROMIUM", "/usr/bin/chromium")


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _need_browser() -> None:
    if Path(CHROMIUM).is_file():
        return
    message = f"no browser at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`kefu serve` in a subprocess: hashing embedder, no LLM, a copy of the demo shop, no API keys."""
    _need_browser()
    root = tmp_path_factory.mktemp("kefu-serve")
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", root / "knowledge" / "demo")
    port = _free_port()
    env = {**os.environ, "KEFU_DATA_DIR": str(root / "data"), "KEFU_KNOWLEDGE_DIR": str(root / "knowledge"),
           "KEFU_EMBEDDING__MODE": "hashing", "KEFU_LLM__MODE": "off", "HF_HUB_OFFLINE": "1"}
    env.pop("KEFU_DATABASE_URL", None)
    log = (root / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                               cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kefu serve exited: {(root / 'serve.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"kefu serve did not answer: {(root / 'serve.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield Server(url=url, data_dir=root / "data")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _need_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"errors in the page: {errors}"
