"""Per-deployment concurrency: a queue of bounded wait in front of each deployment, a deadline per call.

litellm's Router sees every kefu deployment as ``kefu-gate/<id>``; this provider takes a slot of that
deployment (waiting at most ``queue_timeout_s``), then calls the real model with litellm's async API
under a deadline that starts only now. A cancelled caller cancels the HTTP request it was waiting on.
The in-process model cannot be interrupted mid-computation (it runs in a worker thread), so its slot
stays taken until the thread is done: the next call never piles onto a busy llama.cpp slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm's import: no cost-map fetch
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")  # httpx transport: cancellable, seen by respx

import litellm
from litellm.exceptions import Timeout as LLMTimeout
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import ModelResponse

PROVIDER = "kefu-gate"
# Request params passed on to the real model (litellm hands a custom provider everything it was given).
_FORWARDED = ("max_tokens", "temperature", "top_p", "stop", "seed", "response_format", "repetition_penalty")


@dataclass(frozen=True)
class Target:
    """What one gated deployment really calls, and how many calls it takes at once."""

    gate_id: str
    model: str
    api_base: str | None
    api_key: str | None
    max_concurrency: int
    timeout_s: float
    queue_timeout_s: float
    in_process: bool


@dataclass
class CallStats:
    """What the gates saw during one logical LLM call (all retries and fallbacks); read by the client."""

    queue_ms: float = 0.0
    call_ms: float = 0.0
    attempts: list[str] = field(default_factory=list)
    served_by: str | None = None  # the model string of the deployment that answered


CALL_STATS: ContextVar[CallStats | None] = ContextVar("kefu_llm_call_stats", default=None)


class Gate:
    """One deployment's slots. asyncio primitives belong to one event loop, so each loop gets its own."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()
        self.waiting = 0
        self.in_flight = 0

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        with self._lock:
            slot = self._slots.get(loop)
            if slot is None:
                slot = self._slots[loop] = asyncio.Semaphore(self.target.max_concurrency)
            return slot

    def _timeout(self, what: str) -> LLMTimeout:
        return LLMTimeout(message=f"deployment {self.target.gate_id} ({self.target.model}): {what}",
                            model=self.target.model, llm_provider=PROVIDER)

    async def call(self, start: Callable[[], Awaitable[ModelResponse]]) -> ModelResponse:
        """Run ``start()`` in a slot, under the deployment's deadline.

        Raises:
            litellm.Timeout: no slot within ``queue_timeout_s`` or no answer within ``timeout_s``
                (the Router then retries or falls back).
        """
        target, stats = self.target, CALL_STATS.get()
        slot = self._semaphore()
        queued = time.perf_counter()
        self.waiting += 1
        try:
            async with asyncio.timeout(target.queue_timeout_s):
                await slot.acquire()
        except TimeoutError:
            raise self._timeout(f"no free slot within {target.queue_timeout_s:g} s "
                                f"({target.max_concurrency} calls in flight)") from None
        finally:
            self.waiting -= 1
        started = time.perf_counter()
        self.in_flight += 1
        if stats is not None:
            stats.queue_ms += (started - queued) * 1000
            stats.attempts.append(target.gate_id)
        release = True
        try:
            if not target.in_process:
                async with asyncio.timeout(target.timeout_s):
                    response = await start()
                if stats is not None:
                    stats.served_by = target.model
                return response
            task = asyncio.ensure_future(start())
            try:
                async with asyncio.timeout(target.timeout_s):
                    response = await asyncio.shield(task)
                if stats is not None:
                    stats.served_by = target.model
                return response
            finally:
                if not task.done():  # abandoned: the worker thread still computes, the slot stays taken
                    release = False
                    task.add_done_callback(lambda done: self._release_after(slot, done))
        except TimeoutError:
            raise self._timeout(f"no answer within {target.timeout_s:g} s") from None
        finally:
            if stats is not None:
                stats.call_ms += (time.perf_counter() - started) * 1000
            if release:
                self.in_flight -= 1
                slot.release()

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold one slot of this deployment for a streamed call (waiting at most ``queue_timeout_s``).

        Raises:
            litellm.Timeout: no slot within ``queue_timeout_s``.
        """
        target, stats = self.target, CALL_STATS.get()
        slot = self._semaphore()
        queued = time.perf_counter()
        self.waiting += 1
        try:
            async with asyncio.timeout(target.queue_timeout_s):
                await slot.acquire()
        except TimeoutError:
            raise self._timeout(f"no free slot within {target.queue_timeout_s:g} s "
                                f"({target.max_concurrency} calls in flight)") from None
        finally:
            self.waiting -= 1
        started = time.perf_counter()
        self.in_flight += 1
        if stats is not None:
            stats.queue_ms += (started - queued) * 1000
            stats.attempts.append(target.gate_id)
        try:
            yield
        finally:
            if stats is not None:
                stats.call_ms += (time.perf_counter() - started) * 1000
            self.in_flight -= 1
            slot.release()

    def _release_after(self, slot: asyncio.Semaphore, done: asyncio.Future[Any]) -> None:
        self.in_flight -= 1
        slot.release()
        if not done.cancelled():
            done.exception()  # retrieved: an abandoned call's failure is nobody's to report


class GateProvider(CustomLLM):
    """litellm provider ``kefu-gate``: ``kefu-gate/<id>`` calls the real model of gate ``id``."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, Gate] = {}

    async def acompletion(  # type: ignore[override]  # litellm passes everything by keyword
        self, *, model: str, messages: list[Any], optional_params: dict[str, Any], **_: Any
    ) -> ModelResponse:
        gate = self.gates[model]
        target = gate.target
        params = {key: optional_params[key] for key in _FORWARDED if optional_params.get(key) is not None}

        async def start() -> ModelResponse:
            response: ModelResponse = await litellm.acompletion(
                model=target.model, messages=messages, api_base=target.api_base, api_key=target.api_key,
                timeout=target.timeout_s, num_retries=0, **params,
            )
            return response

        return await gate.call(start)


_register_lock = threading.Lock()


def register_gates(targets: list[Target]) -> list[Gate]:
    """Register the gates (once per id) under the process-wide litellm provider ``kefu-gate``."""
    with _register_lock:
        found = [item["custom_handler"] for item in litellm.custom_provider_map if item["provider"] == PROVIDER]
        provider = found[0] if found and isinstance(found[0], GateProvider) else None
        if provider is None:
            provider = GateProvider()
            others = [item for item in litellm.custom_provider_map if item["provider"] != PROVIDER]
            # A new list: litellm reads the map on every call, possibly from other threads.
            litellm.custom_provider_map = [*others, {"provider": PROVIDER, "custom_handler": provider}]
        gates = [Gate(target) for target in targets]
        provider.gates.update((gate.target.gate_id, gate) for gate in gates)
        return gates


def unregister_gates(gates: list[Gate]) -> None:
    """Forget gates (a client that is closed); unknown ids are ignored."""
    with _register_lock:
        for item in litellm.custom_provider_map:
            if item["provider"] == PROVIDER and isinstance(item["custom_handler"], GateProvider):
                for gate in gates:
                    with contextlib.suppress(KeyError):
                        del item["custom_handler"].gates[gate.target.gate_id]
