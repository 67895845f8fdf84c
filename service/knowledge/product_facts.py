"""Structured product attributes read from a product document's `## 规格` section."""

from __future__ import annotations

import re

from pydantic import BaseModel

from service.knowledge.document import DocType, Document

_SPEC_HEADINGS = ("规格", "参数", "规格参数", "specs", "specifications")
_SPEC_LINE_RE = re.compile(r"^\s*[-*]\s*([^:：]{1,30})\s*[:：]\s*(.+?)\s*$")
_HEADING_RE = re.compile(r"^#{1,6}\s+(.+?)\s*$")


class ProductFacts(BaseModel):
    """One product's identity and its spec attributes (name → value text)."""

    doc_id: str
    title: str
    sku: str
    category: str
    price: float | None
    specs: dict[str, str]
    body: str


def read_product_facts(doc: Document) -> ProductFacts | None:
    """The facts of a product document, or None for other document types."""
    if doc.meta.type is not DocType.product:
        return None
    specs: dict[str, str] = {}
    in_specs = False
    for line in doc.body.splitlines():
        heading = _HEADING_RE.match(line)
        if heading:
            in_specs = heading.group(1).strip().lower() in _SPEC_HEADINGS
            continue
        if in_specs:
            match = _SPEC_LINE_RE.match(line)
            if match:
                specs[match.group(1).strip()] = match.group(2).strip()
    return ProductFacts(
        doc_id=doc.id,
        title=doc.meta.title,
        sku=doc.meta.sku or "",
        category=doc.meta.category or "",
        price=doc.meta.price,
        specs=specs,
        body=doc.body,
    )
