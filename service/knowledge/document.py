"""The knowledge document format: YAML front matter + Markdown body, parsed and validated."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from service.errors import DocumentError
from service.policy.rules import RuleOverrides

ID_PATTERN = r"^[a-z0-9_-]{1,64}$"
_ID_RE = re.compile(ID_PATTERN)
_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class DocType(StrEnum):
    """What a document is about; policy docs may carry structured rules."""

    product = "product"
    policy = "policy"
    guideline = "guideline"
    faq = "faq"


class DocumentMeta(BaseModel):
    """The front matter of a knowledge document."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    type: DocType
    title: str = Field(min_length=1, max_length=200)
    sku: str | None = None
    category: str | None = None
    price: float | None = Field(None, ge=0)
    tags: list[str] = Field(default_factory=list)
    rules: RuleOverrides | None = None
    valid_from: datetime | None = Field(None, description="ISO 8601 with offset: not retrieved before this")
    valid_until: datetime | None = Field(None, description="ISO 8601 with offset: not retrieved from this on")

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2026-11-11T00:00:00+08:00")
        return value

    @field_validator("valid_until")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value <= start:
            raise ValueError(f"must be after `valid_from` ({start.isoformat()})")
        return value

    @field_validator("sku", "category", mode="before")
    @classmethod
    def _scalar_to_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _fields_fit_type(self) -> DocumentMeta:
        if self.rules is not None and self.type is not DocType.policy:
            raise ValueError("`rules` is allowed only on policy documents")
        if self.type is not DocType.product:
            for name in ("sku", "category", "price"):
                if getattr(self, name) is not None:
                    raise ValueError(f"`{name}` is allowed only on product documents")
        return self


class Document(BaseModel):
    """A validated document: its metadata, body and the exact text it was parsed from."""

    shop_id: str
    meta: DocumentMeta
    body: str
    text: str

    @property
    def id(self) -> str:
        return self.meta.id

    def valid_at(self, now: datetime) -> bool:
        """Whether `now` lies in the document's validity window (always, without one)."""
        meta = self.meta
        return (meta.valid_from is None or now >= meta.valid_from) and (
            meta.valid_until is None or now < meta.valid_until)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]


def validate_id(value: str, what: str) -> str:
    """Check a shop or document id against `[a-z0-9_-]{1,64}`."""
    if not _ID_RE.match(value):
        raise DocumentError(f"{what} {value!r} must match [a-z0-9_-]{{1,64}}", path=what)
    return value


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the YAML node at `loc` (a pydantic error location), if found."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if match is None:
                hit = next((k for k, _ in node.value if getattr(k, "value", None) == key), None)
                return hit.start_mark.line + 1 if hit is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _problem(err: Any, node: yaml.Node | None, path: str) -> DocumentError:
    """One pydantic error as a DocumentError naming the field and its line."""
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in loc) or None
    line = _line_of(node, loc)
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = f"unknown field `{field}`"
    elif err["type"] == "missing":
        message = f"missing required field `{field}`"
    return DocumentError(message, path=path, line=line + 1 if line else None, field=field)


def parse_document(text: str, *, shop_id: str, path: str) -> Document:
    """Parse and validate one document.

    Args:
        text: The whole file (front matter + body).
        shop_id: The shop the document belongs to.
        path: Where it came from, for error messages (a file path or an API path).

    Raises:
        DocumentError: naming the file, the line and the field that is wrong; with every problem of the
            front matter at once (`problems`) when there are several.
    """
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        raise DocumentError("document must start with YAML front matter between '---' lines", path=path, line=1)
    raw_meta = match.group(1)
    try:
        node = yaml.compose(raw_meta, Loader=yaml.SafeLoader)
        data = yaml.safe_load(raw_meta)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the '---' line
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(f"invalid YAML front matter: {problem}", path=path, line=line) from exc
    if not isinstance(data, dict):
        raise DocumentError("front matter must be a mapping of fields", path=path, line=2)
    try:
        meta = DocumentMeta.model_validate(data)
    except ValidationError as exc:
        raise DocumentError.all_of([_problem(err, node, path) for err in exc.errors()]) from exc
    body = text[match.end():]
    return Document(shop_id=shop_id, meta=meta, body=body, text=text)
