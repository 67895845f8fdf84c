"""Every LLM call goes through litellm: a hosted model, an OpenAI-compatible server or the local GGUF."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from service.errors import LLMError
from service.settings import LLMSettings

log = logging.getLogger(__name__)

LOCAL_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class LLMReply(BaseModel):
    """What came back from one call."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class LLMClient(Protocol):
    """Anything that completes chat messages."""

    @property
    def model_name(self) -> str: ...

    def complete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply: ...


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMClient:
    """Calls litellm.completion with the configured model; the local GGUF is a litellm custom provider."""

    def __init__(self, settings: LLMSettings, data_dir: Path) -> None:
        self.settings = settings
        self._data_dir = data_dir
        self._model: str | None = None
        self._lock = threading.Lock()
        # One call at a time (the local model serves one anyway); lets us stop waiting at the deadline.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-llm")

    @property
    def model_name(self) -> str:
        if self.settings.mode == "local":
            return "kefu-local/qwen2.5-coder-1.5b"
        return self.settings.model

    def local_model_path(self) -> Path:
        return self.settings.local_model_path or self._data_dir / "models" / LOCAL_MODEL_FILE

    def model_string(self) -> str:
        """The model string litellm is called with (registers the local provider if needed)."""
        return self._resolve_model()

    def _resolve_model(self) -> str:
        with self._lock:
            if self._model is None:
                if self.settings.mode == "off":
                    raise LLMError("LLM is off (KEFU_LLM__MODE=off)")
                if self.settings.mode == "local":
                    path = self.local_model_path()
                    if not path.is_file():
                        raise LLMError(f"local model not found at {path}; run `kefu model fetch`")
                    from service.drafting.local_llm import register_local_provider

                    self._model = register_local_provider(path, threads=self.settings.threads)
                else:
                    if not self.settings.model:
                        raise LLMError("KEFU_LLM_MODEL is not set")
                    self._model = self.settings.model
            return self._model

    def warm_up(self) -> None:
        """Load the local model now (2-3 s holding the GIL) rather than inside the first request."""
        if self.settings.mode != "local":
            return
        try:
            self._resolve_model()
            litellm = _import_litellm()
            for item in litellm.custom_provider_map:
                if item["provider"] == "kefu-local":
                    item["custom_handler"].server()
        except Exception as exc:  # a missing model must not stop the service: drafts degrade instead
            log.warning("local LLM not loaded: %s", exc)

    def complete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply:
        """One chat completion.

        Raises:
            LLMError: on any failure or timeout (the caller degrades to deterministic drafts).
        """
        litellm = _import_litellm()
        model = self._resolve_model()
        started = time.perf_counter()
        timeout = timeout_s or self.settings.timeout_s
        future: Future[Any] = self._executor.submit(
            litellm.completion, model=model, messages=messages, max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature, timeout=timeout, api_base=self.settings.api_base,
            api_key=self.settings.api_key, num_retries=0,
        )
        try:
            response = future.result(timeout=timeout)
        except FutureTimeout as exc:
            raise LLMError(f"no answer within {timeout:g} s") from exc
        except Exception as exc:  # litellm raises many provider-specific types
            raise LLMError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
        usage = getattr(response, "usage", None)
        try:
            cost = float(litellm.completion_cost(completion_response=response))
        except Exception:
            cost = 0.0
        return LLMReply(
            text=response.choices[0].message.content or "",
            model=str(getattr(response, "model", None) or model),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=cost,
            latency_ms=(time.perf_counter() - started) * 1000,
        )


class ParsedDraft(BaseModel):
    text: str
    citations: list[str]


MIN_DRAFT_CHARS = 8  # shorter "drafts" are echoes of the format ("回复", "回复1"), not replies
_PLACEHOLDER = re.compile(r"^[<\[(]?(回复|答复|reply|text)\s*\d*[>\])]?$", re.IGNORECASE)


def parse_drafts(text: str) -> list[ParsedDraft]:
    """Usable drafts from the model's output; placeholders and fragments are dropped."""
    return [d for d in _parse(text) if len(d.text) >= MIN_DRAFT_CHARS and not _PLACEHOLDER.match(d.text)]


def _parse(text: str) -> list[ParsedDraft]:
    """Drafts from the model's output: the JSON it was asked for, or lenient fallbacks."""
    cleaned = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.MULTILINE).strip()
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(cleaned[start:end + 1])
            items = data.get("drafts", []) if isinstance(data, dict) else []
            drafts = []
            for item in items:
                if isinstance(item, dict) and str(item.get("text", "")).strip():
                    cites = item.get("citations") or []
                    drafts.append(ParsedDraft(text=str(item["text"]).strip(),
                                              citations=[str(c) for c in cites if isinstance(c, str | int)]))
                elif isinstance(item, str) and item.strip():
                    drafts.append(ParsedDraft(text=item.strip(), citations=[]))
            if drafts:
                return drafts
        except json.JSONDecodeError:
            pass
    found = re.findall(r'"text"\s*:\s*"((?:[^"\\]|\\.)+)"', cleaned)
    if found:
        return [ParsedDraft(text=json.loads(f'"{t}"'), citations=re.findall(r"[a-z0-9_-]+#\d+", cleaned))
                for t in found]
    lines = [re.sub(r"^\s*(\d+[.、)]|[-*])\s*", "", line).strip() for line in cleaned.splitlines()]
    return [ParsedDraft(text=line, citations=re.findall(r"[a-z0-9_-]+#\d+", line))
            for line in lines if len(line) >= 6 and "{" not in line]
