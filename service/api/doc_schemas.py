"""Request and response bodies of the document endpoints (versions, history, restore)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DocInfo(BaseModel):
    doc_id: str
    type: str
    title: str
    content_hash: str
    version: int = Field(description="the current version (the document's ETag)")


class DocList(BaseModel):
    shop_id: str
    docs: list[DocInfo]


class PutDocResponse(BaseModel):
    shop_id: str
    doc_id: str
    created: bool
    changed: bool = Field(True, description="false: the text was already current (no new version)")
    version: int = Field(description="the version now current (also the ETag header)")
    content_hash: str
    chunks: int


class DocVersionInfo(BaseModel):
    version: int
    content_hash: str = Field(description="sha256 prefix of the text; empty for a deletion")
    author: str = Field(description="who made it: the API key id, `folder`, or `dev` without keys")
    note: str
    created_at: datetime
    deleted: bool = Field(description="a tombstone: the document was deleted by this version")
    restored_from: int | None = None


class DocHistory(BaseModel):
    shop_id: str
    doc_id: str
    versions: list[DocVersionInfo] = Field(description="oldest first")


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="the version whose text becomes current again")
    note: str = Field("", max_length=2000, description="why (kept in the history)")
