"""Folders ↔ store: the repo's knowledge/ seeds the store at startup; `kefu knowledge sync` makes a shop
match a folder exactly and `kefu knowledge export` writes it back, byte for byte."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from service.errors import DocumentError, UserError
from service.knowledge.base import ShopKnowledge
from service.knowledge.document import Document, validate_id
from service.knowledge.file_store import FileStore, read_folder, write_folder_file
from service.knowledge.versions import DocumentStore
from service.store.models import FolderFile

log = logging.getLogger(__name__)
FOLDER_AUTHOR = "folder"


class SyncPlan(BaseModel):
    """What making a shop match a folder takes."""

    shop_id: str
    create: list[str] = []
    update: list[str] = []
    delete: list[str] = []
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)


class InvalidFolderError(UserError):
    """A folder has invalid documents; every problem is listed, nothing was written."""

    def __init__(self, errors: list[DocumentError]) -> None:
        super().__init__(f"{len(errors)} invalid document(s): " + "; ".join(map(str, errors)),
                         where=errors[0].where if errors else None)
        self.errors = errors

    def problems(self) -> list[DocumentError]:
        """Every problem of every file."""
        return [p for e in self.errors for p in (e.problems or [e])]

    def body(self) -> dict[str, object]:
        body = super().body()
        body["errors"] = [{"where": p.where, "message": p.message} for p in self.problems()]
        return body


def plan_sync(store: DocumentStore, shop_id: str, docs: list[Document]) -> SyncPlan:
    """Creates, updates and deletes that make the shop hold exactly `docs`."""
    _, current = store.current_docs(shop_id)
    stored = {d.info.doc_id: d.info.content_hash for d in current}
    plan = SyncPlan(shop_id=shop_id)
    for doc in docs:
        if doc.id not in stored:
            plan.create.append(doc.id)
        elif stored[doc.id] != doc.content_hash:
            plan.update.append(doc.id)
        else:
            plan.unchanged += 1
    plan.delete = sorted(set(stored) - {d.id for d in docs})
    return plan


def read_shop_folder(folder: Path, shop_id: str) -> list[Document]:
    """A folder's documents, refused whole (every problem listed) if any is invalid or rules conflict."""
    validate_id(shop_id, "shop_id")
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder", where=str(folder))
    docs, errors = read_folder(folder, shop_id)
    if errors:
        raise InvalidFolderError(errors)
    ShopKnowledge.build(shop_id, docs)  # ConflictError: two policy docs set the same rule
    return docs


def apply_sync(store: DocumentStore, plan: SyncPlan, docs: list[Document], *, author: str,
               on_step: Callable[[str], None] | None = None) -> None:
    """Carry a plan out, one transaction per document."""
    by_id = {d.id: d for d in docs}
    for doc_id in plan.create + plan.update:
        doc = by_id[doc_id]
        store.write(plan.shop_id, doc_id, doc.text, doc.content_hash, author=author, note="kefu knowledge sync")
        if on_step:
            on_step(doc_id)
    for doc_id in plan.delete:
        store.write(plan.shop_id, doc_id, None, "", author=author, note="kefu knowledge sync: not in the folder")
        if on_step:
            on_step(doc_id)


def export_shop(store: DocumentStore, shop_id: str, folder: Path) -> int:
    """Write a shop's current documents into `folder` (removing other `.md` files there); returns the count."""
    _, current = store.current_docs(shop_id)
    if not current and store.shop_seq(shop_id) is None:
        raise UserError(f"shop `{shop_id}` not found", where="shop")
    wanted = {d.info.doc_id for d in current}
    for doc in current:
        write_folder_file(folder, doc.info.doc_id, doc.text or "")
    for stale in folder.glob("*.md"):
        if stale.stem not in wanted and stale.name.lower() != "readme.md":
            stale.unlink()
    return len(current)


def seed_from_folders(store: DocumentStore, root: Path) -> None:
    """Bring the knowledge folders into the store, incrementally by content hash: a file new or changed
    since it was last brought in becomes a new version; a file removed since becomes a tombstone unless
    the document was edited over HTTP since. Invalid files are logged and left out."""
    for shop_id in FileStore(root).shops():
        try:
            validate_id(shop_id, "shop_id")
        except DocumentError:
            log.warning("skipping folder %s: not a valid shop id", shop_id)
            continue
        docs, errors = read_folder(root / shop_id, shop_id)
        for error in errors:
            log.error("document refused: %s", error)
        _seed_shop(store, shop_id, docs)


def _seed_shop(store: DocumentStore, shop_id: str, docs: list[Document]) -> None:
    with store.db.read() as session:
        seen = {r.doc_id: r.content_hash for r in session.scalars(select(FolderFile)
                                                                   .where(FolderFile.shop_id == shop_id))}
    for doc in docs:
        if seen.get(doc.id) == doc.content_hash:
            continue
        store.write(shop_id, doc.id, doc.text, doc.content_hash, author=FOLDER_AUTHOR,
                    note="from the knowledge folder")
        _remember(store, shop_id, doc.id, doc.content_hash)
    for doc_id in sorted(set(seen) - {d.id for d in docs}):
        head = store.head(shop_id, doc_id)
        if head is not None and not head.deleted and head.content_hash == seen[doc_id]:
            store.write(shop_id, doc_id, None, "", author=FOLDER_AUTHOR, note="removed from the knowledge folder")
        _remember(store, shop_id, doc_id, None)


def _remember(store: DocumentStore, shop_id: str, doc_id: str, content_hash: str | None) -> None:
    with store.db.write() as session:
        if content_hash is None:
            session.execute(delete(FolderFile).where(FolderFile.shop_id == shop_id, FolderFile.doc_id == doc_id))
            return
        insert = sqlite.insert if store.db.is_sqlite else postgresql.insert
        statement = insert(FolderFile).values(shop_id=shop_id, doc_id=doc_id, content_hash=content_hash)
        session.execute(statement.on_conflict_do_update(index_elements=["shop_id", "doc_id"],
                                                        set_={"content_hash": content_hash}))
