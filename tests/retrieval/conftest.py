"""Small shops written inline, so each test shows the documents it searches."""

from __future__ import annotations

import pytest
import yaml

from service.knowledge.document import Document, parse_document
from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import Retriever
from tests.retrieval.fakes import CountingEmbedder, InMemoryVectorStore


def make_doc(shop: str, doc_id: str, body: str, *, type: str = "product", title: str = "",
             **meta: object) -> Document:
    """A parsed document: front matter from the arguments, then `body`."""
    front = {"id": doc_id, "type": type, "title": title or doc_id, **meta}
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body}"
    return parse_document(text, shop_id=shop, path=f"test/{doc_id}.md")


EARBUDS = """# AirBeat 3
## 规格
- 防水等级: IPX4
- 续航: 单次 6 小时, 配合充电盒共 30 小时
## 常见问题
- 问:掉进水里了怎么办?答:马上捞出擦干,晾干 24 小时再开机。
- 问:能同时连手机和电脑吗?答:不支持同时连两台。
"""
POWERBANK = """# PB20
## 规格
- 电池容量: 20000 mAh
- 能否带上飞机: 74 Wh, 可以随身携带, 不能托运
"""
RETURNS = """# 退换货政策
## 7天无理由退货
- 签收后 7 天内支持无理由退货, 寄回运费由买家承担。
## 质量问题
- 质量问题、发错、漏发, 往返运费由本店承担。
"""


def demo_docs(shop: str) -> list[Document]:
    return [
        make_doc(shop, "earbuds-ab3", EARBUDS, title="AirBeat 3 真无线蓝牙耳机", sku="AB3", category="耳机",
                 price=299, tags=["蓝牙耳机", "真无线"]),
        make_doc(shop, "powerbank-pb20", POWERBANK, title="20000mAh 快充充电宝 PB20", sku="PB20",
                 category="充电宝", price=199, tags=["移动电源"]),
        make_doc(shop, "policy-returns", RETURNS, type="policy", title="退换货与退款政策",
                 tags=["退货", "退款", "售后"]),
    ]


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def index(embedder: CountingEmbedder) -> KnowledgeIndex:
    index = KnowledgeIndex(embedder, InMemoryVectorStore())
    index.sync_shop("demo", demo_docs("demo"))
    return index


@pytest.fixture
def retriever(index: KnowledgeIndex) -> Retriever:
    return Retriever(index)
