"""Hybrid search over small inline shops (hashing embedder, in-memory vector store)."""

from __future__ import annotations

import pytest

from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import Retriever, RetrieverConfig
from tests.retrieval.conftest import EARBUDS, demo_docs, make_doc
from tests.retrieval.fakes import CountingEmbedder, InMemoryVectorStore


def doc_ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.chunk.doc_id for h in hits]


@pytest.mark.parametrize(
    ("query", "doc_id"),
    [("充电宝能带上飞机吗", "powerbank-pb20"), ("掉进水里了怎么办", "earbuds-ab3"),
     ("七天无理由退货运费谁出", "policy-returns")],
)
def test_the_right_document_comes_first(retriever: Retriever, query: str, doc_id: str) -> None:
    assert doc_ids(retriever.search("demo", query, 3))[0] == doc_id


def test_hits_explain_each_retrievers_view(retriever: Retriever) -> None:
    hit = retriever.search("demo", "充电宝能带上飞机吗", 1)[0]
    assert hit.dense_rank == 1 and hit.dense_score is not None
    assert hit.lexical_rank == 1 and hit.lexical_score is not None and hit.lexical_score > 0
    assert hit.profile_rank is not None and hit.profile_score is not None
    assert not hit.boosted


def test_each_retriever_alone(retriever: Retriever) -> None:
    dense = retriever.search("demo", "充电宝能带上飞机吗", 3, retrievers=("dense",))
    lexical = retriever.search("demo", "充电宝能带上飞机吗", 3, retrievers=("lexical",))
    assert all(h.lexical_rank is None and h.profile_rank is None for h in dense)
    assert all(h.dense_rank is None for h in lexical)
    assert doc_ids(dense)[0] == doc_ids(lexical)[0] == "powerbank-pb20"


def test_doc_type_filter(retriever: Retriever) -> None:
    hits = retriever.search("demo", "掉进水里了怎么办", 5, doc_types=["policy"])
    assert hits and set(doc_ids(hits)) == {"policy-returns"}


def test_sku_filter_is_case_insensitive_and_excludes_other_docs(retriever: Retriever) -> None:
    hits = retriever.search("demo", "退货运费", 5, skus=["pb20"])
    assert hits and set(doc_ids(hits)) == {"powerbank-pb20"}
    assert retriever.search("demo", "退货运费", 5, skus=["NOPE"]) == []


def test_per_doc_cap_keeps_one_document_from_crowding_the_top(retriever: Retriever) -> None:
    for cap in (1, 2):
        hits = retriever.search("demo", "耳机 AirBeat 防水 续航 水里 手机 电脑", 10, max_per_doc=cap)
        counts = {d: doc_ids(hits).count(d) for d in doc_ids(hits)}
        assert max(counts.values()) == cap


def test_the_orders_product_is_boosted(index: KnowledgeIndex) -> None:
    retriever = Retriever(index, RetrieverConfig(sku_boost=5.0))
    plain = retriever.search("demo", "它能用多久", 3)
    boosted = retriever.search("demo", "它能用多久", 3, boost_skus=["pb20"])
    assert boosted[0].chunk.doc_id == "powerbank-pb20" and boosted[0].boosted
    assert all(not h.boosted for h in plain)


def test_empty_query_and_unknown_shop(retriever: Retriever) -> None:
    assert retriever.search("demo", "   ", 5) == []
    assert retriever.search("nobody", "防水", 5) == []


def test_two_shops_with_the_same_documents_never_leak(embedder: CountingEmbedder) -> None:
    index = KnowledgeIndex(embedder, InMemoryVectorStore())
    index.sync_shop("shop-a", demo_docs("shop-a"))
    index.sync_shop("shop-b", demo_docs("shop-b")[:1])  # only the earbuds
    retriever = Retriever(index)
    for query in ("充电宝能带上飞机吗", "退货运费谁出", "AirBeat"):
        for retrievers in (("dense",), ("lexical",), ("dense", "lexical", "profile")):
            hits = retriever.search("shop-b", query, 10, retrievers=retrievers, max_per_doc=10)
            assert {h.chunk.shop_id for h in hits} <= {"shop-b"}
            assert set(doc_ids(hits)) <= {"earbuds-ab3"}


