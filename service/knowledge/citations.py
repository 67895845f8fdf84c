"""Version-pinned citations: is the document version a draft cited still the current one?"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from service.knowledge.versions import DocumentStore


class CitationState(StrEnum):
    """current: the cited version is live; stale: a newer version replaced it; deleted: the document was
    deleted since; unknown: the shop has no such document; unpinned: the citation names no version."""

    current = "current"
    stale = "stale"
    deleted = "deleted"
    unknown = "unknown"
    unpinned = "unpinned"


class CitedVersion(BaseModel):
    doc_id: str
    chunk_id: str = ""
    version: int | None = Field(None, ge=1, description="the version the draft cited")


class CitationStatus(BaseModel):
    doc_id: str
    chunk_id: str
    cited_version: int | None
    current_version: int | None = Field(description="the live version (None: deleted or unknown)")
    state: CitationState
    stale: bool = Field(description="true unless the cited version is still the live one")


def check_citations(store: DocumentStore, shop_id: str, citations: list[CitedVersion]) -> list[CitationStatus]:
    """Each citation's state against the store's current heads (one read per cited document)."""
    heads = {doc_id: store.head(shop_id, doc_id) for doc_id in {c.doc_id for c in citations}}
    statuses: list[CitationStatus] = []
    for citation in citations:
        head = heads[citation.doc_id]
        current = head.version if head is not None and not head.deleted else None
        if head is None:
            state = CitationState.unknown
        elif head.deleted:
            state = CitationState.deleted
        elif citation.version is None:
            state = CitationState.unpinned
        else:
            state = CitationState.current if citation.version == head.version else CitationState.stale
        statuses.append(CitationStatus(doc_id=citation.doc_id, chunk_id=citation.chunk_id,
                                       cited_version=citation.version, current_version=current, state=state,
                                       stale=state is not CitationState.current))
    return statuses
