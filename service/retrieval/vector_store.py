"""ChromaDB persistence: one collection per shop and embedding model, vectors always precomputed."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from service.knowledge.chunking import Chunk
from service.retrieval.embeddings import Vectors


class ChromaVectorStore:
    """Dense vectors of chunks in a persistent ChromaDB (telemetry off, no default embedder)."""

    def __init__(self, path: Path, embedder_name: str) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        )
        self._tag = hashlib.sha1(embedder_name.encode()).hexdigest()[:8]
        self._collections: dict[str, Any] = {}
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
        got = self._collection(shop_id).get(include=["metadatas"])
        return {m["doc_id"]: m["doc_hash"] for m in got["metadatas"] or []}

    def upsert(self, chunks: list[Chunk], vectors: Vectors) -> None:
        if not chunks:
            return
        self._collection(chunks[0].shop_id).upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=vectors.tolist(),
            metadatas=[
                {"doc_id": c.doc_id, "doc_type": c.doc_type, "sku": c.sku, "doc_hash": c.doc_hash}
                for c in chunks
            ],
        )

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        self._collection(shop_id).delete(where={"doc_id": doc_id})

    def query(
        self, shop_id: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest chunks."""
        collection = self._collection(shop_id)
        count = collection.count()
        if count == 0:
            return []
        result = collection.query(
            query_embeddings=[vector.tolist()], n_results=min(k, count), where=where or None,
            include=["distances"],
        )
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)]
