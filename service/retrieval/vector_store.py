"""ChromaDB persistence: one collection per shop, embedding model and indexing scheme; vectors precomputed.

Each chunk is stored as several passages (see passages.py); a query returns chunks scored by their best
passage.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import numpy as np

from service.errors import StorageError, UserError, VectorStoreUnavailable, is_disk_full
from service.retrieval.embeddings import Vectors
from service.retrieval.passages import SCHEME, Passage, chunk_of

MIXED_VERSIONS = ""  # doc_hashes() of a document whose passages carry more than one version


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


_PAGE = 4096  # rows per Chroma call (its batch and SQLite variable limits)
PASSAGES_PER_CHUNK = 4  # passages fetched per wanted chunk (several passages of one chunk may be near)


class VectorStore(Protocol):
    """Where passage vectors live, per shop; `query` answers with chunks scored by their best passage."""

    def doc_hashes(self, shop_id: str) -> dict[str, str]: ...

    def upsert(self, passages: list[Passage], vectors: Vectors) -> None: ...

    def delete_doc(self, shop_id: str, doc_id: str) -> None: ...

    def delete_stale(self, shop_id: str, doc_id: str, keep_hash: str) -> None: ...

    def delete_passages(self, shop_id: str, passage_ids: list[str]) -> None: ...

    def known_vectors(self, shop_id: str, passages: list[Passage]) -> dict[str, Vectors]: ...

    def query(
        self, shop_id: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]: ...


class ChromaVectorStore:
    """Dense vectors of chunks in ChromaDB (telemetry off, no default embedder).

    Embedded (a persistent ChromaDB in `path`) by default; with `url`, a Chroma server (`chroma run`)
    that several kefu workers and hosts share. A server that cannot be reached raises
    VectorStoreUnavailable (503); the next call tries again, so kefu recovers when the server is back.
    """

    def __init__(self, path: Path | None, embedder_name: str, *, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        self._url = url
        self._path = path
        if url:
            parsed = urlsplit(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise UserError(f"not an http(s) URL: {url!r}", where="KEFU_CHROMA_URL")
            with self._reachable():
                self._client = chromadb.HttpClient(
                    host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 80),
                    ssl=parsed.scheme == "https", settings=settings)
        else:
            if path is None:
                raise UserError("an embedded ChromaDB needs a folder", where="data_dir")
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self._tag = hashlib.sha1(f"{embedder_name}/{SCHEME}".encode()).hexdigest()[:8]
        self._collections: dict[str, Any] = {}
        self._counts: dict[str, int] = {}  # passages per shop; counting costs ms at 50k passages
        self._lock = threading.Lock()

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        """Turn a Chroma server that cannot be reached into VectorStoreUnavailable (503)."""
        try:
            yield
        except Exception as exc:
            if self._url is None or not _is_connection_error(exc):
                raise
            with self._lock:
                self._collections.clear()  # a restarted server may hand out new collection ids
                self._counts.clear()
            raise VectorStoreUnavailable(
                f"the Chroma server at {self._url} cannot be reached ({type(exc).__name__}); retry shortly",
                where="KEFU_CHROMA_URL") from exc

    @contextmanager
    def _writing(self, shop_id: str) -> Iterator[None]:
        """A write the index's disk has no room for raises StorageError (507), not an unexpected 500."""
        with self._reachable():
            try:
                yield
            except Exception as exc:
                if not is_disk_full(exc):
                    raise
                self._counts.pop(shop_id, None)
                where = self._url or str(self._path)
                raise StorageError(f"the search index could not be written: no space left on the disk of {where}",
                                   where="KEFU_CHROMA_URL" if self._url else "KEFU_DATA_DIR") from exc

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
        with self._reachable():
            return self._doc_hashes(shop_id)

    def _doc_hashes(self, shop_id: str) -> dict[str, str]:
        collection = self._collection(shop_id)
        hashes: dict[str, str] = {}
        offset = 0
        while True:  # in pages: one `get` of a large shop exceeds SQLite's variable limit
            got = collection.get(include=["metadatas"], limit=_PAGE, offset=offset)
            metadatas = got["metadatas"] or []
            for m in metadatas:
                doc_id, doc_hash = str(m["doc_id"]), str(m["doc_hash"])
                # passages of two versions (a process killed between writing the new ones and deleting the old):
                # no content hash matches "", so the next sync writes the document again and deletes the rest
                hashes[doc_id] = doc_hash if hashes.get(doc_id, doc_hash) == doc_hash else MIXED_VERSIONS
            if len(metadatas) < _PAGE:
                return hashes
            offset += _PAGE

    def upsert(self, passages: list[Passage], vectors: Vectors) -> None:
        """Store passages (all of one shop) with their vectors."""
        with self._reachable():
            self._upsert(passages, vectors)

    def _upsert(self, passages: list[Passage], vectors: Vectors) -> None:
        if not passages:
            return
        shop_id = passages[0].chunk.shop_id
        self._counts.pop(shop_id, None)
        collection = self._collection(shop_id)
        with self._writing(shop_id):
            self._upsert_pages(collection, passages, vectors)

    @staticmethod
    def _upsert_pages(collection: Any, passages: list[Passage], vectors: Vectors) -> None:
        for start in range(0, len(passages), _PAGE):
            batch = passages[start:start + _PAGE]
            collection.upsert(
                ids=[p.passage_id for p in batch],
                embeddings=vectors[start:start + len(batch)].tolist(),
                metadatas=[
                    {"chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id, "doc_type": p.chunk.doc_type,
                     "sku": p.chunk.sku, "doc_hash": p.chunk.doc_hash, "text_hash": text_hash(p.text)}
                    for p in batch
                ],
            )

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        self._counts.pop(shop_id, None)
        with self._writing(shop_id):
            self._collection(shop_id).delete(where={"doc_id": doc_id})

    def delete_stale(self, shop_id: str, doc_id: str, keep_hash: str) -> None:
        """Delete a document's passages of any version but `keep_hash` (after the new ones are written)."""
        self._counts.pop(shop_id, None)
        with self._writing(shop_id):
            self._collection(shop_id).delete(
                where={"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": keep_hash}}]})

    def known_vectors(self, shop_id: str, passages: list[Passage]) -> dict[str, Vectors]:
        """passage id → the stored vector, for passages stored with exactly the same text (an edit then
        embeds only the lines it changed)."""
        if not passages:
            return {}
        wanted = {p.passage_id: text_hash(p.text) for p in passages}
        with self._reachable():
            got = self._collection(shop_id).get(ids=list(wanted), include=["embeddings", "metadatas"])
        found: dict[str, Vectors] = {}
        for pid, meta, vector in zip(got["ids"], got["metadatas"] or [], got["embeddings"] if got["embeddings"]
                                     is not None else [], strict=False):
            if meta and meta.get("text_hash") == wanted.get(pid):
                found[pid] = np.asarray(vector, dtype=np.float32)
        return found

    def delete_passages(self, shop_id: str, passage_ids: list[str]) -> None:
        """Delete passages by id (cheaper than by metadata: no scan)."""
        if passage_ids:
            self._counts.pop(shop_id, None)
            with self._writing(shop_id):
                self._collection(shop_id).delete(ids=passage_ids)

    def query(
        self, shop_id: str, vector: Vectors, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity of its best passage) of about the `k` nearest chunks, best first."""
        with self._reachable():
            collection = self._collection(shop_id)
            count = self._counts.get(shop_id)
            if count is None:
                count = collection.count()
                if self._url is None:  # a shared server's count changes under other workers' writes
                    self._counts[shop_id] = count
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


def _is_connection_error(exc: BaseException) -> bool:
    """True for a failure to reach the server (refused, reset, timed out), seen through Chroma's wrappers."""
    import httpx

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        if "could not connect to a chroma server" in str(current).lower():
            return True
        current = current.__cause__ or current.__context__
    return False
