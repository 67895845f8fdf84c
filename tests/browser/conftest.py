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
from contextlib import contextmanager
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
    env: dict[str, str]
    tokens: dict[str, str]  # role → API key created before the server started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def need_browser() -> None:
    if Path(CHROMIUM).is_file():
        return
    message = f"no browser at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def running(args: list[str], env: dict[str, str], ready_url: str, log_path: Path) -> Iterator[None]:
    """A subprocess of this Python, until the block ends; up once `ready_url` answers 200."""
    with log_path.open("w") as log:
        process = subprocess.Popen([sys.executable, *args], cwd=PROJECT_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{args} exited: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(ready_url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args} did not answer: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def kefu_serve(root: Path, keys: tuple[str, ...] = (), **settings: str) -> Iterator[Server]:
    """`kefu serve`: hashing embedder, a copy of the demo shop, no LLM unless `settings` say otherwise; with
    `keys` (roles), a key of each role for the demo shop is created first (the server then wants keys)."""
    shutil.copytree(PROJECT_ROOT / "knowledge" / "demo", root / "knowledge" / "demo")
    port = free_port()
    env = {**os.environ, "KEFU_DATA_DIR": str(root / "data"), "KEFU_KNOWLEDGE_DIR": str(root / "knowledge"),
           "KEFU_EMBEDDING__MODE": "hashing", "KEFU_LLM__MODE": "off", "HF_HUB_OFFLINE": "1", **settings}
    for name in ("KEFU_DATABASE_URL", "KEFU_LLM_MODEL", "KEFU_REDIS_URL", "KEFU_CHROMA_URL"):
        env.pop(name, None)
    tokens = {}
    for role in keys:
        created = subprocess.run([sys.executable, "-m", "service.cli", "keys", "create", "--role", role, "--shop",
                                  "demo"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
        tokens[role] = created.stdout.strip().splitlines()[-1]
    url = f"http://127.0.0.1:{port}"
    with running(["-m", "service.cli", "serve", "--port", str(port)], env, f"{url}/healthz", root / "serve.log"):
        yield Server(url=url, data_dir=root / "data", env=env, tokens=tokens)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    need_browser()
    with kefu_serve(tmp_path_factory.mktemp("kefu-serve")) as started:
        yield started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    need_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A 1366×768 Chinese-language tab on the server; an error in the page's scripts fails the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", base_url=server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert not errors, f"errors in the page: {errors}"
