"""Per-caller rate limit: 429 with Retry-After, in process or shared by workers through the real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.requests import Request

from service.api.ratelimit import MemoryRateLimiter, RedisRateLimiter, caller_key
from service.app import create_app
from service.settings import RateLimitSettings, Settings

REDIS_URL = "redis://127.0.0.1:6379/0"
SEARCH = {"shop_id": "demo", "query": "退货运费谁出"}


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_memory_limiter_counts_per_caller_and_window() -> None:
    clock = Clock(1000.0)
    limiter = MemoryRateLimiter(3, 60, clock=clock)

    async def hits(caller: str, n: int) -> list[bool]:
        return [(await limiter.hit(caller)).allowed for _ in range(n)]

    assert asyncio.run(hits("a", 4)) == [True, True, True, False]
    assert asyncio.run(hits("b", 1)) == [True]
    clock.now = 1015.5  # window [960, 1020): 4.5 s left
    assert asyncio.run(limiter.hit("a")).retry_after_s == 5
    clock.now = 1020.0
    assert asyncio.run(hits("a", 1)) == [True]


def test_memory_limiter_drops_old_windows_when_full() -> None:
    clock = Clock(0.0)
    limiter = MemoryRateLimiter(1, 10, clock=clock, max_callers=100)
    for i in range(100):
        asyncio.run(limiter.hit(f"c{i}"))
    clock.now = 10.0
    asyncio.run(limiter.hit("new"))
    assert len(limiter._counts) == 1


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"kefu-test:{uuid.uuid4().hex}:"
    yield prefix
    client = SyncRedis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


def test_redis_limiter_is_shared_by_two_workers(redis_prefix: str) -> None:
    async def run() -> list[tuple[bool, int]]:
        workers = [RedisRateLimiter(Redis.from_url(REDIS_URL), 3, 30, redis_prefix) for _ in range(2)]
        out = []
        for i in range(5):
            decision = await workers[i % 2].hit("key:abc")
            out.append((decision.allowed, decision.retry_after_s))
        out.append(((await workers[0].hit("key:other")).allowed, 0))
        for worker in workers:
            await worker.close()
        return out

    results = asyncio.run(run())
    assert [allowed for allowed, _ in results] == [True, True, True, False, False, True]
    assert 1 <= results[3][1] <= 30
    ttl = SyncRedis.from_url(REDIS_URL).pttl(redis_prefix + "key:abc")
    assert 0 < ttl <= 30_000


def test_redis_unreachable_lets_requests_through() -> None:
    async def run() -> bool:
        limiter = RedisRateLimiter(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5), 1, 60, "x:")
        decisions = [await limiter.hit("a") for _ in range(3)]
        await limiter.close()
        return all(d.allowed for d in decisions)

    assert asyncio.run(run())


def _limited(settings: Settings, requests: int, redis_url: str | None = None, prefix: str = "kefu:rl:") -> Settings:
    return settings.model_copy(update={"rate_limit": RateLimitSettings(requests=requests, window_s=60, key_prefix=prefix),
                                       "redis_url": redis_url})


@pytest.mark.parametrize("shared", [False, True])
def test_burst_past_the_limit_gets_429_with_retry_after(settings: Settings, redis_prefix: str, shared: bool) -> None:
    app_settings = _limited(settings, 3, REDIS_URL if shared else None, redis_prefix)
    with TestClient(create_app(app_settings)) as client:
        codes = [client.post("/v1/search", json=SEARCH, headers={"X-API-Key": "k-one"}).status_code for _ in range(3)]
        refused = client.post("/v1/search", json=SEARCH, headers={"Authorization": "Bearer k-one"})
        other_key = client.post("/v1/search", json=SEARCH, headers={"Authorization": "Bearer k-two"})
        health = [client.get("/healthz").status_code for _ in range(5)]
    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()
    assert body["error"] == "RateLimited" and body["where"] == "rate_limit" and "retry after" in body["message"]
    assert other_key.status_code == 200
    assert health == [200] * 5  # health checks are not limited
    if shared:
        keys = list(SyncRedis.from_url(REDIS_URL).scan_iter(match=redis_prefix + "*"))
        assert len(keys) == 2 and all(b"k-one" not in k for k in keys)  # the key is stored hashed


def _request(headers: dict[str, str], caller_id: str | None = None) -> Request:
    scope = {"type": "http", "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("10.0.0.7", 5000), "state": {}}
    request = Request(scope)
    if caller_id:
        request.state.caller_id = caller_id
    return request


def test_caller_key_prefers_the_authenticated_id_then_the_key_then_the_address() -> None:
    assert caller_key(_request({"X-API-Key": "secret"}, caller_id="key-17")) == "id:key-17"
    bearer = caller_key(_request({"Authorization": "Bearer secret"}))
    assert bearer == caller_key(_request({"X-API-Key": "secret"})) and bearer.startswith("key:")
    assert "secret" not in bearer
    assert caller_key(_request({})) == "addr:10.0.0.7"
