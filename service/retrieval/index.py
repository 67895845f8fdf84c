"""Keeps a shop's chunks searchable: dense vectors in Chroma, lexical BM25 in memory, in step."""

from __future__ import annotations

import logging
import threading

from pydantic import BaseModel

from service.knowledge.chunking import Chunk, chunk_document
from service.knowledge.document import Document
from service.retrieval.embeddings import Embedder
from service.retrieval.lexical import LexicalIndex
from service.retrieval.vector_store import ChromaVectorStore

log = logging.getLogger(__name__)


class SyncReport(BaseModel):
    """What an incremental sync did."""

    shop_id: str
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: int = 0
    chunks: int = 0


class ShopChunks:
    """The in-memory side of one shop: its chunks in a fixed order and their lexical index."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.by_id = {c.chunk_id: c for c in chunks}
        self.position = {c.chunk_id: i for i, c in enumerate(chunks)}
        self.lexical = LexicalIndex([c.embed_text for c in chunks])


class KnowledgeIndex:
    """Indexes documents incrementally by content hash; a shop's chunks never mix with another's."""

    def __init__(self, embedder: Embedder, vectors: ChromaVectorStore) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self._docs: dict[str, dict[str, list[Chunk]]] = {}
        self._shops: dict[str, ShopChunks] = {}
        self._lock = threading.RLock()

    def shop(self, shop_id: str) -> ShopChunks:
        with self._lock:
            return self._shops.get(shop_id) or ShopChunks([])

    def has_shop(self, shop_id: str) -> bool:
        return shop_id in self._shops

    def sync_shop(self, shop_id: str, docs: list[Document]) -> SyncReport:
        """Make the index hold exactly `docs`, embedding only what changed since the last run."""
        with self._lock:
            report = SyncReport(shop_id=shop_id)
            indexed = self.vectors.doc_hashes(shop_id)
            wanted = {d.id: d for d in docs}
            changed: list[Chunk] = []
            doc_chunks: dict[str, list[Chunk]] = {}
            for doc in docs:
                chunks = chunk_document(doc)
                doc_chunks[doc.id] = chunks
                if indexed.get(doc.id) == doc.content_hash:
                    report.unchanged += 1
                    continue
                (report.updated if doc.id in indexed else report.added).append(doc.id)
                if doc.id in indexed:
                    self.vectors.delete_doc(shop_id, doc.id)
                changed.extend(chunks)
            for doc_id in sorted(set(indexed) - set(wanted)):
                self.vectors.delete_doc(shop_id, doc_id)
                report.removed.append(doc_id)
            if changed:
                self.vectors.upsert(changed, self.embedder.embed([c.embed_text for c in changed]))
            self._docs[shop_id] = doc_chunks
            self._rebuild(shop_id)
            report.chunks = len(self._shops[shop_id].chunks)
            return report

    def put_doc(self, doc: Document) -> None:
        """Index one new or changed document (searchable when this returns)."""
        with self._lock:
            chunks = chunk_document(doc)
            vectors = self.embedder.embed([c.embed_text for c in chunks])
            self.vectors.delete_doc(doc.shop_id, doc.id)
            self.vectors.upsert(chunks, vectors)
            self._docs.setdefault(doc.shop_id, {})[doc.id] = chunks
            self._rebuild(doc.shop_id)

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        with self._lock:
            self.vectors.delete_doc(shop_id, doc_id)
            self._docs.get(shop_id, {}).pop(doc_id, None)
            self._rebuild(shop_id)

    def _rebuild(self, shop_id: str) -> None:
        chunks = [c for doc_id in sorted(self._docs[shop_id]) for c in self._docs[shop_id][doc_id]]
        self._shops[shop_id] = ShopChunks(chunks)
