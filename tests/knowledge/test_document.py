from __future__ import annotations

import pytest

from service.errors import DocumentError
from service.knowledge.chunking import chunk_document
from service.knowledge.document import DocType, parse_document
from service.knowledge.product_facts import read_product_facts

PRODUCT = """---
id: tent-td2
type: product
title: 双人帐篷 TrailDome 2
sku: TD2
category: 帐篷
price: 699
tags: [帐篷]
---
简介一段。

## 规格
- 重量: 2.1 kg
- 防水: 3000mm

## 常见问题
下雨能用吗?可以。
"""


def test_valid_product_parses_with_specs_and_chunks() -> None:
    doc = parse_document(PRODUCT, shop_id="outdoor", path="tent-td2.md")
    assert doc.meta.type is DocType.product
    assert doc.meta.sku == "TD2"
    facts = read_product_facts(doc)
    assert facts is not None and facts.specs == {"重量": "2.1 kg", "防水": "3000mm"}
    chunks = chunk_document(doc)
    assert [c.chunk_id for c in chunks] == ["tent-td2#0", "tent-td2#1", "tent-td2#2"]
    assert all(c.embed_text.startswith("双人帐篷 TrailDome 2") for c in chunks)
    assert chunks[1].heading == "规格"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("---\nid: a\ntype: [oops\n---\nbody", 3, "invalid YAML"),
        ("---\ntype: faq\ntitle: t\n---\nbody", None, "missing required field `id`"),
        ("---\nid: a\ntitle: t\n---\nbody", None, "missing required field `type`"),
        ("---\nid: Bad Id\ntype: faq\ntitle: t\n---\n", 2, "id"),
        ("---\nid: p\ntype: policy\ntitle: t\nrules:\n  no_reason_days: 7\n---\n", 6, "unknown field `rules.no_reason_days`"),
        ("---\nid: p\ntype: policy\ntitle: t\nrules:\n  no_reason_return_days: \"七天\"\n---\n", 6, "rules.no_reason_return_days"),
        ("---\nid: p\ntype: policy\ntitle: t\nrules:\n  no_reason_return_shipping: shop\n---\n", 6, "no_reason_return_shipping"),
        ("---\nid: g\ntype: guideline\ntitle: t\nrules:\n  refund_within_days: 3\n---\n", None, "only on policy"),
        ("---\nid: a\ntype: faq\ntitle: t\ncolour: red\n---\n", 5, "unknown field `colour`"),
        ("no front matter", 1, "front matter"),
    ],
)
def test_invalid_documents_name_file_line_and_field(text: str, line: int | None, needle: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(text, shop_id="s", path="shop/doc.md")
    error = caught.value
    assert needle in str(error)
    assert "shop/doc.md" in str(error)
    if line is not None:
        assert error.line == line
