"""The knowledge base: validated edits that reach the files, the index and the shop's rules at once."""

from __future__ import annotations

import logging
import threading

from pydantic import BaseModel, ConfigDict

from service.errors import DocumentError, NotFoundError, StorageError, UserError
from service.knowledge.document import DocType, Document, parse_document, validate_id
from service.knowledge.file_store import FileStore
from service.knowledge.product_facts import ProductFacts, read_product_facts
from service.policy.rules import ShopRules, effective_rules
from service.retrieval.index import KnowledgeIndex, SyncReport

log = logging.getLogger(__name__)


class ShopKnowledge(BaseModel):
    """One shop's documents, effective rules and product facts, as of the last edit."""

    model_config = ConfigDict(frozen=True)

    shop_id: str
    docs: dict[str, Document]
    rules: ShopRules
    products: dict[str, ProductFacts]
    doc_id_by_sku: dict[str, str] = {}  # lower-cased SKU → product doc id

    @classmethod
    def build(cls, shop_id: str, docs: list[Document]) -> ShopKnowledge:
        rules = effective_rules(
            (d.id, d.meta.rules) for d in docs if d.meta.type is DocType.policy and d.meta.rules
        )
        products = {d.id: p for d in docs if (p := read_product_facts(d)) is not None}
        by_sku: dict[str, str] = {}
        for doc_id, product in products.items():
            by_sku.setdefault(product.sku.lower(), doc_id)  # the first product with a SKU keeps it
        return cls(shop_id=shop_id, docs={d.id: d for d in docs}, rules=rules, products=products,
                   doc_id_by_sku=by_sku)

    def product_by_sku(self, sku: str) -> ProductFacts | None:
        """The product with this SKU (case-insensitive), looked up, not searched."""
        doc_id = self.doc_id_by_sku.get(sku.lower())
        return self.products[doc_id] if doc_id is not None else None


class KnowledgeBase:
    """Editors' operations; each returns only when search, drafts and guards see the change."""

    def __init__(self, files: FileStore, index: KnowledgeIndex) -> None:
        self.files = files
        self.index = index
        self._shops: dict[str, ShopKnowledge] = {}
        self._lock = threading.RLock()

    def load_all(self) -> list[SyncReport]:
        """Index every shop folder incrementally; invalid files are logged and left out."""
        reports = []
        for shop_id in self.files.shops():
            try:
                validate_id(shop_id, "shop_id")
            except DocumentError:
                log.warning("skipping folder %s: not a valid shop id", shop_id)
                continue
            reports.append(self.load_shop(shop_id))
        return reports

    def load_shop(self, shop_id: str) -> SyncReport:
        docs, errors = self.files.load_shop(shop_id)
        for error in errors:
            log.error("document refused: %s", error)
        with self._lock:
            knowledge = ShopKnowledge.build(shop_id, docs)
            report = self.index.sync_shop(shop_id, docs)
            self._shops[shop_id] = knowledge
        return report

    def shop_ids(self) -> list[str]:
        return sorted(self._shops)

    def shop(self, shop_id: str) -> ShopKnowledge:
        """A shop's knowledge; unknown shops raise NotFoundError."""
        knowledge = self._shops.get(shop_id)
        if knowledge is None:
            raise NotFoundError(f"shop `{shop_id}` not found; create it by PUT-ting a document")
        return knowledge

    def put(self, shop_id: str, doc_id: str, text: str) -> tuple[Document, bool]:
        """Validate, index and store a document; returns it and whether it is new."""
        validate_id(shop_id, "shop_id")
        validate_id(doc_id, "doc_id")
        doc = parse_document(text, shop_id=shop_id, path=f"/v1/shops/{shop_id}/docs/{doc_id}")
        if doc.id != doc_id:
            raise UserError(f"front matter id `{doc.id}` does not match the URL's doc id `{doc_id}`",
                            where=f"/v1/shops/{shop_id}/docs/{doc_id}")
        with self._lock:
            current = self._shops.get(shop_id)
            if current and doc_id in current.docs and current.docs[doc_id].text == doc.text:
                return current.docs[doc_id], False  # unchanged: nothing to index, no history entry
            docs = dict(current.docs) if current else {}
            docs[doc_id] = doc
            knowledge = ShopKnowledge.build(shop_id, list(docs.values()))  # raises on a rules conflict
            previous = current.docs.get(doc_id) if current else None
            self.index.put_doc(doc)
            try:
                created = self.files.write(doc)
            except OSError as exc:
                # the file is the source of truth: put the index back to what the file still says
                if previous is not None:
                    self.index.put_doc(previous)
                else:
                    self.index.delete_doc(shop_id, doc_id)
                raise StorageError(f"could not save `{doc_id}` in shop `{shop_id}`: {exc}; nothing changed") from exc
            self._shops[shop_id] = knowledge
        return doc, created

    def delete(self, shop_id: str, doc_id: str) -> None:
        with self._lock:
            knowledge = self.shop(shop_id)
            if doc_id not in knowledge.docs:
                raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
            self.files.delete(shop_id, doc_id)
            self.index.delete_doc(shop_id, doc_id)
            remaining = [d for d in knowledge.docs.values() if d.id != doc_id]
            self._shops[shop_id] = ShopKnowledge.build(shop_id, remaining)

    def get(self, shop_id: str, doc_id: str) -> Document:
        document = self.shop(shop_id).docs.get(doc_id)
        if document is None:
            raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
        return document
