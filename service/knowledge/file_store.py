"""Documents as files, one folder per shop; every overwrite or delete keeps the old version."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from service.errors import DocumentError, NotFoundError
from service.knowledge.document import Document, parse_document, validate_id

log = logging.getLogger(__name__)


class FileStore:
    """The editors' source of truth: `<root>/<shop>/<doc_id>.md`, history under `history_dir`."""

    def __init__(self, root: Path, history_dir: Path) -> None:
        self.root = root
        self.history_dir = history_dir
        self._lock = threading.Lock()

    def shops(self) -> list[str]:
        """Shop ids that have a folder."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def path(self, shop_id: str, doc_id: str) -> Path:
        return self.root / validate_id(shop_id, "shop_id") / f"{validate_id(doc_id, 'doc_id')}.md"

    def load_shop(self, shop_id: str) -> tuple[list[Document], list[DocumentError]]:
        """All valid documents of a shop, and the errors of the invalid ones (which are skipped)."""
        folder = self.root / validate_id(shop_id, "shop_id")
        docs: list[Document] = []
        errors: list[DocumentError] = []
        seen: dict[str, Path] = {}
        for file in sorted(folder.glob("*.md")):
            if file.name.lower() == "readme.md":
                continue
            try:
                doc = parse_document(file.read_text(encoding="utf-8"), shop_id=shop_id, path=str(file))
                if doc.id in seen:
                    raise DocumentError(f"duplicate id `{doc.id}` (also in {seen[doc.id].name})", path=str(file))
                if file.stem != doc.id:
                    raise DocumentError(f"file name must be `{doc.id}.md` to match its id", path=str(file))
            except DocumentError as exc:
                errors.append(exc)
                continue
            except UnicodeDecodeError as exc:
                errors.append(DocumentError(f"not UTF-8 text: {exc}", path=str(file)))
                continue
            seen[doc.id] = file
            docs.append(doc)
        return docs, errors

    def read(self, shop_id: str, doc_id: str) -> str:
        """The exact text of a document."""
        file = self.path(shop_id, doc_id)
        if not file.is_file():
            raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
        return file.read_text(encoding="utf-8")

    def write(self, doc: Document) -> bool:
        """Write a validated document atomically; returns True when it is new. Identical text is a no-op."""
        file = self.path(doc.shop_id, doc.id)
        with self._lock:
            file.parent.mkdir(parents=True, exist_ok=True)
            existed = file.is_file()
            if existed and file.read_text(encoding="utf-8") == doc.text:
                return False
            if existed:
                self._keep_version(file, doc.shop_id, doc.id)
            fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{doc.id}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(doc.text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, file)
        return not existed

    def delete(self, shop_id: str, doc_id: str) -> None:
        """Remove a document; its last version stays in the history folder."""
        file = self.path(shop_id, doc_id)
        with self._lock:
            if not file.is_file():
                raise NotFoundError(f"document `{doc_id}` not found in shop `{shop_id}`")
            self._keep_version(file, shop_id, doc_id)
            file.unlink()

    def _keep_version(self, file: Path, shop_id: str, doc_id: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.history_dir / shop_id / doc_id / f"{stamp}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.read_bytes())
        log.debug("kept version %s", target)
