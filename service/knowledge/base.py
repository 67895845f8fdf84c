"""The knowledge base: edits go to the store in one transaction, then to the index and the shop's rules;
every worker follows the store's per-shop change counter, so all of them answer from the same version."""

from __future__ import annotations

import logging
import threading
from typing import NoReturn, Protocol

from pydantic import BaseModel, ConfigDict

from service.errors import ConflictError, DocumentError, KefuError, NotFoundError, StorageError, UserError
from service.knowledge.document import DocType, Document, parse_document, validate_id
from service.knowledge.product_facts import ProductFacts, read_product_facts
from service.knowledge.versions import DocumentStore, StoredDoc, VersionInfo
from service.policy.rules import ShopRules, effective_rules
from service.policy.shipping_schedule import ShippingSchedule, read_schedule
from service.retrieval.index import KnowledgeIndex, PreparedDoc, SyncReport

log = logging.getLogger(__name__)


def _rules(docs: dict[str, Document]) -> ShopRules:
    return effective_rules((d.id, d.meta.rules) for d in docs.values()
                           if d.meta.type is DocType.policy and d.meta.rules)


def _sku_index(products: dict[str, ProductFacts]) -> dict[str, str]:
    by_sku: dict[str, str] = {}
    for doc_id, product in products.items():
        by_sku.setdefault(product.sku.lower(), doc_id)  # the first product with a SKU keeps it
    return by_sku


