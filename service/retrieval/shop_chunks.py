"""One shop's in-memory search side, changed one document at a time: chunks in numbered slots (freed
slots are reused), their BM25 postings, the documents' profile vectors. Searches read under a shared
lock; an edit holds the exclusive lock only to swap a document's slots (no embedding inside)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from service.knowledge.chunking import Chunk
from service.retrieval.embeddings import Vectors
from service.retrieval.lexical import LexicalIndex
from service.retrieval.passages import search_text


@dataclass(frozen=True)
class DocEntry:
    """One indexed document: its chunks, its card and its profile vector."""

    content_hash: str
    chunks: list[Chunk]
    card: str
    profile: Vectors  # shape (dim,)


class ReadWriteLock:
    """Many readers or one writer; a waiting writer keeps new readers out so edits are not starved."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class ProfileMatrix:
    """Documents' profile vectors in reusable rows; free rows never rank."""

    def __init__(self) -> None:
        self.ids: list[str | None] = []
        self.rows: dict[str, int] = {}
        self._free: list[int] = []
        self._matrix = np.zeros((0, 1), dtype=np.float32)

    def put(self, doc_id: str, vector: Vectors) -> None:
        row = self.rows.get(doc_id)
        if row is None:
            row = self._free.pop() if self._free else len(self.ids)
            if row == len(self.ids):
                self.ids.append(None)
        if self._matrix.shape[1] != vector.shape[0] or row >= len(self._matrix):
            grown = np.zeros((max(16, 2 * len(self._matrix), row + 1), vector.shape[0]), dtype=np.float32)
            if self._matrix.shape[1] == vector.shape[0]:
                grown[:len(self._matrix)] = self._matrix
            self._matrix = grown
        self._matrix[row] = vector
        self.ids[row] = doc_id
        self.rows[doc_id] = row

    def remove(self, doc_id: str) -> None:
        row = self.rows.pop(doc_id, None)
        if row is not None:
            self.ids[row] = None
            self._matrix[row] = 0
            self._free.append(row)

    def ranks(self, vector: Vectors) -> dict[str, tuple[int, float]]:
        """doc id → (rank, cosine) of the query against every document's profile."""
        if not self.rows:
            return {}
        # einsum's own loop: a BLAS matvec wakes its thread pool, which fights the embedder's for ~10 ms
        sims = np.einsum("ij,j->i", self._matrix[:len(self.ids)], vector)
        order = np.argsort(-sims)
        ranked = (self.ids[i] for i in order)
        return {doc_id: (rank, float(sims[self.rows[doc_id]]))
                for rank, doc_id in enumerate((d for d in ranked if d is not None), start=1)}


class ShopChunks:
    """The chunks of one shop by slot, with what search needs to look them up."""

    def __init__(self, entries: dict[str, DocEntry] | None = None, *, typo_trigrams: bool = True) -> None:
        self.lock = ReadWriteLock()
        entries = entries or {}
        ordered = sorted(entries)
        self.chunks: list[Chunk | None] = [c for doc_id in ordered for c in entries[doc_id].chunks]
        self.cards = {doc_id: entries[doc_id].card for doc_id in ordered}
        self.texts: list[str] = [search_text(c, self.cards[c.doc_id]) for c in self.chunks if c is not None]
        self.by_id = {c.chunk_id: c for c in self.chunks if c is not None}
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks) if c is not None}
        self.doc_slots: dict[str, list[int]] = {}
        for slot, chunk in enumerate(self.chunks):
            if chunk is not None:
                self.doc_slots.setdefault(chunk.doc_id, []).append(slot)
        self._skus: Counter[str] = Counter(c.sku.lower() for c in self.chunks if c is not None and c.sku)
        self._free: list[int] = []
        self.lexical = LexicalIndex(self.texts, typo_trigrams=typo_trigrams)
        self.profiles = ProfileMatrix()
        for doc_id in ordered:
            self.profiles.put(doc_id, entries[doc_id].profile)

    @property
    def size(self) -> int:
        """Live chunks."""
        return len(self.by_id)

    @property
    def skus(self) -> set[str]:
        """Lower-cased SKUs of the shop's products."""
        return set(self._skus)

    def doc_chunks(self, doc_id: str) -> int:
        return len(self.doc_slots.get(doc_id, ()))

    def put_doc(self, doc_id: str, entry: DocEntry) -> None:
        """Replace a document's chunks (or add them): the cost is the document's, not the shop's."""
        texts = [search_text(c, entry.card) for c in entry.chunks]
        with self.lock.write():
            self._drop(doc_id)
            self.cards[doc_id] = entry.card
            slots = []
            for chunk, text in zip(entry.chunks, texts, strict=True):
                slot = self._free.pop() if self._free else len(self.chunks)
                if slot == len(self.chunks):
                    self.chunks.append(chunk)
                    self.texts.append(text)
                else:
                    self.chunks[slot] = chunk
                    self.texts[slot] = text
                self.lexical.set(slot, text)
                self.by_id[chunk.chunk_id] = chunk
                self.position[chunk.chunk_id] = slot
                if chunk.sku:
                    self._skus[chunk.sku.lower()] += 1
                slots.append(slot)
            self.doc_slots[doc_id] = slots
            self.profiles.put(doc_id, entry.profile)

    def remove_doc(self, doc_id: str) -> None:
        with self.lock.write():
            self._drop(doc_id)

    def _drop(self, doc_id: str) -> None:
        for slot in self.doc_slots.pop(doc_id, []):
            chunk = self.chunks[slot]
            if chunk is None:
                continue
            self.lexical.clear(slot)
            self.by_id.pop(chunk.chunk_id, None)
            self.position.pop(chunk.chunk_id, None)
            if chunk.sku:
                key = chunk.sku.lower()
                self._skus[key] -= 1
                if self._skus[key] <= 0:
                    del self._skus[key]
            self.chunks[slot] = None
            self.texts[slot] = ""
            self._free.append(slot)
        self.cards.pop(doc_id, None)
        self.profiles.remove(doc_id)
