"""/metrics in Prometheus format; one JSON log line per request, with its id, and nothing secret in logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from service.container import Services, build_services
from service.observability.logs import JsonFormatter
from service.settings import RateLimitSettings, Settings

PHONE = "13812345678"
KEY = "kf_secret_key_123456"
ADDRESS = "浙江省杭州市西湖区文三路100号3栋201室"
DRAFT = {"shop_id": "demo", "use_llm": False,
         "conversation": [{"role": "customer", "text": f"耳机坏了要退货,电话{PHONE},地址{ADDRESS}"}]}


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_stages_violations_rate_limits_and_index(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit": RateLimitSettings(requests=4, window_s=60)})
    with TestClient(create_app(limited)) as client:
        assert client.post("/v1/drafts", json=DRAFT).status_code == 200
        assert client.post("/v1/guard", json={"shop_id": "demo", "reply": "这是你自己用坏的,加微信私聊"}).status_code == 200
        assert client.get("/v1/shops/demo/docs/nope").status_code == 404
        assert client.post("/v1/search", json={"shop_id": "demo", "query": "x" * 5000}).status_code == 422
        assert client.get("/v1/shops/demo/docs").status_code == 429
        samples = _samples(client)
    assert _value(samples, "kefu_http_requests_total", method="POST", route="/v1/drafts", status="200") == 1
    assert _value(samples, "kefu_http_requests_total", method="GET", route="/v1/shops/{shop_id}/docs/{doc_id}",
                  status="404") == 1
    assert _value(samples, "kefu_http_request_duration_seconds_count", method="POST", route="/v1/drafts",
                  status="200") == 1
    for stage in ("retrieval", "compose", "guards"):
        assert _value(samples, "kefu_pipeline_stage_duration_seconds_count", stage=stage) >= 1, stage
    guard_hits = sum(v for (name, labels), v in samples.items()
                     if name == "kefu_guard_violations_total" and ("source", "guard") in labels)
    assert guard_hits >= 2  # blame + off-platform contact
    assert _value(samples, "kefu_rate_limited_total") == 1
    assert _value(samples, "kefu_index_chunks", shop="demo") > 10


def test_requests_refused_before_routing_share_one_label(client: TestClient) -> None:
    client.post("/v1/drafts", content=b"[" * 100, headers={"content-type": "application/json"})
    client.get(f"/v1/whatever/{PHONE}")
    samples = _samples(client)
    assert _value(samples, "kefu_http_requests_total", method="POST", route="unrouted", status="422") == 1
    assert _value(samples, "kefu_http_requests_total", method="GET", route="unrouted", status="404") == 1
    assert not any(PHONE in str(labels) for _, labels in samples)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_one_json_line_per_request_with_the_callers_request_id(client: TestClient, log_lines: io.StringIO) -> None:
    response = client.post("/v1/drafts", json=DRAFT, headers={"X-Request-ID": "agent-42.a"})
    generated = client.get("/healthz")
    bogus = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["X-Request-ID"] == "agent-42.a" == response.json()["request_id"]
    assert len(generated.headers["X-Request-ID"]) == 32
    assert bogus.headers["X-Request-ID"] != "bad id with spaces"
    access = [line for line in _lines(log_lines) if line["logger"] == "kefu.request"]
    assert len(access) == 3
    first = access[0]
    assert first["request_id"] == "agent-42.a" and first["route"] == "/v1/drafts" and first["status"] == 200
    assert first["method"] == "POST" and first["ms"] > 0


class _ExplodingPipeline:
    """A pipeline that fails with a message holding what a careless log would leak."""

    async def draft(self, request: object) -> object:
        raise RuntimeError(f"boom for {PHONE} at {ADDRESS} with Bearer {KEY}")


def test_logs_never_hold_keys_phone_numbers_or_addresses(settings: Settings, log_lines: io.StringIO) -> None:
    def factory(s: Settings) -> Services:
        services = build_services(s)
        services.pipeline = _ExplodingPipeline()  # type: ignore[assignment]
        return services

    headers = {"Authorization": f"Bearer {KEY}", "X-API-Key": KEY, "X-Request-ID": "leak-test"}
    with TestClient(create_app(settings, services_factory=factory), raise_server_exceptions=False) as client:
        ok = client.post("/v1/search", json={"shop_id": "demo", "query": f"退货 {PHONE}"}, headers=headers,
                         params={"phone": PHONE, "api_key": KEY})
        failed = client.post("/v1/drafts", json=DRAFT, headers=headers)
    assert ok.status_code == 200
    assert failed.status_code == 500 and failed.json()["error"] == "InternalError"
    assert PHONE not in failed.text and KEY not in failed.text
    text = log_lines.getvalue()
    assert "boom for" in text and "138****5678" in text  # the error was logged, masked
    for secret in (PHONE, KEY, "文三路100号"):
        assert secret not in text
