"""JSON log lines with the request id, and redaction: no API keys, phone numbers or addresses in logs."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

request_id_var: ContextVar[str | None] = ContextVar("kefu_request_id", default=None)

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s\"',;]+")
_SECRET_FIELD = re.compile(
    r"(?i)\b(x-api-key|api[_-]?key|authorization|access[_-]?token|token|secret|password)"
    r"([\"']?\s*[:=]\s*[\"']?)(?!\[redacted\]|bearer\b)[^\s\"',;}]+"
)
_KEY_LIKE = re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_-]{8,}")
_ADDRESS = re.compile(
    r"(?:[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:自治区|特别行政区|省|市|区|县|旗|镇|乡|街道|大道|路|街|巷|弄|胡同|村|"
    r"小区|花园|大厦|号院|号楼|号|栋|幢|座|单元|楼|层|室)){2,}[\u4e00-\u9fa5A-Za-z0-9-]*"
)


def redact(text: str) -> str:
    """Mask phone numbers (138****5678), API keys and secrets ([redacted]) and Chinese addresses ([address])."""
    text = _BEARER.sub(r"\1 [redacted]", text)
    text = _SECRET_FIELD.sub(r"\1\2[redacted]", text)
    text = _KEY_LIKE.sub("[redacted]", text)
    text = _PHONE.sub(r"\1****\2", text)
    return _ADDRESS.sub("[address]", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id and any `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(_clean(line), ensure_ascii=False, default=str)


class RedactingFormatter(logging.Formatter):
    """Plain text lines, redacted the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(fmt: Literal["json", "text"] = "json", level: int = logging.INFO) -> None:
    """Send every log record (kefu's, uvicorn's, libraries') through one redacting handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "chromadb", "LiteLLM", "litellm"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
