"""Split a document body into retrievable chunks by headings and paragraphs, title carried in."""

from __future__ import annotations

import re

from pydantic import BaseModel

from service.knowledge.document import Document

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
MAX_CHUNK_CHARS = 600


class Chunk(BaseModel):
    """A retrievable piece of a document."""

    shop_id: str
    doc_id: str
    chunk_id: str
    doc_type: str
    title: str
    heading: str
    text: str
    sku: str = ""
    category: str = ""
    doc_hash: str = ""

    @property
    def embed_text(self) -> str:
        """What gets embedded and lexically indexed: the doc title and heading give context."""
        head = self.title if not self.heading or self.heading == self.title else f"{self.title} · {self.heading}"
        return f"{head}\n{self.text}"


def _sections(body: str) -> list[tuple[str, str]]:
    """(heading, text) pairs; text before the first heading has an empty heading."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = _HEADING_RE.match(line)
        if match:
            sections.append((match.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections]


def _split_long(text: str) -> list[str]:
    """Paragraph-wise pieces of at most MAX_CHUNK_CHARS (a longer paragraph stays whole)."""
    if len(text) <= MAX_CHUNK_CHARS:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + len(paragraph) + 2 > MAX_CHUNK_CHARS:
            pieces.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        pieces.append(current)
    return pieces


def chunk_document(doc: Document) -> list[Chunk]:
    """Chunks of one document; ids are `<doc_id>#<n>` in document order."""
    chunks: list[Chunk] = []
    meta = doc.meta
    for heading, text in _sections(doc.body):
        if not text:
            continue
        for piece in _split_long(text):
            chunks.append(
                Chunk(
                    shop_id=doc.shop_id,
                    doc_id=meta.id,
                    chunk_id=f"{meta.id}#{len(chunks)}",
                    doc_type=meta.type.value,
                    title=meta.title,
                    heading=heading,
                    text=piece,
                    sku=meta.sku or "",
                    category=meta.category or "",
                    doc_hash=doc.content_hash,
                )
            )
    if not chunks:  # a document with only a title is still findable
        chunks.append(
            Chunk(shop_id=doc.shop_id, doc_id=meta.id, chunk_id=f"{meta.id}#0", doc_type=meta.type.value,
                  title=meta.title, heading="", text=meta.title, sku=meta.sku or "",
                  category=meta.category or "", doc_hash=doc.content_hash)
        )
    return chunks
