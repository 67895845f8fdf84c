"""Every LLM call goes through litellm: a hosted model, an OpenAI-compatible server or the local GGUF."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from service.errors import LLMError
from service.settings import LLMDeployment, LLMSettings

log = logging.getLogger(__name__)

LOCAL_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
LOCAL_MODEL_NAME = "kefu-local/qwen2.5-coder-1.5b"


class LLMReply(BaseModel):
    """What came back from one logical call (retries and fallbacks included)."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    queue_ms: float = Field(0.0, description="time spent waiting for a free slot of a deployment")
    call_ms: float = Field(0.0, description="time inside the model calls themselves (not queued)")


class StreamChunk(BaseModel):
    """A piece of a streamed reply and the model writing it."""

    text: str
    model: str


class LLMClient(Protocol):
    """Anything that completes chat messages."""

    @property
    def model_name(self) -> str: ...

    async def acomplete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply: ...

    def complete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply: ...


@runtime_checkable
class StreamingLLMClient(LLMClient, Protocol):
    """An LLM client that can also hand its reply over as it is written."""

    def astream(self, messages: list[dict[str, str]]) -> AsyncIterator[StreamChunk]: ...


def _import_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMClient:
    """Every drafting call goes through one litellm Router over the configured deployments.

    The Router retries, cools failing deployments down and falls back group by group; each deployment
    sits behind a gate (service/drafting/llm_gate.py) that bounds its concurrent calls and starts the
    call's deadline only once it runs. The whole logical call is bounded by ``deadline_s`` and cancelled
    when that passes (or when the caller is cancelled).
    """

    def __init__(self, settings: LLMSettings, data_dir: Path, *, local_server_factory: Any = None) -> None:
        """Args:
            settings: the LLM settings (deployments, limits, retries).
            data_dir: where the local model file lives by default.
            local_server_factory: builds the in-process llama.cpp server (tests pass a fake).
        """
        self.settings = settings
        self._data_dir = data_dir
        self._server_factory = local_server_factory
        self._lock = threading.Lock()
        self._router: Any = None
        self._groups: list[str] = []
        self._gates: list[Any] = []
        self._uid = uuid.uuid4().hex[:8]

    @property
    def model_name(self) -> str:
        first = self.deployments()[0]
        return LOCAL_MODEL_NAME if _is_local(first.model) else first.model

    def local_model_path(self) -> Path:
        return self.settings.local_model_path or self._data_dir / "models" / LOCAL_MODEL_FILE

    def deployments(self) -> list[LLMDeployment]:
        """The configured deployments, or the single one that mode/model/api_base describe."""
        if self.settings.deployments:
            return list(self.settings.deployments)
        if self.settings.mode == "local":
            return [LLMDeployment(name="local", model="kefu-local", max_concurrency=self.settings.local_max_concurrency,
                                  timeout_s=self.settings.timeout_s)]
        return [LLMDeployment(name="primary", model=self.settings.model or "unset", api_base=self.settings.api_base,
                              max_concurrency=self.settings.max_concurrency, timeout_s=self.settings.timeout_s)]

    def model_string(self) -> str:
        """The litellm model string of the first deployment (registers the local provider if needed)."""
        first = self.deployments()[0]
        return self._local_model() if _is_local(first.model) else first.model

    def _local_model(self) -> str:
        path = self.local_model_path()
        if not path.is_file():
            raise LLMError(f"local model not found at {path}; run `kefu model fetch`")
        from service.drafting.local_llm import register_local_provider, xllamacpp_server

        return register_local_provider(path, threads=self.settings.threads,
                                       server_factory=self._server_factory or xllamacpp_server)

    def _api_key(self, deployment: LLMDeployment) -> str | None:
        if deployment.api_key_env:
            key = os.environ.get(deployment.api_key_env)
        else:
            key = None if self.settings.deployments else self.settings.api_key
        if key is None and deployment.api_base and deployment.model.startswith("openai/"):
            # A self-hosted OpenAI-compatible server (vLLM, Ollama) often wants no key; the SDK wants one.
            key = os.environ.get("OPENAI_API_KEY") or "no-key"
        return key

    def _build(self) -> Any:
        """The Router, built on first use; a deployment that cannot run (no local model) is left out."""
        with self._lock:
            if self._router is not None:
                return self._router
            if self.settings.mode == "off" and not self.settings.deployments:
                raise LLMError("LLM is off (KEFU_LLM__MODE=off)")
            if self.settings.mode == "litellm" and not self.settings.deployments and not self.settings.model:
                raise LLMError("KEFU_LLM_MODEL is not set")
            litellm = _import_litellm()
            from service.drafting.llm_gate import Target, register_gates

            targets: list[tuple[str, Target]] = []
            problems: list[str] = []
            for i, deployment in enumerate(self.deployments()):
                local = _is_local(deployment.model)
                try:
                    model = self._local_model() if local else deployment.model
                except LLMError as exc:
                    problems.append(str(exc))
                    continue
                concurrency = deployment.max_concurrency if self.settings.deployments else (
                    self.settings.local_max_concurrency if local else self.settings.max_concurrency)
                targets.append((deployment.name, Target(
                    gate_id=f"{self._uid}-{i}", model=model, api_base=deployment.api_base,
                    api_key=self._api_key(deployment), max_concurrency=concurrency, timeout_s=deployment.timeout_s,
                    queue_timeout_s=self.settings.queue_timeout_s, in_process=local)))
            if not targets:
                raise LLMError("; ".join(problems) or "no LLM deployment configured")
            for problem in problems:
                log.warning("LLM deployment left out: %s", problem)
            self._gates = register_gates([target for _, target in targets])
            from service.drafting.llm_prices import register_zero_prices

            register_zero_prices(litellm, [f"kefu-gate/{target.gate_id}" for _, target in targets],
                                 [target.model for _, target in targets])
            groups = list(dict.fromkeys(name for name, _ in targets))
            model_list = [{"model_name": name, "model_info": {"id": target.gate_id},
                           "litellm_params": {"model": f"kefu-gate/{target.gate_id}"}} for name, target in targets]
            self._router = litellm.Router(
                model_list=model_list, fallbacks=[{groups[0]: groups[1:]}] if len(groups) > 1 else [],
                num_retries=self.settings.num_retries, allowed_fails=self.settings.allowed_fails,
                cooldown_time=self.settings.cooldown_s, retry_after=0,
            )
            self._groups = groups
            return self._router

    def gates(self) -> list[Any]:
        """The deployments' gates (queue depth, calls in flight), once the Router is built."""
        return list(self._gates)

    def warm_up(self) -> None:
        """Do the first call's one-off work now, not inside the first request's deadline.

        The Router's first call and the OpenAI SDK's lazy imports take about 2 s on this machine; the
        local model takes 2-3 s to load (holding the GIL).
        """
        try:
            router = self._build()
            if any(not _is_local(d.model) for d in self.deployments()):
                import openai.resources  # noqa: F401  # imported lazily by the SDK's first request

            from service.drafting.background_loop import run_sync

            run_sync(router.acompletion(model=self._groups[0], messages=[{"role": "user", "content": "hi"}],
                                        mock_response="ok"))
            litellm = _import_litellm()
            if any(_is_local(d.model) for d in self.deployments()):
                for item in litellm.custom_provider_map:
                    if item["provider"] == "kefu-local":
                        item["custom_handler"].server()
        except Exception as exc:  # a missing model must not stop the service: drafts degrade instead
            log.warning("LLM not warmed up: %s", exc)

    async def acomplete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply:
        """One chat completion through the Router (retries, cooldowns, fallbacks).

        Raises:
            LLMError: every deployment failed, or ``deadline_s`` passed (the call is then cancelled).
        """
        router = self._build()
        from service.drafting.llm_gate import CALL_STATS, CallStats

        deadline = timeout_s or self.settings.deadline_s
        stats = CallStats()
        token = CALL_STATS.set(stats)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(deadline):
                response = await router.acompletion(
                    model=self._groups[0], messages=messages, max_tokens=self.settings.max_tokens,
                    temperature=self.settings.temperature,
                )
        except TimeoutError as exc:
            raise LLMError(f"no answer within {deadline:g} s (deployments tried: {len(stats.attempts)})") from exc
        except LLMError:
            raise
        except Exception as exc:  # litellm raises many provider-specific types
            raise LLMError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
        finally:
            CALL_STATS.reset(token)
        return self._reply(response, stats, started)

    async def astream(self, messages: list[dict[str, str]]) -> AsyncIterator[StreamChunk]:
        """The reply's text as the model writes it (litellm's ``acompletion(stream=True)``).

        Deployments are tried in order until one starts answering; once text has come, a failure is final
        (half an answer cannot be continued by another model). The in-process model does not stream: when
        it is the first deployment its reply comes as one piece. The caller bounds the whole call.

        Raises:
            LLMError: no deployment started answering, or the stream broke.
        """
        self._build()
        if self._gates[0].target.in_process:
            reply = await self.acomplete(messages)
            yield StreamChunk(text=reply.text, model=reply.model)
            return
        litellm = _import_litellm()
        problems: list[str] = []
        for gate in (g for g in self._gates if not g.target.in_process):
            target = gate.target
            started = False
            try:
                async with gate.held():
                    stream = await litellm.acompletion(
                        model=target.model, messages=messages, api_base=target.api_base, api_key=target.api_key,
                        timeout=target.timeout_s, num_retries=0, stream=True, max_tokens=self.settings.max_tokens,
                        temperature=self.settings.temperature)
                    try:
                        async for chunk in stream:
                            choices = getattr(chunk, "choices", None) or []
                            text = choices[0].delta.content if choices else None
                            if text:
                                started = True
                                yield StreamChunk(text=text, model=target.model)
                    finally:
                        closing = getattr(stream, "aclose", None)
                        if closing is not None:
                            await closing()
                return
            except Exception as exc:  # litellm raises many provider-specific types
                problem = f"{target.model}: {type(exc).__name__}: {str(exc)[:200]}"
                if started:
                    raise LLMError(f"the stream broke: {problem}") from exc
                problems.append(problem)
        raise LLMError("; ".join(problems) or "no deployment can stream")

    def complete(self, messages: list[dict[str, str]], *, timeout_s: float | None = None) -> LLMReply:
        """The same call for synchronous callers (evaluation scorers), on kefu's background loop."""
        from service.drafting.background_loop import run_sync

        return run_sync(self.acomplete(messages, timeout_s=timeout_s))

    def _reply(self, response: Any, stats: Any, started: float) -> LLMReply:
        usage = getattr(response, "usage", None)
        hidden = getattr(response, "_hidden_params", None) or {}
        cost = float(hidden.get("response_cost") or 0.0)  # litellm priced it already (0 when unknown)
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices else None
        if not isinstance(content, str):
            raise LLMError("the model's answer had no text")
        return LLMReply(
            text=content,
            model=stats.served_by or str(getattr(response, "model", None) or self.model_name),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=cost,
            latency_ms=(time.perf_counter() - started) * 1000,
            queue_ms=stats.queue_ms,
            call_ms=stats.call_ms,
        )


def _is_local(model: str) -> bool:
    return model == "kefu-local" or model.startswith("kefu-local/")


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
