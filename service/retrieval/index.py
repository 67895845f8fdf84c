"""Keeps a shop's chunks searchable: passage vectors in the vector store; BM25 and profiles in memory.

An edit embeds first (`prepare`, no lock held) and then swaps one document's chunks in (`apply`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from service.knowledge.chunking import chunk_document
from service.knowledge.document import Document
from service.retrieval.embeddings import Embedder, Vectors
from service.retrieval.passages import Passage, dense_passages, doc_card, doc_profile
from service.retrieval.shop_chunks import DocEntry, ShopChunks
from service.retrieval.vector_store import VectorStore

log = logging.getLogger(__name__)


class SyncReport(BaseModel):
    """What an incremental sync did."""

    shop_id: str
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: int = 0
    chunks: int = 0


class IndexOptions(BaseModel):
    """What goes into the index: all on by default; switched off only to measure what each adds
    (bench/retrieval_ablation.py), with a vector store of its own per combination."""

    line_passages: bool = Field(default=True, description="embed each line of a chunk, not only the whole")
    doc_cards: bool = Field(default=True, description="carry the document's SKU, category, tags into chunks")
    typo_trigrams: bool = Field(default=True, description="look misspelt Latin words up by their trigrams")


@dataclass(frozen=True)
class PreparedDoc:
    """A document embedded and ready to swap in: computed without any lock searches need."""

    doc: Document
    entry: DocEntry
    passages: list[Passage]
    vectors: Vectors


class KnowledgeIndex:
    """Indexes documents incrementally by content hash; a shop's chunks never mix with another's."""

    def __init__(self, embedder: Embedder, vectors: VectorStore,
                 options: IndexOptions | None = None) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.options = options or IndexOptions()
        self._docs: dict[str, dict[str, DocEntry]] = {}
        self._shops: dict[str, ShopChunks] = {}
        self._lock = threading.RLock()  # the maps below; held for lookups and swaps, never while embedding
        self._sync_lock = threading.Lock()  # one full sync at a time

    def shop(self, shop_id: str) -> ShopChunks:
        with self._lock:
            shop = self._shops.get(shop_id)
            if shop is None:
                shop = self._shops[shop_id] = self._shop_chunks({})
            return shop

    def has_shop(self, shop_id: str) -> bool:
        return shop_id in self._shops

    def sync_shop(self, shop_id: str, docs: list[Document]) -> SyncReport:
        """Make the index hold exactly `docs`, embedding only what changed since the last run.

        Searches (of this shop and of others) go on while it embeds and writes: they see the previous state
        until the new one is swapped in, and the previous version's passages are deleted only after that.
        """
        with self._sync_lock:
            report = SyncReport(shop_id=shop_id)
            indexed = self.vectors.doc_hashes(shop_id)
            wanted = {d.id: d for d in docs}
            changed: list[Document] = []
            for doc in docs:
                if indexed.get(doc.id) == doc.content_hash:
                    report.unchanged += 1
                    continue
                (report.updated if doc.id in indexed else report.added).append(doc.id)
                changed.append(doc)
            report.removed = sorted(set(indexed) - set(wanted))
            with self._lock:
                known = dict(self._docs.get(shop_id, {}))
            entries = self._entries(docs, known)
            passages = [p for doc in changed for p in self._passages(entries[doc.id])]
            if passages:
                self.vectors.upsert(passages, self.embedder.embed([p.text for p in passages]))
            chunks = self._shop_chunks(entries)
            with self._lock:
                self._docs[shop_id] = entries
                self._shops[shop_id] = chunks
            for doc in changed:
                if doc.id in indexed:
                    self.vectors.delete_stale(shop_id, doc.id, doc.content_hash)
            for doc_id in report.removed:
                self.vectors.delete_doc(shop_id, doc_id)
            report.chunks = chunks.size
            return report

    def prepare(self, doc: Document) -> PreparedDoc:
        """Chunk and embed a document, reusing the stored vectors of passages whose text did not change
        (an edit of one line embeds that line, its chunk and the profile); touches no shared state."""
        chunks = chunk_document(doc)
        card = doc_card(doc.meta) if self.options.doc_cards else ""
        lines = self.options.line_passages
        passages = [p for c in chunks for p in dense_passages(c, card, lines=lines)]
        known = self.vectors.known_vectors(doc.shop_id, passages)
        missing = [p for p in passages if p.passage_id not in known]
        embedded = self.embedder.embed([doc_profile(doc.meta)] + [p.text for p in missing])
        known.update((p.passage_id, embedded[i + 1]) for i, p in enumerate(missing))
        vectors = np.stack([known[p.passage_id] for p in passages]) if passages \
            else np.zeros((0, embedded.shape[1]), dtype=np.float32)
        return PreparedDoc(doc, DocEntry(doc.content_hash, chunks, card, embedded[0]), passages, vectors)

    def apply(self, prepared: PreparedDoc) -> None:
        """Swap a prepared document in: its passages in the vector store, then its chunks in memory.

        The new passages are written before the old ones are deleted: a write that fails (a full disk)
        leaves the previous version's passages in place, and its chunks are still what searches see.
        """
        doc = prepared.doc
        with self._lock:
            known = self._docs.get(doc.shop_id, {}).get(doc.id)
        if known is None:  # not indexed here (or by another worker): delete whatever the store holds
            self.vectors.delete_doc(doc.shop_id, doc.id)
        self.vectors.upsert(prepared.passages, prepared.vectors)
        if known is not None:  # passages the new version did not overwrite, by id
            fresh = {p.passage_id for p in prepared.passages}
            self.vectors.delete_passages(doc.shop_id, [pid for pid in self._passage_ids(known) if pid not in fresh])
        self.shop(doc.shop_id).put_doc(doc.id, prepared.entry)
        with self._lock:
            self._docs.setdefault(doc.shop_id, {})[doc.id] = prepared.entry

    def staged_copy(self, doc: Document, vectors: VectorStore) -> KnowledgeIndex:
        """A new index over `vectors` (an empty store) serving `doc`'s shop as it would be once `doc` is
        applied: the other documents are copied with their stored vectors (nothing embedded again), `doc` is
        prepared as an edit of it would be (only its changed lines embedded)."""
        prepared = self.prepare(doc)
        with self._lock:
            entries = dict(self._docs.get(doc.shop_id, {}))
        entries[doc.id] = prepared.entry  # an existing document keeps its place
        others = [p for doc_id, entry in entries.items() if doc_id != doc.id for p in self._passages(entry)]
        known = self.vectors.known_vectors(doc.shop_id, others)
        missing = [p for p in others if p.passage_id not in known]  # none unless the store lost some
        if missing:
            known.update(zip([p.passage_id for p in missing], self.embedder.embed([p.text for p in missing]),
                             strict=True))
        known.update(zip([p.passage_id for p in prepared.passages], prepared.vectors, strict=True))
        passages = [p for doc_id, entry in entries.items()
                    for p in (prepared.passages if doc_id == doc.id else self._passages(entry))]
        if passages:  # written in the shop's order, as a fresh index of these documents would be
            vectors.upsert(passages, np.stack([known[p.passage_id] for p in passages]))
        copy = KnowledgeIndex(self.embedder, vectors, self.options)
        copy._docs[doc.shop_id] = entries
        copy._shops[doc.shop_id] = copy._shop_chunks(entries)
        return copy

    def holds(self, doc: Document) -> bool:
        """Whether this exact text of the document is what the index serves already."""
        with self._lock:
            known = self._docs.get(doc.shop_id, {}).get(doc.id)
        return known is not None and known.content_hash == doc.content_hash

    def put_doc(self, doc: Document) -> None:
        """Index one new or changed document (searchable when this returns)."""
        self.apply(self.prepare(doc))

    def delete_doc(self, shop_id: str, doc_id: str) -> None:
        with self._lock:
            known = self._docs.get(shop_id, {}).pop(doc_id, None)
        if known is None:
            self.vectors.delete_doc(shop_id, doc_id)
        else:
            self.vectors.delete_passages(shop_id, self._passage_ids(known))
        self.shop(shop_id).remove_doc(doc_id)

    def _shop_chunks(self, entries: dict[str, DocEntry]) -> ShopChunks:
        return ShopChunks(entries, typo_trigrams=self.options.typo_trigrams)

    def _passage_ids(self, entry: DocEntry) -> list[str]:
        return [p.passage_id for p in self._passages(entry)]

    def _passages(self, entry: DocEntry) -> list[Passage]:
        lines = self.options.line_passages
        return [p for c in entry.chunks for p in dense_passages(c, entry.card, lines=lines)]

    def _entries(self, docs: list[Document], known: dict[str, DocEntry]) -> dict[str, DocEntry]:
        """Entries for `docs`, reusing the profile vectors of documents that did not change."""
        fresh = [d for d in docs if d.id not in known or known[d.id].content_hash != d.content_hash]
        vectors: dict[str, Vectors] = {}
        if fresh:
            profiles = self.embedder.embed([doc_profile(d.meta) for d in fresh])
            vectors = {d.id: profiles[i] for i, d in enumerate(fresh)}
        entries: dict[str, DocEntry] = {}
        for doc in docs:
            if doc.id in vectors:
                card = doc_card(doc.meta) if self.options.doc_cards else ""
                entries[doc.id] = DocEntry(doc.content_hash, chunk_document(doc), card, vectors[doc.id])
            else:
                entries[doc.id] = known[doc.id]
        return entries
