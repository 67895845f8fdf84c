"""The embedded default LLM: a GGUF run in process by xllamacpp, exposed as a litellm provider.

``register_local_provider(path)`` returns a model string such as ``"kefu-local/qwen2.5-coder-1.5b"``
that works with ``litellm.completion`` / ``litellm.acompletion`` like any hosted model. The model is
loaded lazily on the first call, once. llama.cpp's server keeps the KV cache of the last prompt
(``cache_prompt``), so a static system prompt placed first is processed only on the first call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# The env var above must be set before litellm is first imported (else it fetches a cost map online).
import litellm
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

logger = logging.getLogger(__name__)

PROVIDER = "kefu-local"
MODEL_NAME = "qwen2.5-coder-1.5b"
DEFAULT_MAX_TOKENS = 256

# OpenAI-style request params forwarded to llama.cpp's chat endpoint (others are dropped).
_FORWARDED = ("temperature", "top_p", "top_k", "min_p", "seed", "stop", "response_format",
              "frequency_penalty", "presence_penalty")  # fmt: skip


class LocalLLMError(Exception):
    """The local model failed; litellm maps ``status_code`` to its exceptions (400 → BadRequestError).

    Attributes:
        status_code: HTTP-like status: 400 for a bad request (e.g. prompt longer than the context),
            500 for a load or runtime failure.
        message: What went wrong.
    """

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class ChatServer(Protocol):
    """What we use of ``xllamacpp.Server``: one OpenAI-style chat call, request and reply as dicts."""

    def handle_chat_completions(self, request: dict[str, Any]) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LocalModelConfig:
    """How to run the local model.

    Attributes:
        model_path: GGUF file.
        threads: CPU threads for prompt processing and generation.
        ctx_size: Context window in tokens (prompt + reply).
        repeat_penalty: llama.cpp repetition penalty applied unless a call passes its own.
        default_max_tokens: Reply cap when a call passes no ``max_tokens``.
    """

    model_path: Path
    threads: int = 2
    ctx_size: int = 2048
    repeat_penalty: float = 1.1
    default_max_tokens: int = DEFAULT_MAX_TOKENS


ServerFactory = Callable[[LocalModelConfig], ChatServer]


def xllamacpp_server(config: LocalModelConfig) -> ChatServer:
    """Load the GGUF into an in-process llama.cpp server (takes seconds and ~1.2 GB of RAM)."""
    import xllamacpp  # lazy: a 100 MB native library

    params = xllamacpp.CommonParams()
    params.model.path = str(config.model_path)
    params.n_ctx = config.ctx_size
    params.n_parallel = 1  # one slot: its KV cache holds the previous prompt for reuse
    params.cpuparams.n_threads = config.threads
    params.cpuparams_batch.n_threads = config.threads
    params.cache_prompt = True
    params.verbosity = 0
    # xllamacpp always opens a loopback HTTP listener; a random key keeps other local users out.
    params.api_keys = [secrets.token_hex(16)]
    started = time.monotonic()
    try:
        server: ChatServer = xllamacpp.Server(params)
    except RuntimeError as exc:
        raise LocalLLMError(500, f"cannot load local model {config.model_path}: {exc}") from exc
    logger.info("local model %s loaded in %.1fs", config.model_path.name, time.monotonic() - started)
    return server


class LocalLLM(CustomLLM):
    """litellm provider that answers chat completions with an in-process llama.cpp server."""

    def __init__(self, config: LocalModelConfig, server_factory: ServerFactory = xllamacpp_server) -> None:
        super().__init__()
        self.config = config
        self.server_factory = server_factory
        self._server: ChatServer | None = None
        self._lock = threading.Lock()

    def server(self) -> ChatServer:
        """Return the server, loading the model on first use (once, even under concurrent calls)."""
        if self._server is None:
            with self._lock:
                if self._server is None:
                    self._server = self.server_factory(self.config)
        return self._server

    def build_request(self, messages: list[Any], optional_params: dict[str, Any]) -> dict[str, Any]:
        """Translate litellm's messages and optional params into a llama.cpp chat request."""
        max_tokens = optional_params.get("max_tokens", optional_params.get("max_completion_tokens"))
        request: dict[str, Any] = {
            "messages": messages,
            "max_tokens": int(max_tokens) if max_tokens is not None else self.config.default_max_tokens,
            "repeat_penalty": float(
                optional_params.get("repetition_penalty")
                or optional_params.get("repeat_penalty")
                or self.config.repeat_penalty
            ),
            "cache_prompt": True,
            "stream": False,
        }
        for key in _FORWARDED:
            if optional_params.get(key) is not None:
                request[key] = optional_params[key]
        if isinstance(request.get("stop"), str):
            request["stop"] = [request["stop"]]
        return request

    def completion(  # type: ignore[override]  # litellm passes everything by keyword
        self,
        *,
        model: str,
        messages: list[Any],
        model_response: ModelResponse,
        optional_params: dict[str, Any],
        **_: Any,
    ) -> ModelResponse:
        """Run one chat completion synchronously (litellm.completion lands here)."""
        request = self.build_request(messages, optional_params)
        started = time.monotonic()
        reply = self.server().handle_chat_completions(request)
        if "error" in reply:
            error = reply["error"]
            message = error.get("message", error) if isinstance(error, dict) else error
            code = int(error.get("code", 500)) if isinstance(error, dict) else 500
            raise LocalLLMError(code, f"local model: {message}")
        response = to_model_response(reply, model_response, f"{PROVIDER}/{model}")
        logger.debug(
            "local completion in %.2fs, timings %s", time.monotonic() - started, reply.get("timings")
        )
        return response

    async def acompletion(  # type: ignore[override]
        self,
        *,
        model: str,
        messages: list[Any],
        model_response: ModelResponse,
        optional_params: dict[str, Any],
        **_: Any,
    ) -> ModelResponse:
        """Run the sync path in a worker thread; xllamacpp releases the GIL while it computes."""
        return await asyncio.to_thread(
            self.completion,
            model=model,
            messages=messages,
            model_response=model_response,
            optional_params=optional_params,
        )


