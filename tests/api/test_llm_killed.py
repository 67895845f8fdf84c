"""The LLM server is killed while agents keep asking for drafts, then comes back (real processes).

`kefu serve` and bench/fake_llm.py run as processes; eight threads send draft requests (use_llm) the whole
time. While the LLM server is gone every answer is still a 200 with the deterministic drafts marked
`degraded`; once it listens again on the same port, LLM drafts come back without restarting kefu.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from service.settings import PROJECT_ROOT
from tests.retrieval.test_chroma_server import _free_port

pytestmark = pytest.mark.integration

BODY = {"shop_id": "demo", "use_llm": True, "n": 3,
        "conversation": [{"role": "customer", "text": "充电宝可以带上飞机吗?"}]}


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path | None = None) -> None:
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:] if log else "process exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{url} not up in 180 s"
        time.sleep(0.2)


class FakeLLM:
    """bench/fake_llm.py on a fixed port: killed with SIGKILL and started again on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "bench" / "fake_llm.py"), "--port",
                                      str(self.port), "--latency", "0.3"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _wait_until_up(f"http://127.0.0.1:{self.port}/stats", self.proc)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


@dataclass
class Load:
    """Agents asking for drafts in a loop; each answer is recorded with the time it came back."""

    url: str
    answers: list[tuple[float, int, bool]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def agent(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.stop.is_set():
                response = client.post(f"{self.url}/v1/drafts", json=BODY)
                degraded = response.json().get("degraded", True) if response.status_code == 200 else True
                self.answers.append((time.monotonic(), response.status_code, degraded))

    def since(self, moment: float) -> list[tuple[float, int, bool]]:
        return [a for a in list(self.answers) if a[0] >= moment]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM(_free_port())
    server.start()
    yield server
    server.kill()


@pytest.fixture
def kefu(tmp_path: Path, llm: FakeLLM) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "KEFU_DATA_DIR": str(tmp_path / "data"),
           "KEFU_KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"), "KEFU_EMBEDDING__MODE": "hashing",
           "KEFU_LLM__MODE": "litellm", "KEFU_LLM__MODEL": "openai/fake", "KEFU_LLM__API_KEY": "unused",
           "KEFU_LLM__API_BASE": f"http://127.0.0.1:{llm.port}/v1", "KEFU_LLM__TIMEOUT_S": "3",
           "KEFU_LLM__DEADLINE_S": "5", "KEFU_LLM__NUM_RETRIES": "0", "KEFU_LLM__COOLDOWN_S": "1",
           "KEFU_RATE_LIMIT__ENABLED": "false"}
    env.pop("KEFU_LLM_MODEL", None)
    env.pop("KEFU_DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                   env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_drafts_keep_coming_while_the_llm_server_is_killed_and_recover_when_it_is_back(
        kefu: str, llm: FakeLLM) -> None:
    load = Load(kefu)
    agents = [threading.Thread(target=load.agent) for _ in range(8)]
    for agent in agents:
        agent.start()
    try:
        deadline = time.monotonic() + 120  # the first drafts warm kefu up
        while not any(status == 200 and not degraded for _, status, degraded in list(load.answers)):
            assert time.monotonic() < deadline, f"no LLM draft before the kill: {load.answers[-3:]}"
            time.sleep(0.2)
        time.sleep(2)
        killed = time.monotonic()
        llm.kill()
        time.sleep(6)
        back = time.monotonic()
        llm.start()
        recovered = None
        deadline = back + 60
        while recovered is None and time.monotonic() < deadline:
            time.sleep(0.5)
            recovered = next((t for t, status, degraded in load.since(back) if status == 200 and not degraded), None)
    finally:
        load.stop.set()
        for agent in agents:
            agent.join(timeout=60)
    answers = load.answers
    assert {status for _, status, _ in answers} == {200}, "every answer a 200, none a 5xx"
    before = [d for t, _, d in answers if t < killed]
    assert before and not all(before), "LLM drafts before the kill"
    down = [d for t, _, d in answers if killed + 1 < t < back]  # answers sent after the kill
    assert len(down) >= 8 and all(down), "deterministic drafts, marked degraded, while the server is gone"
    assert recovered is not None, "no LLM draft within 60 s of the server coming back"
