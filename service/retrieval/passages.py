"""What gets indexed for a chunk: its text with the document's identity carried in, and its passages.

Every chunk carries its document's title and heading (so "它防水吗" under `## 规格` of a product still
names the product) and the document's card: SKU, category and tags from the front matter, the words
buyers use for the whole document ("AB3", "充电宝", "移动电源", "退货").

A sentence encoder sees one idea best: a long chunk's vector blurs the one FAQ line a buyer asks about,
so each line of a multi-line chunk gets its own vector too; a chunk scores as its best passage.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from service.knowledge.chunking import MAX_CHUNK_CHARS, Chunk
from service.knowledge.document import DocumentMeta

# Part of the vector collection's name: any change to what is embedded gets fresh vectors.
SCHEME = f"card-passages-v3-{MAX_CHUNK_CHARS}"
MIN_LINE_CHARS = 4
_SEP = "~"
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)、])\s*")


class Passage(NamedTuple):
    """One embedded text of a chunk; `n` is 0 for the whole chunk."""

    chunk: Chunk
    n: int
    text: str

    @property
    def passage_id(self) -> str:
        return f"{self.chunk.chunk_id}{_SEP}{self.n}"


def chunk_of(passage_id: str) -> str:
    """The chunk id inside a passage id (doc and chunk ids never contain the separator)."""
    return passage_id.rsplit(_SEP, 1)[0]


def doc_card(meta: DocumentMeta) -> str:
    """SKU, category and tags: what the whole document is about, in the words buyers type."""
    words = [w for w in (meta.sku, meta.category) if w]
    words += [tag for tag in meta.tags if tag not in words]
    return " ".join(words)


def doc_profile(meta: DocumentMeta) -> str:
    """Title and card: the text the document-level (profile) signal compares a query with."""
    return " ".join(part for part in (meta.title, doc_card(meta)) if part)


def chunk_head(chunk: Chunk) -> str:
    """`title · heading` (or the title alone): the context every passage carries."""
    if not chunk.heading or chunk.heading == chunk.title:
        return chunk.title
    return f"{chunk.title} · {chunk.heading}"


def search_text(chunk: Chunk, card: str) -> str:
    """The chunk as both retrievers index it: head, card, text."""
    return "\n".join(part for part in (chunk_head(chunk), card, chunk.text) if part)


def chunk_lines(text: str) -> list[str]:
    """The non-trivial lines of a chunk, list bullets stripped."""
    lines = (_BULLET_RE.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if len(line) >= MIN_LINE_CHARS]


def dense_passages(chunk: Chunk, card: str, *, lines: bool = True) -> list[Passage]:
    """The whole chunk, then (with `lines`) each of its lines prefixed with the chunk's head."""
    passages = [Passage(chunk, 0, search_text(chunk, card))]
    found = chunk_lines(chunk.text) if lines else []
    if len(found) > 1:
        head = chunk_head(chunk)
        passages += [Passage(chunk, i, f"{head}: {line}") for i, line in enumerate(found, start=1)]
    return passages
