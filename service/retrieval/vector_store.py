"""ChromaDB persistence: one collection per shop, embedding model and indexing scheme; vectors precomputed.

Each chunk is stored as several passages (see passages.py); a query returns chunks scored by their best
passage.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any, Protocol

from service.retrieval.embeddings import Vectors
from service.retrieval.passages import SCHEME, Passage, chunk_of

_PAGE = 4096  # rows per Chroma call (its batch and SQLite variable limits)
PASSAGES_PER_CHUNK = 4  # passages fetched per wanted chunk (several passages of one chunk may be near)


class VectorStore(Protocol):
    """Where passage vectors live, per shop; `query` answers with chunks scored by their best passage."""

    def doc_hashes(self, shop_id: str) -> dict[str, str]: ...

    def upsert(self, passages: list[Passage], vectors: Vectors) -> None: ...

    def delete_doc(self, shop_id: str, doc_id: str) -> None: ...

    def delete_passages(self, shop_id: str, passage_ids: list[str]) -> None: ...

    def query(
        self, shop_id: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]: ...


class ChromaVectorStore:
    """Dense vectors of chunks in a persistent ChromaDB (telemetry off, no default embedder)."""

    def __init__(self, path: Path, embedder_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self._tag = hashlib.sha1(f"{embedder_name}/{SCHEME}".encode()).hexdigest()[:8]
        self._collections: dict[str, Any] = {}
        self._counts: dict[str, int] = {}  # passages per shop; counting costs ms at 50k passages
        self._lock = threading.Lock()

    def _collection(self, shop_id: str) -> Any:
        with self._lock:
            if shop_id not in self._collections:
                self._collections[shop_id] = self._client.get_or_create_collection(
                    f"kefu-{shop_id}-{self._tag}",
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine"},
                )
            return self._collections[shop_id]

    def doc_hashes(self, shop_id: str) -> dict[str, str]:
        """doc id → content hash of what is indexed now."""
        collection = self._collection(shop_id)
        hashes: dict[str, str] = {}
        offset = 0
        while True:  # in pages: one `get` of a large shop exceeds SQLite's variable limit
            got = collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            metadatas = got["metadatas"] or []
            hashes.update((str(m["doc_id"]), str(m["doc_hash"])) for m in metadatas)
            if len(metadatas) < _PAGE:
                return hashes
            offset += _PAGE

    def upsert(self, passages: list[Passage], vectors: Vectors) -> None:
        """Store passages (all of one shop) with their vectors."""
        if not passages:
            return
        shop_id = passages[0].chunk.shop_id
        self._counts.pop(shop_id, None)
        collection = self._collection(shop_id)
        for start in range(0, len(passages), _PAGE):
            batch = passages[start:start + _PAGE]
            collection.upsert(
                ids=[p.passage_id for p in batch],
                embeddings=vectors[start:start + len(batch)].tolist(),
                metadatas=[
                    {"chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id, "doc_type": p.chunk.doc_type,
                     "sku": p.chunk.sku, "doc_hash": p.chunk.doc_hash}
                    for p in batch
                ],
            )

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        self._counts.pop(shop_id, None)
        self._collection(shop_id).delete(where={"doc_id": doc_id})

    def delete_passages(self, shop_id: str, passage_ids: list[str]) -> None:
        """Delete passages by id (cheaper than by metadata: no scan)."""
        if passage_ids:
            self._counts.pop(shop_id, None)
            self._collection(shop_id).delete(ids=passage_ids)

    def query(
        self, shop_id: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity of its best passage) of about the `k` nearest chunks, best first."""
        collection = self._collection(shop_id)
        count = self._counts.get(shop_id)
        if count is None:
            count = self._counts[shop_id] = collection.count()
        if count == 0:
            return []
        result = collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k * PASSAGES_PER_CHUNK, count),
            where=where or None, include=["distances"],  # metadata would cost more than the search
        )
        best: dict[str, float] = {}
        for passage_id, distance in zip(result["ids"][0], result["distances"][0], strict=True):
            best.setdefault(chunk_of(passage_id), 1.0 - float(distance))  # nearest come first
        return list(best.items())[:k]
