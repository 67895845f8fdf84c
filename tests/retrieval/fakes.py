"""An in-memory vector store with Chroma's `where` subset, and an embedder that counts its calls."""

from __future__ import annotations

from typing import Any

from service.retrieval.embeddings import HashingEmbedder, Vectors
from service.retrieval.passages import Passage, chunk_of
from service.retrieval.vector_store import MIXED_VERSIONS, text_hash


class InMemoryVectorStore:
    """Implements `VectorStore`; fails loudly on a `where` clause it does not understand."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, tuple[dict[str, str], Vectors]]] = {}

    def doc_hashes(self, shop_id: str) -> dict[str, str]:
        hashes: dict[str, str] = {}
        for meta, _ in self.rows.get(shop_id, {}).values():
            known = hashes.setdefault(meta["doc_id"], meta["doc_hash"])
            if known != meta["doc_hash"]:
                hashes[meta["doc_id"]] = MIXED_VERSIONS  # two versions' passages, as Chroma's store reports them
        return hashes

    def upsert(self, passages: list[Passage], vectors: Vectors) -> None:
        for passage, vector in zip(passages, vectors, strict=True):
            chunk = passage.chunk
            meta = {"doc_id": chunk.doc_id, "doc_type": chunk.doc_type, "sku": chunk.sku,
                    "doc_hash": chunk.doc_hash, "text_hash": text_hash(passage.text)}
            self.rows.setdefault(chunk.shop_id, {})[passage.passage_id] = (meta, vector)

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        shop = self.rows.get(shop_id, {})
        for pid in [pid for pid, (meta, _) in shop.items() if meta["doc_id"] == doc_id]:
            del shop[pid]

    def delete_stale(self, shop_id: str, doc_id: str, keep_hash: str) -> None:
        shop = self.rows.get(shop_id, {})
        for pid in [pid for pid, (meta, _) in shop.items()
                    if meta["doc_id"] == doc_id and meta["doc_hash"] != keep_hash]:
            del shop[pid]

    def known_vectors(self, shop_id: str, passages: list[Passage]) -> dict[str, Vectors]:
        stored = self.rows.get(shop_id, {})
        return {p.passage_id: stored[p.passage_id][1] for p in passages
                if p.passage_id in stored and stored[p.passage_id][0]["text_hash"] == text_hash(p.text)}

    def delete_passages(self, shop_id: str, passage_ids: list[str]) -> None:
        shop = self.rows.get(shop_id, {})
        for pid in passage_ids:
            shop.pop(pid, None)

    def query(self, shop_id: str, vector: Vectors, k: int,
              where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        scored = sorted(((float(v @ vector), pid) for pid, (meta, v) in self.rows.get(shop_id, {}).items()
                         if _matches(meta, where)), reverse=True)
        best: dict[str, float] = {}
        for score, pid in scored:
            best.setdefault(chunk_of(pid), score)
        return list(best.items())[:k]


def _matches(meta: dict[str, str], where: dict[str, Any] | None) -> bool:
    if not where:
        return True
    if "$and" in where:
        return all(_matches(meta, part) for part in where["$and"])
    ((key, condition),) = where.items()
    if set(condition) != {"$in"}:
        raise AssertionError(f"fake store does not understand {where}")
    return meta[key] in condition["$in"]


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting how many texts it embedded."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed(self, texts: list[str]) -> Vectors:
        self.texts += len(texts)
        return super().embed(texts)
