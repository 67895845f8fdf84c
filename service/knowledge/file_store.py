"""Knowledge folders: `<root>/<shop>/<doc_id>.md`, read with every problem reported, written back exactly."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from service.errors import DocumentError
from service.knowledge.document import Document, parse_document, validate_id


def read_folder(folder: Path, shop_id: str) -> tuple[list[Document], list[DocumentError]]:
    """All valid documents of one shop's folder, and the errors of the invalid ones (which are skipped)."""
    docs: list[Document] = []
    errors: list[DocumentError] = []
    seen: dict[str, Path] = {}
    for file in sorted(folder.glob("*.md")):
        if file.name.lower() == "readme.md":
            continue
        try:
            with file.open(encoding="utf-8", newline="") as handle:  # the exact text: CRLF stays CRLF
                text = handle.read()
            doc = parse_document(text, shop_id=shop_id, path=str(file))
            if doc.id in seen:
                raise DocumentError(f"duplicate id `{doc.id}` (also in {seen[doc.id].name})", path=str(file),
                                    field="id")
            if file.stem != doc.id:
                raise DocumentError(f"file name must be `{doc.id}.md` to match its id", path=str(file),
                                    field="id")
        except DocumentError as exc:
            errors.append(exc)
            continue
        except UnicodeDecodeError as exc:
            errors.append(DocumentError(f"not UTF-8 text: {exc}", path=str(file)))
            continue
        seen[doc.id] = file
        docs.append(doc)
    return docs, errors


def write_folder_file(folder: Path, doc_id: str, text: str) -> None:
    """Write one document atomically, byte for byte."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{validate_id(doc_id, 'doc_id')}.md"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{doc_id}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)


class FileStore:
    """A folder of shops, one subfolder each (the repo's knowledge/ and the evaluation shops)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def shops(self) -> list[str]:
        """Shop ids that have a folder."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def load_shop(self, shop_id: str) -> tuple[list[Document], list[DocumentError]]:
        """All valid documents of a shop, and the errors of the invalid ones (which are skipped)."""
        return read_folder(self.root / validate_id(shop_id, "shop_id"), shop_id)
