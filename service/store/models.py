"""The tables, as typed SQLAlchemy 2 models; the migrations in migrations/versions create them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of kefu's tables."""


class ShopRow(Base):
    """A shop and its change counter: every edit of one of its documents bumps `seq`."""

    __tablename__ = "shops"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocHead(Base):
    """The latest version of a document (a tombstone when deleted) and the shop `seq` of that change."""

    __tablename__ = "doc_heads"

    shop_id: Mapped[str] = mapped_column(String(64), ForeignKey("shops.id"), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str] = mapped_column(String(64))


class DocVersion(Base):
    """One version of a document: its exact text, or none for a deletion (tombstone)."""

    __tablename__ = "doc_versions"
    __table_args__ = (
        ForeignKeyConstraint(["shop_id", "doc_id"], ["doc_heads.shop_id", "doc_heads.doc_id"]),
    )

    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    restored_from: Mapped[int | None] = mapped_column(Integer, nullable=True)


class FolderFile(Base):
    """The content hash of a knowledge-folder file when it was last brought into the store."""

    __tablename__ = "folder_files"

    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))


class ApiKeyRow(Base):
    """An API key: only the sha256 of its token is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiKeyShop(Base):
    """A shop in an API key's scope."""

    __tablename__ = "api_key_shops"

    key_id: Mapped[str] = mapped_column(String(32), ForeignKey("api_keys.id"), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class DraftRecordRow(Base):
    """What one POST /v1/drafts answered (redacted customer text, drafts, citations, verdicts, plan kinds)."""

    __tablename__ = "draft_records"
    __table_args__ = (Index("ix_draft_records_shop_created", "shop_id", "created_at"),)

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    conversation_key: Mapped[str] = mapped_column(String(32))
    turns: Mapped[int] = mapped_column(Integer)
    customer_text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    request_kind: Mapped[str] = mapped_column(String(32))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    drafts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    response_ms: Mapped[float] = mapped_column(Float)


class FeedbackRow(Base):
    """What the agent sent for a recorded draft request, and how it differs from the drafts."""

    __tablename__ = "draft_feedback"
    __table_args__ = (Index("ix_draft_feedback_shop_created", "shop_id", "created_at"),)

    request_id: Mapped[str] = mapped_column(String(64), ForeignKey("draft_records.request_id"), primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    draft_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    compared_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sent_text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    distance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    edit_classes: Mapped[list[str]] = mapped_column(JSON)
    added_facts: Mapped[list[str]] = mapped_column(JSON)
