"""LLM drafts run concurrently against a real (fake) OpenAI-compatible server over HTTP on loopback.

Not a timing benchmark (bench/load.py is): the bounds are loose, they only fail if calls run one
after another or deterministic drafts wait behind the LLM.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from service.api.schemas import DraftResponse
from service.app import create_app
from service.settings import PROJECT_ROOT, LLMSettings, Settings
from tests.api.test_drafts_api import ANGRY_12_DAYS

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("litellm_over_httpx")]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fake_llm(latency_s: float) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "bench" / "fake_llm.py"), "--port", str(port),
                             "--latency", str(latency_s)])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/stats", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def fast_llm() -> Iterator[str]:
    yield from _fake_llm(0.5)


@pytest.fixture
def slow_llm() -> Iterator[str]:
    yield from _fake_llm(3.0)




async def _client(settings: Settings, llm_base: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings.model_copy(update={"llm": LLMSettings(
        mode="litellm", model="openai/fake", api_base=f"{llm_base}/v1", api_key="x", max_concurrency=64,
        timeout_s=20, deadline_s=60)}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kefu", timeout=120) as client:
            yield client


async def _post(client: httpx.AsyncClient, **overrides: Any) -> DraftResponse:
    response = await client.post("/v1/drafts", json={**ANGRY_12_DAYS, "use_llm": True, **overrides})
    assert response.status_code == 200, response.text
    return DraftResponse.model_validate(response.json())


async def test_fifty_concurrent_llm_drafts_overlap(settings: Settings, fast_llm: str) -> None:
    async for client in _client(settings, fast_llm):
        await _post(client)  # first call sets up litellm's HTTP client
        started = time.perf_counter()
        responses = await asyncio.gather(*(_post(client) for _ in range(50)))
        elapsed = time.perf_counter() - started

    assert all(not r.degraded and any(d.source == "llm" for d in r.drafts) for r in responses)
    assert elapsed < 20, f"50 calls of 0.5 s took {elapsed:.1f} s: they did not run concurrently"
    stats = httpx.get(f"{fast_llm}/stats").json()
    assert stats["calls"] == 51 and stats["peak"] >= 10


async def test_deterministic_drafts_do_not_wait_behind_the_llm(settings: Settings, slow_llm: str) -> None:
    async for client in _client(settings, slow_llm):
        await _post(client)
        waiting = [asyncio.create_task(_post(client)) for _ in range(20)]
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        quick = await _post(client, use_llm=False)
        quick_s = time.perf_counter() - started
        llm_done_meanwhile = sum(task.done() for task in waiting)
        slow = await asyncio.gather(*waiting)

    assert quick.drafts and quick.model == "composer" and not quick.degraded
    assert llm_done_meanwhile == 0 and quick_s < 3.0, f"deterministic drafts took {quick_s:.2f} s"
    assert all(not r.degraded for r in slow)
