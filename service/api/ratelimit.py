"""Per-caller rate limit (fixed window) → 429 with Retry-After; in Redis when several workers share it.

The caller is `request.state.caller_id` when authentication set one, else a hash of the API key sent
(`Authorization: Bearer …` or `X-API-Key`), else the client address.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from service.errors import RateLimited
from service.observability.metrics import Metrics
from service.settings import RateLimitSettings

log = logging.getLogger(__name__)

# INCR, start the window on the first hit (PEXPIRE), answer the count and the window's remaining ms.
_FIXED_WINDOW = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class RateDecision:
    """Whether one more request is allowed, and when to retry if not."""

    allowed: bool
    remaining: int
    retry_after_s: int


class RateLimiter(Protocol):
    """Counts one request for a caller and says whether it is within the limit."""

    async def hit(self, caller: str) -> RateDecision: ...

    async def close(self) -> None: ...


def _decision(count: int, limit: int, remaining_ms: float) -> RateDecision:
    retry = max(1, math.ceil(remaining_ms / 1000))
    return RateDecision(allowed=count <= limit, remaining=max(0, limit - count), retry_after_s=retry)


class MemoryRateLimiter:
    """In-process fixed windows (one worker); old windows are dropped so memory stays bounded."""

    def __init__(self, requests: int, window_s: int, *, clock: Callable[[], float] = time.monotonic,
                 max_callers: int = 100_000) -> None:
        self.requests = requests
        self.window_s = window_s
        self.clock = clock
        self.max_callers = max_callers
        self._counts: dict[str, tuple[int, int]] = {}  # caller → (window number, count)

    async def hit(self, caller: str) -> RateDecision:
        now = self.clock()
        window = int(now // self.window_s)
        if len(self._counts) >= self.max_callers:
            self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        seen_window, count = self._counts.get(caller, (window, 0))
        count = count + 1 if seen_window == window else 1
        self._counts[caller] = (window, count)
        return _decision(count, self.requests, ((window + 1) * self.window_s - now) * 1000)

    async def close(self) -> None:
        self._counts.clear()


class RedisRateLimiter:
    """Fixed windows in Redis, one atomic Lua script per request: all workers share the counts.

    When Redis cannot be reached the request is let through (and logged): the limiter protects the
    service, it must not be the reason the service is down.
    """

    def __init__(self, client: Redis, requests: int, window_s: int, prefix: str) -> None:
        self.client = client
        self.requests = requests
        self.window_ms = window_s * 1000
        self.prefix = prefix
        self._script = client.register_script(_FIXED_WINDOW)

    async def hit(self, caller: str) -> RateDecision:
        try:
            count, ttl_ms = await self._script(keys=[self.prefix + caller], args=[self.window_ms])
        except (RedisError, OSError) as exc:
            log.warning("rate limit not checked, Redis unavailable: %s", type(exc).__name__)
            return RateDecision(allowed=True, remaining=self.requests, retry_after_s=0)
        return _decision(int(count), self.requests, float(ttl_ms))

    async def close(self) -> None:
        await self.client.aclose()


def build_rate_limiter(settings: RateLimitSettings, redis_url: str | None) -> RateLimiter | None:
    """The limiter the settings ask for: none, Redis (shared) or in process."""
    if not settings.enabled:
        return None
    if redis_url:
        client: Redis = Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
        return RedisRateLimiter(client, settings.requests, settings.window_s, settings.key_prefix)
    return MemoryRateLimiter(settings.requests, settings.window_s)


def caller_key(request: Request) -> str:
    """Who is calling: the authenticated caller id, else the API key's hash, else the client address."""
    caller_id: Any = getattr(request.state, "caller_id", None)
    if caller_id:
        return f"id:{caller_id}"
    authorization = request.headers.get("authorization", "")
    key = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    key = key or request.headers.get("x-api-key", "").strip()
    if key:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "addr:" + (request.client.host if request.client else "unknown")


async def enforce_rate_limit(request: Request) -> None:
    """FastAPI dependency: 429 with Retry-After when the caller is over its limit."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    decision = await limiter.hit(caller_key(request))
    if not decision.allowed:
        metrics: Metrics | None = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.rate_limited.inc()
        raise RateLimited(f"too many requests; retry after {decision.retry_after_s} s",
                          retry_after_s=decision.retry_after_s)
