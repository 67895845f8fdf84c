"""The tables, as typed SQLAlchemy 2 models; the migrations in migrations/versions create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, ForeignKeyConstraint, Integer, String, Text
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
