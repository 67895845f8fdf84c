"""Redaction: no API keys, phone numbers or addresses in log lines; JSON lines carry the request id."""

from __future__ import annotations

import json
import logging

import pytest

from service.observability.logs import JsonFormatter, redact, request_id_var


@pytest.mark.parametrize(("text", "secret", "kept"), [
    ("买家电话13812345678,请回电", "13812345678", "138****5678"),
    ("phone: +86 15900001111.", "15900001111", "159****1111"),
    ("Authorization: Bearer kf_live_9aZ8", "kf_live_9aZ8", "Bearer [redacted]"),
    ("x-api-key=abc123secret", "abc123secret", "x-api-key=[redacted]"),
    ('{"api_key": "zzz-top"}', "zzz-top", '"api_key": "[redacted]"'),
    ("litellm key sk-proj-ABCDEFGH123", "sk-proj-ABCDEFGH123", "[redacted]"),
    ("寄到浙江省杭州市西湖区文三路100号3栋201室,谢谢", "文三路100号", "[address]"),
    ("地址:上海市浦东新区世纪大道88号", "世纪大道88号", "[address]"),
])
def test_redact_masks_secrets(text: str, secret: str, kept: str) -> None:
    out = redact(text)
    assert secret not in out and kept in out


@pytest.mark.parametrize("text", [
    "签收后7天内可以无理由退货,运费买家承担",
    "订单号 202611160001234 已发货",  # 15 digits: not a phone number
    "AirBeat 3 续航30小时,IPX7防水",
])
def test_redact_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_json_formatter_writes_one_redacted_object_with_the_request_id() -> None:
    record = logging.LogRecord("kefu.test", logging.WARNING, __file__, 1, "call %s failed for %s",
                               ("13912345678", "Bearer secret-key-1"), None)
    record.fields = {"route": "/v1/drafts", "note": "ship to 北京市海淀区中关村大街1号"}
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    data = json.loads(line)
    assert data["request_id"] == "req-1" and data["level"] == "warning" and data["route"] == "/v1/drafts"
    for secret in ("13912345678", "secret-key-1", "中关村大街1号"):
        assert secret not in line
