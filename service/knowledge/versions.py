"""Documents and their versions in the database: one transaction per edit, optimistic concurrency by
version number, deletions as tombstone versions, and a per-shop change counter other workers follow."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.errors import NotFoundError, PreconditionFailedError, StorageError, UserError, is_disk_full
from service.store.database import Database
from service.store.models import DocHead, DocVersion, ShopRow


class VersionInfo(BaseModel):
    """Who changed a document, when, to what (its content hash), and why."""

    shop_id: str
    doc_id: str
    version: int
    content_hash: str
    author: str
    note: str
    created_at: datetime
    deleted: bool
    restored_from: int | None = None


class StoredDoc(BaseModel):
    """A version and its exact text (None for a tombstone)."""

    info: VersionInfo
    text: str | None


class EditResult(BaseModel):
    """What an edit did: the version now current, whether it made one, whether the document is new."""

    info: VersionInfo
    changed: bool
    created: bool
    seq: int = 0  # the shop's change counter after this edit


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite hands back naive times


def _info(row: DocVersion) -> VersionInfo:
    return VersionInfo(shop_id=row.shop_id, doc_id=row.doc_id, version=row.version,
                       content_hash=row.content_hash, author=row.author, note=row.note,
                       created_at=_aware(row.created_at), deleted=row.text is None,
                       restored_from=row.restored_from)


class DocumentStore:
    """The source of truth for every shop's documents."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def shop_ids(self) -> list[str]:
        with self.db.read() as session:
            return list(session.scalars(select(ShopRow.id).order_by(ShopRow.id)))

    def shop_seq(self, shop_id: str) -> int | None:
        """The shop's change counter (None for an unknown shop): one cheap query per request."""
        with self.db.read() as session:
            return session.scalar(select(ShopRow.seq).where(ShopRow.id == shop_id))

    def changes_since(self, shop_id: str, seq: int) -> tuple[int, list[StoredDoc]]:
        """The shop's counter now and the current version of every document changed after `seq`
        (tombstones included), in the order they changed."""
        with self.db.read() as session:
            now = session.scalar(select(ShopRow.seq).where(ShopRow.id == shop_id)) or 0
            rows = session.execute(
                select(DocVersion)
                .join(DocHead, (DocHead.shop_id == DocVersion.shop_id) & (DocHead.doc_id == DocVersion.doc_id)
                      & (DocHead.version == DocVersion.version))
                .where(DocHead.shop_id == shop_id, DocHead.seq > seq, DocHead.seq <= now)
                .order_by(DocHead.seq)
            ).scalars()
            return now, [StoredDoc(info=_info(row), text=row.text) for row in rows]

    def current_docs(self, shop_id: str) -> tuple[int, list[StoredDoc]]:
        """The shop's counter and its live documents."""
        seq, docs = self.changes_since(shop_id, 0)
        return seq, [d for d in docs if d.text is not None]

    def head(self, shop_id: str, doc_id: str) -> VersionInfo | None:
        with self.db.read() as session:
            head = session.get(DocHead, (shop_id, doc_id))
            if head is None:
                return None
            row = session.get(DocVersion, (shop_id, doc_id, head.version))
            return _info(row) if row is not None else None

    def version(self, shop_id: str, doc_id: str, version: int | None = None) -> StoredDoc:
        """One version (default: the current one) of a document, tombstones included."""
        with self.db.read() as session:
            if version is None:
                head = session.get(DocHead, (shop_id, doc_id))
                if head is None:
                    raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
                version = head.version
            row = session.get(DocVersion, (shop_id, doc_id, version))
            if row is None:
                raise NotFoundError(f"document `{doc_id}` in shop `{shop_id}` has no version {version}",
                                    where="version")
            return StoredDoc(info=_info(row), text=row.text)

    def history(self, shop_id: str, doc_id: str) -> list[VersionInfo]:
        """Every version of a document, oldest first."""
        with self.db.read() as session:
            rows = session.scalars(select(DocVersion).where(DocVersion.shop_id == shop_id,
                                                            DocVersion.doc_id == doc_id)
                                   .order_by(DocVersion.version)).all()
        if not rows:
            raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
        return [_info(r) for r in rows]

    def write(self, shop_id: str, doc_id: str, text: str | None, content_hash: str, *, author: str,
              note: str = "", if_match: int | None = None, restored_from: int | None = None) -> EditResult:
        """Make `text` (None: a tombstone) the document's new version, in one transaction.

        Raises:
            PreconditionFailedError: `if_match` is not the current version (0: the document must not exist).
            NotFoundError: deleting a document that does not exist or is already deleted.
            StorageError: the database refused the write; nothing changed.
        """
        try:
            with self.db.write() as session:
                return self._write(session, shop_id, doc_id, text, content_hash, author=author, note=note,
                                   if_match=if_match, restored_from=restored_from)
        except SQLAlchemyError as exc:
            if is_disk_full(exc):
                raise StorageError(f"could not save `{doc_id}` in shop `{shop_id}`: no space left on the disk "
                                   "of the database; nothing changed: free some space and send it again",
                                   where="KEFU_DATABASE_URL") from exc
            raise StorageError(f"could not save `{doc_id}` in shop `{shop_id}`: {exc.__class__.__name__}: "
                               f"{exc.args[0] if exc.args else exc}; nothing changed") from exc

    def _write(self, session: Session, shop_id: str, doc_id: str, text: str | None, content_hash: str, *,
               author: str, note: str, if_match: int | None, restored_from: int | None) -> EditResult:
        shop = self._locked_shop(session, shop_id)
        head = session.get(DocHead, (shop_id, doc_id))
        current = head.version if head is not None else 0
        if if_match is not None and if_match != current:
            raise PreconditionFailedError(
                f"document `{doc_id}` is at version {current}, not {if_match}: someone changed it since you "
                "read it; fetch it again and reapply your edit", where="If-Match")
        live = head is not None and not head.deleted
        if text is None and not live:
            raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
        if text is not None and live and head is not None and head.content_hash == content_hash:
            row = session.get(DocVersion, (shop_id, doc_id, current))
            if row is None:
                raise UserError(f"document `{doc_id}` has lost its version {current}")
            return EditResult(info=_info(row), changed=False, created=False, seq=shop.seq)
        shop.seq += 1
        version = current + 1
        if head is None:
            head = DocHead(shop_id=shop_id, doc_id=doc_id)
            session.add(head)
        head.version, head.seq, head.deleted = version, shop.seq, text is None
        head.content_hash = content_hash if text is not None else ""
        session.flush()  # the head first: versions reference it
        row = DocVersion(shop_id=shop_id, doc_id=doc_id, version=version, text=text,
                         content_hash=content_hash if text is not None else "", author=author, note=note,
                         created_at=datetime.now(UTC), restored_from=restored_from)
        session.add(row)
        session.flush()
        return EditResult(info=_info(row), changed=True, created=text is not None and not live, seq=shop.seq)

    def _locked_shop(self, session: Session, shop_id: str) -> ShopRow:
        """The shop row, created if new and locked for this transaction (edits of a shop take turns)."""
        values = {"id": shop_id, "seq": 0, "created_at": datetime.now(UTC)}
        insert = postgresql.insert if not self.db.is_sqlite else sqlite.insert
        session.execute(insert(ShopRow).values(**values).on_conflict_do_nothing(index_elements=["id"]))
        shop = session.scalars(select(ShopRow).where(ShopRow.id == shop_id).with_for_update()).one()
        return shop