def to_model_response(reply: dict[str, Any], model_response: ModelResponse, model: str) -> ModelResponse:
    """Fill litellm's ``ModelResponse`` from an OpenAI-style reply dict of llama.cpp."""
    choice = reply["choices"][0]
    usage = reply.get("usage", {})
    cached = usage.get("prompt_tokens_details", {}).get("cached_tokens", 0)
    model_response.choices = [
        Choices(
            index=0,
            finish_reason=choice.get("finish_reason") or "stop",
            message=Message(role="assistant", content=choice["message"].get("content") or ""),
        )
    ]
    model_response.model = model
    model_response.created = int(reply.get("created", time.time()))
    model_response.id = reply.get("id") or f"chatcmpl-{uuid.uuid4()}"
    model_response.usage = Usage(  # type: ignore[attr-defined]  # litellm declares usage dynamically
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0),
        total_tokens=usage.get("total_tokens", 0),
        prompt_tokens_details={"cached_tokens": cached},
    )
    return model_response


_register_lock = threading.Lock()


def register_local_provider(
    model_path: Path,
    *,
    threads: int = 2,
    ctx_size: int = 2048,
    repeat_penalty: float = 1.1,
    server_factory: ServerFactory = xllamacpp_server,
) -> str:
    """Register the local model as litellm provider ``kefu-local`` and return its model string.

    Idempotent: registering the same configuration again keeps the existing handler (and its loaded
    model); a different configuration replaces it. Nothing is loaded until the first completion.

    Args:
        model_path: GGUF file, e.g. from ``fetch_local_model``.
        threads: CPU threads llama.cpp may use.
        ctx_size: Context window in tokens.
        repeat_penalty: Default llama.cpp repetition penalty (calls may pass ``repetition_penalty``).
        server_factory: Builds the server from the config; tests inject a fake.

    Returns:
        The model string for litellm, ``"kefu-local/qwen2.5-coder-1.5b"``.
    """
    config = LocalModelConfig(
        model_path=model_path.resolve(), threads=threads, ctx_size=ctx_size, repeat_penalty=repeat_penalty
    )
    with _register_lock:
        current = [item for item in litellm.custom_provider_map if item["provider"] == PROVIDER]
        handler = current[0]["custom_handler"] if current else None
        unchanged = (
            len(current) == 1
            and isinstance(handler, LocalLLM)
            and handler.config == config
            and handler.server_factory is server_factory
        )
        if not unchanged:
            others = [item for item in litellm.custom_provider_map if item["provider"] != PROVIDER]
            # Assign a new list: litellm iterates the map on every call, possibly from other threads.
            litellm.custom_provider_map = [
                *others,
                {"provider": PROVIDER, "custom_handler": LocalLLM(config, server_factory)},
            ]
            logger.info("registered litellm provider %s for %s", PROVIDER, config.model_path)
    return f"{PROVIDER}/{MODEL_NAME}"
