"""GET one indexed chunk: what a draft's citation points at (agents read it; editing stays with editors)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.api.deps import ServicesDep
from service.errors import NotFoundError

router = APIRouter(tags=["documents"])


class ChunkView(BaseModel):
    """A cited passage and the document version it was indexed from."""

    shop_id: str
    doc_id: str
    chunk_id: str
    doc_type: str
    title: str
    heading: str
    text: str
    doc_version: int = Field(description="the document's current version (GET /v1/shops/{shop}/docs/{doc}?version=N)")


@router.get("/v1/shops/{shop_id}/chunks/{chunk_id}", response_model=ChunkView)
def get_chunk(shop_id: str, chunk_id: str, services: ServicesDep) -> ChunkView:
    shop = services.knowledge.shop(shop_id)  # 404 for an unknown shop
    chunk = services.retriever.index.shop(shop_id).by_id.get(chunk_id)
    if chunk is None:
        raise NotFoundError(f"shop `{shop_id}` has no chunk `{chunk_id}` (its document was edited or removed)",
                            where="path.chunk_id")
    return ChunkView(shop_id=shop_id, doc_id=chunk.doc_id, chunk_id=chunk.chunk_id, doc_type=chunk.doc_type,
                     title=chunk.title, heading=chunk.heading, text=chunk.text,
                     doc_version=shop.versions.get(chunk.doc_id, 0))
