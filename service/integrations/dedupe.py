"""Remembers which webhook messages were already taken, so a repeated delivery drafts nothing.

In process by default; with Redis (`KEFU_REDIS_URL`) every worker shares the memory (SET NX with a TTL).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
MAX_REMEMBERED = 100_000


class SeenMessages(Protocol):
    async def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the TTL, False for a repeat."""
        ...

    async def close(self) -> None: ...


class MemorySeenMessages:
    """This process's memory of recent keys (oldest forgotten first)."""

    def __init__(self, ttl_s: int, max_keys: int = MAX_REMEMBERED) -> None:
        self.ttl_s = ttl_s
        self.max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self.ttl_s:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return True

    async def close(self) -> None:
        """Nothing to release."""


class RedisSeenMessages:
    """Keys shared by every worker; if Redis fails, this process's memory decides (and a warning is logged)."""

    def __init__(self, client: Redis, ttl_s: int, prefix: str = "kefu:chatwoot:seen:") -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.prefix = prefix
        self.fallback = MemorySeenMessages(ttl_s)

    async def first_time(self, key: str) -> bool:
        try:
            return bool(await self.client.set(self.prefix + key, b"1", nx=True, ex=self.ttl_s))
        except RedisError as exc:
            log.warning("chatwoot dedupe: Redis unavailable (%s); this process decides alone", type(exc).__name__)
            return await self.fallback.first_time(key)

    async def close(self) -> None:
        await self.client.aclose()
