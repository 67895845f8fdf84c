"""A full sync of a shop never holds up searches, and a sync repairs a document left with two versions'
passages (a process killed between writing the new ones and deleting the old)."""

from __future__ import annotations

import threading
from pathlib import Path

from service.retrieval.embeddings import HashingEmbedder, Vectors
from service.retrieval.index import KnowledgeIndex
from service.retrieval.retriever import Retriever
from service.retrieval.vector_store import ChromaVectorStore, VectorStore
from tests.retrieval.conftest import demo_docs, make_doc
from tests.retrieval.fakes import InMemoryVectorStore


class GatedEmbedder(HashingEmbedder):
    """Embeds like the hashing embedder, but a call with a text containing `hold_on` waits for `release`."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_on: str | None = None
        self.waiting = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: list[str]) -> Vectors:
        if self.hold_on is not None and any(self.hold_on in t for t in texts):
            self.waiting.set()
            assert self.release.wait(10), "the test never released the embedder"
        return super().embed(texts)


def test_searches_of_every_shop_go_on_while_a_shop_is_synced() -> None:
    embedder = GatedEmbedder()
    index = KnowledgeIndex(embedder, InMemoryVectorStore())
    index.sync_shop("shop-a", demo_docs("shop-a"))
    index.sync_shop("shop-b", demo_docs("shop-b"))
    retriever = Retriever(index)
    embedder.hold_on = "15 天"  # the edited document's passages wait; queries do not
    edited = [*demo_docs("shop-a")[:2], make_doc("shop-a", "policy-returns", "# 退货\n- 签收后 15 天内无理由退货。",
                                                    type="policy", title="退换货政策")]
    sync = threading.Thread(target=index.sync_shop, args=("shop-a", edited))
    sync.start()
    try:
        assert embedder.waiting.wait(10)
        found: dict[str, list[str]] = {}

        def search() -> None:
            for shop in ("shop-a", "shop-b"):
                found[shop] = [h.chunk.doc_id for h in retriever.search(shop, "退货运费谁出", 3)]

        searcher = threading.Thread(target=search)
        searcher.start()
        searcher.join(5)
        assert not searcher.is_alive(), "a search waited for another sync's embedding"
        assert found["shop-a"][0] == "policy-returns" and found["shop-b"][0] == "policy-returns"
        assert "7 天" in retriever.search("shop-a", "退货", 1)[0].chunk.text  # the old version until the swap
    finally:
        embedder.release.set()
        sync.join(10)
    assert "15 天" in retriever.search("shop-a", "退货", 1)[0].chunk.text


def _two_versions_then_sync(store: VectorStore) -> None:
    embedder = HashingEmbedder()
    index = KnowledgeIndex(embedder, store)
    old = demo_docs("demo")
    index.sync_shop("demo", old)
    new = make_doc("demo", "policy-returns", "# 退货\n- 签收后 15 天内无理由退货。",
                   type="policy", title="退换货政策")
    prepared = index.prepare(new)
    store.upsert(prepared.passages, prepared.vectors)  # killed here: the old passages were never deleted
    assert store.doc_hashes("demo")["policy-returns"] not in (old[2].content_hash, new.content_hash)
    report = KnowledgeIndex(embedder, store).sync_shop("demo", [*old[:2], new])  # a restarted process
    assert report.updated == ["policy-returns"]
    assert store.doc_hashes("demo")["policy-returns"] == new.content_hash
    assert KnowledgeIndex(embedder, store).sync_shop("demo", [*old[:2], new]).unchanged == 3


def test_a_document_left_with_two_versions_is_repaired_by_the_next_sync() -> None:
    _two_versions_then_sync(InMemoryVectorStore())


def test_a_document_left_with_two_versions_is_repaired_in_chroma(tmp_path: Path) -> None:
    _two_versions_then_sync(ChromaVectorStore(tmp_path / "chroma", HashingEmbedder().name))