def test_a_product_found_by_a_heading_that_never_names_it(retriever: Retriever) -> None:
    # "可以随身携带" sits under `## 规格` of the power bank: the carried title makes "充电宝" match too
    hit = retriever.search("demo", "充电宝随身携带", 1, retrievers=("lexical",))[0]
    assert hit.chunk.doc_id == "powerbank-pb20" and hit.chunk.heading == "规格"


def test_edits_are_searchable_at_once_and_unchanged_docs_are_not_re_embedded(
    embedder: CountingEmbedder,
) -> None:
    index = KnowledgeIndex(embedder, InMemoryVectorStore())
    docs = demo_docs("demo")
    index.sync_shop("demo", docs)
    embedded = embedder.texts
    report = index.sync_shop("demo", docs)
    assert (report.unchanged, embedder.texts) == (3, embedded)
    retriever = Retriever(index)
    index.put_doc(make_doc("demo", "policy-invoice", "# 发票\n- 支持开具电子发票和专票。", type="policy",
                           title="发票说明"))
    assert doc_ids(retriever.search("demo", "能开专票吗", 1)) == ["policy-invoice"]
    index.delete_doc("demo", "policy-invoice")
    assert "policy-invoice" not in doc_ids(retriever.search("demo", "能开专票吗", 5))
    report = index.sync_shop("demo", docs[:2])
    assert report.removed == ["policy-returns"]
    assert "policy-returns" not in doc_ids(retriever.search("demo", "退货运费", 5, max_per_doc=5))


def test_a_sku_named_in_the_query_is_boosted_like_the_orders(index: KnowledgeIndex) -> None:
    hits = Retriever(index, RetrieverConfig(sku_boost=5.0)).search("demo", "pb20 它能用多久", 3)
    assert hits[0].chunk.doc_id == "powerbank-pb20" and hits[0].boosted
    unboosted = Retriever(index, RetrieverConfig(sku_boost=5.0, boost_named_skus=False))
    assert not any(h.boosted for h in unboosted.search("demo", "pb20 它能用多久", 3))


def test_a_staged_copy_serves_the_edit_without_embedding_the_shop_again(embedder: CountingEmbedder) -> None:
    """The publish preview's copy: same results as indexing the edited shop afresh, only the edit's new lines
    embedded, and the live index untouched."""
    docs = demo_docs("demo")
    live = KnowledgeIndex(embedder, InMemoryVectorStore())
    live.sync_shop("demo", docs)
    edited = make_doc("demo", "earbuds-ab3", EARBUDS.replace("单次 6 小时", "单次 8 小时"),
                      title="AirBeat 3 真无线蓝牙耳机", sku="AB3", category="耳机", price=299,
                      tags=["蓝牙耳机", "真无线"])
    embedded = embedder.texts
    copy = live.staged_copy(edited, InMemoryVectorStore())
    assert 0 < embedder.texts - embedded <= 3  # the changed line, its chunk, the profile: not the shop's ~20

    fresh = KnowledgeIndex(CountingEmbedder(), InMemoryVectorStore())
    fresh.sync_shop("demo", [edited if d.id == edited.id else d for d in docs])
    for query in ("耳机能用多久", "续航 8 小时", "退货运费谁出", "充电宝能带上飞机吗"):
        got = [(h.chunk.chunk_id, round(h.score, 6)) for h in Retriever(copy).search("demo", query, 4)]
        want = [(h.chunk.chunk_id, round(h.score, 6)) for h in Retriever(fresh).search("demo", query, 4)]
        assert got == want, query
    assert "8 小时" in Retriever(copy).search("demo", "耳机续航多久", 1)[0].chunk.text
    assert "6 小时" in Retriever(live).search("demo", "耳机续航多久", 1)[0].chunk.text