class ShopKnowledge(BaseModel):
    """One shop's documents, effective rules and product facts, as of the last edit."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    docs: dict[str, Document]
    rules: ShopRules
    products: dict[str, ProductFacts]
    doc_id_by_sku: dict[str, str] = {}  # lower-cased SKU → product doc id
    versions: dict[str, int] = {}
    schedule: ShippingSchedule = ShippingSchedule()  # the daily cut-off and rest days its shipping policy states
    inactive: dict[str, Document] = {}  # documents outside their validity window at the view's time (windows.py)

    @classmethod
    def build(cls, shop_id: str, docs: list[Document], versions: dict[str, int] | None = None) -> ShopKnowledge:
        by_id = {d.id: d for d in docs}
        products = {d.id: p for d in docs if (p := read_product_facts(d)) is not None}
        return cls(shop_id=shop_id, docs=by_id, rules=_rules(by_id), products=products, versions=versions or {},
                   doc_id_by_sku=_sku_index(products), schedule=read_schedule(by_id.values()))

    def with_doc(self, doc: Document, version: int) -> ShopKnowledge:
        """This shop with one document added or replaced (the rules are merged again only for policies).

        Raises:
            ConflictError: two policy documents would set the same rule.
        """
        old = self.docs.get(doc.id)
        docs = {**self.docs, doc.id: doc}
        policy = DocType.policy in (doc.meta.type, old.meta.type if old else None)
        products = dict(self.products)
        facts = read_product_facts(doc)
        if facts is None:
            products.pop(doc.id, None)
        else:
            products[doc.id] = facts
        return ShopKnowledge.model_construct(shop_id=self.shop_id, docs=docs,
                                             rules=_rules(docs) if policy else self.rules, products=products,
                                             versions={**self.versions, doc.id: version},
                                             doc_id_by_sku=self._skus_after(doc.id, products),
                                             schedule=read_schedule(docs.values()) if policy else self.schedule)

    def without_doc(self, doc_id: str) -> ShopKnowledge:
        old = self.docs.get(doc_id)
        docs = {k: v for k, v in self.docs.items() if k != doc_id}
        policy = old is not None and old.meta.type is DocType.policy
        products = {k: v for k, v in self.products.items() if k != doc_id}
        return ShopKnowledge.model_construct(
            shop_id=self.shop_id, docs=docs, rules=_rules(docs) if policy else self.rules, products=products,
            versions={k: v for k, v in self.versions.items() if k != doc_id},
            doc_id_by_sku=self._skus_after(doc_id, products),
            schedule=read_schedule(docs.values()) if policy else self.schedule)

    def _skus_after(self, doc_id: str, products: dict[str, ProductFacts]) -> dict[str, str]:
        """The SKU index once `doc_id` changed: only its own SKUs are looked at again."""
        by_sku = {sku: d for sku, d in self.doc_id_by_sku.items() if d != doc_id}
        released = {sku for sku, d in self.doc_id_by_sku.items() if d == doc_id}
        for sku in released:  # another product with the same SKU takes it over
            holder = next((d for d, p in products.items() if p.sku.lower() == sku and d != doc_id), None)
            if holder is not None:
                by_sku[sku] = holder
        if doc_id in products:
            by_sku.setdefault(products[doc_id].sku.lower(), doc_id)
        return by_sku

    def product_by_sku(self, sku: str) -> ProductFacts | None:
        """The product with this SKU (case-insensitive), looked up, not searched."""
        doc_id = self.doc_id_by_sku.get(sku.lower())
        return self.products[doc_id] if doc_id is not None else None


class ShopSource(Protocol):
    """Where drafting reads a shop's knowledge: the live knowledge base, or a preview's staged overlay."""

    def shop(self, shop_id: str) -> ShopKnowledge: ...


class Edit(BaseModel):
    """What an edit did and the version it left current."""

    info: VersionInfo
    changed: bool
    created: bool
    chunks: int


def _api_path(shop_id: str, doc_id: str) -> str:
    return f"/v1/shops/{shop_id}/docs/{doc_id}"


class KnowledgeBase:
    """Editors' operations; each returns only when search, drafts and guards see the change."""

    def __init__(self, store: DocumentStore, index: KnowledgeIndex) -> None:
        self.store = store
        self.index = index
        self._shops: dict[str, ShopKnowledge] = {}
        self._seqs: dict[str, int] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._committing: dict[str, int] = {}  # shop → seq of an edit committed here, not yet applied

    def _lock(self, shop_id: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(shop_id, threading.RLock())

    def load_all(self) -> list[SyncReport]:
        """Bring the index in line with the store for every shop (embedding only what changed)."""
        return [self.load_shop(shop_id) for shop_id in self.store.shop_ids()]

    def load_shop(self, shop_id: str) -> SyncReport:
        with self._lock(shop_id):
            seq, stored = self.store.current_docs(shop_id)
            docs = [doc for s in stored if (doc := self._parse(s)) is not None]
            report = self.index.sync_shop(shop_id, docs)
            versions = {s.info.doc_id: s.info.version for s in stored}
            try:
                knowledge = ShopKnowledge.build(shop_id, docs, versions)
            except ConflictError as exc:  # two workers' simultaneous policy edits: say so, keep the law's rules
                log.error("shop %s: %s", shop_id, exc)
                knowledge = ShopKnowledge.build(shop_id, [d for d in docs if d.meta.type is not DocType.policy],
                                                versions)
            self._shops[shop_id] = knowledge
            self._seqs[shop_id] = seq
            return report

    def shop_ids(self) -> list[str]:
        return self.store.shop_ids()

    def shop(self, shop_id: str) -> ShopKnowledge:
        """A shop's knowledge as of its latest edit in any worker; unknown shops raise NotFoundError."""
        if not self.refresh(shop_id):
            raise NotFoundError(f"shop `{shop_id}` not found; create it by PUT-ting a document")
        return self._shops[shop_id]

    def refresh(self, shop_id: str) -> bool:
        """Catch up with edits made since this worker last looked (one query when there are none).
        Returns whether the shop exists."""
        seq = self.store.shop_seq(shop_id)
        if seq is None:
            return False
        if self._seqs.get(shop_id) == seq and shop_id in self._shops:
            return True
        lock = self._lock(shop_id)
        if not lock.acquire(blocking=False):
            if shop_id in self._shops and self._committing.get(shop_id) == seq:
                # the only newer change is an edit of this worker being applied: its caller has no answer
                # yet, so answering from the version before it breaks no one's read-your-writes
                return True
            lock.acquire()
        try:
            self._catch_up(shop_id, {})
        finally:
            lock.release()
        return True

    def _catch_up(self, shop_id: str, prepared: dict[str, PreparedDoc]) -> None:
        """Apply every change after the last one seen; `prepared` holds documents embedded already."""
        if shop_id not in self._shops:
            self.load_shop(shop_id)
            return
        seq, changes = self.store.changes_since(shop_id, self._seqs[shop_id])
        knowledge = self._shops[shop_id]
        for stored in changes:
            doc_id = stored.info.doc_id
            ready = prepared.get(doc_id)
            doc = ready.doc if ready is not None and ready.doc.text == stored.text else self._parse(stored)
            if doc is None:
                self.index.delete_doc(shop_id, doc_id)
                knowledge = knowledge.without_doc(doc_id)
                continue
            if self.index.holds(doc):
                pass  # the same text is indexed already (an edit undone, a restore of what is served)
            else:
                if ready is None or ready.doc.content_hash != doc.content_hash:
                    ready = self.index.prepare(doc)  # another worker's edit
                self.index.apply(ready)
            try:
                knowledge = knowledge.with_doc(doc, stored.info.version)
            except ConflictError as exc:
                log.error("shop %s: %s (kept the previous rules)", shop_id, exc)
                knowledge = knowledge.model_copy(update={"docs": {**knowledge.docs, doc_id: doc}})
        self._shops[shop_id] = knowledge
        self._seqs[shop_id] = seq

    def _parse(self, stored: StoredDoc) -> Document | None:
        """The stored text as a document (None for a tombstone or a text that no longer validates)."""
        if stored.text is None:
            return None
        try:
            return parse_document(stored.text, shop_id=stored.info.shop_id,
                                  path=_api_path(stored.info.shop_id, stored.info.doc_id))
        except DocumentError as exc:
            log.error("stored document refused: %s", exc)
            return None

    @staticmethod
    def validate(shop_id: str, doc_id: str, text: str) -> Document:
        """The text as a document of this shop under this id (DocumentError/UserError: 422 naming what)."""
        validate_id(shop_id, "shop_id")
        validate_id(doc_id, "doc_id")
        doc = parse_document(text, shop_id=shop_id, path=_api_path(shop_id, doc_id))
        if doc.id != doc_id:
            raise UserError(f"front matter id `{doc.id}` does not match the URL's doc id `{doc_id}`",
                            where=_api_path(shop_id, doc_id))
        return doc

    def put(self, shop_id: str, doc_id: str, text: str, *, author: str, note: str = "",
            if_match: int | None = None, restored_from: int | None = None) -> Edit:
        """Validate, store as a new version and index a document; returns when every reader sees it."""
        doc = self.validate(shop_id, doc_id, text)
        self.refresh(shop_id)
        known = self._shops.get(shop_id)
        if (known is not None and doc_id in known.docs and known.docs[doc_id].text == doc.text
                and if_match in (None, known.versions.get(doc_id))):
            info = self.store.head(shop_id, doc_id)
            if info is not None and info.content_hash == doc.content_hash:  # unchanged: no version, no re-index
                return Edit(info=info, changed=False, created=False, chunks=self._chunks(shop_id, doc_id))
        prepared = self.index.prepare(doc)  # embedding: no lock that searches or other shops wait for
        with self._lock(shop_id):
            self._ensure_current(shop_id)
            base = self._shops.get(shop_id) or ShopKnowledge.build(shop_id, [])
            base.with_doc(doc, 0)  # a rules conflict is refused before anything is written
            previous = base.docs.get(doc_id)
            result = self.store.write(shop_id, doc_id, doc.text, doc.content_hash, author=author, note=note,
                                      if_match=if_match, restored_from=restored_from)
            self._committing[shop_id] = result.seq
            try:
                self._catch_up(shop_id, {doc_id: prepared})
            except StorageError as exc:
                self._undo(shop_id, doc_id, previous, base.versions.get(doc_id), exc)
            finally:
                self._committing.pop(shop_id, None)
        return Edit(info=result.info, changed=result.changed, created=result.created,
                    chunks=self._chunks(shop_id, doc_id))

    def delete(self, shop_id: str, doc_id: str, *, author: str, note: str = "",
               if_match: int | None = None) -> VersionInfo:
        """Record a tombstone version and drop the document from the index; restorable."""
        self.shop(shop_id)
        with self._lock(shop_id):
            base = self._shops[shop_id]
            previous = base.docs.get(doc_id)
            result = self.store.write(shop_id, doc_id, None, "", author=author, note=note, if_match=if_match)
            self._committing[shop_id] = result.seq
            try:
                self._catch_up(shop_id, {})
            except StorageError as exc:
                self._undo(shop_id, doc_id, previous, base.versions.get(doc_id), exc)
            finally:
                self._committing.pop(shop_id, None)
        return result.info

    def _undo(self, shop_id: str, doc_id: str, previous: Document | None, version: int | None,
              error: StorageError) -> NoReturn:
        """The store took an edit the index could not (its disk is full): put the served text back.

        A new version restores the one the index still serves (or deletes a document that was new), so
        store, index and every worker agree again; the index needs no write for it. Then the edit's
        caller gets the storage error (507) saying so.
        """
        text = previous.text if previous is not None else None
        content_hash = previous.content_hash if previous is not None else ""
        try:
            self.store.write(shop_id, doc_id, text, content_hash, author="kefu", restored_from=version,
                             note=f"undone: the search index could not take the edit ({error.message})")
            self._catch_up(shop_id, {})
        except KefuError as again:
            log.error("shop %s: could not undo the edit of %s after %s: %s", shop_id, doc_id, error, again)
            raise error from again
        raise StorageError(f"{error.message}; the edit of `{doc_id}` was undone (its previous text is a new "
                           "version), nothing else changed: free some space and send it again",
                           where=error.where) from error

    def restore(self, shop_id: str, doc_id: str, version: int, *, author: str, note: str = "",
                if_match: int | None = None) -> Edit:
        """Make an earlier version's text current again, as a new version."""
        stored = self.store.version(shop_id, doc_id, version)
        if stored.text is None:
            raise UserError(f"version {version} of `{doc_id}` is a deletion; restore a version that has text",
                            where="body.version")
        return self.put(shop_id, doc_id, stored.text, author=author, note=note or f"restored version {version}",
                        if_match=if_match, restored_from=version)

    def history(self, shop_id: str, doc_id: str) -> list[VersionInfo]:
        self.shop(shop_id)
        return self.store.history(shop_id, doc_id)

    def get(self, shop_id: str, doc_id: str) -> Document:
        document = self.shop(shop_id).docs.get(doc_id)
        if document is None:
            raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
        return document

    def get_version(self, shop_id: str, doc_id: str, version: int | None = None) -> StoredDoc:
        """A document's text at a version (default: the current one); a deleted one is not found."""
        knowledge = self.shop(shop_id)
        if version is None:
            doc = knowledge.docs.get(doc_id)
            if doc is None:
                raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
            version = knowledge.versions[doc_id]
        stored = self.store.version(shop_id, doc_id, version)
        if stored.text is None:
            raise NotFoundError(f"version {version} of `{doc_id}` is a deletion (restore an earlier one)",
                                where="version")
        return stored

    def _ensure_current(self, shop_id: str) -> None:
        """Catch up before an edit; a shop new to the store starts empty here (nothing to load)."""
        if shop_id not in self._shops and self.store.shop_seq(shop_id) is None:
            self._shops[shop_id] = ShopKnowledge.build(shop_id, [])
            self._seqs[shop_id] = 0
        else:
            self._catch_up(shop_id, {})

    def _chunks(self, shop_id: str, doc_id: str) -> int:
        return self.index.shop(shop_id).doc_chunks(doc_id)
