"""Documents, versions, shops' change counters, folder sync state and API keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shops",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "doc_heads",
        sa.Column("shop_id", sa.String(64), sa.ForeignKey("shops.id"), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_doc_heads_seq", "doc_heads", ["seq"])
    op.create_table(
        "doc_versions",
        sa.Column("shop_id", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_from", sa.Integer, nullable=True),
        sa.ForeignKeyConstraint(["shop_id", "doc_id"], ["doc_heads.shop_id", "doc_heads.doc_id"]),
    )
    op.create_table(
        "folder_files",
        sa.Column("shop_id", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.String(64), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "api_key_shops",
        sa.Column("key_id", sa.String(32), sa.ForeignKey("api_keys.id"), primary_key=True),
        sa.Column("shop_id", sa.String(64), primary_key=True),
    )


def downgrade() -> None:
    for table in ("api_key_shops", "api_keys", "folder_files", "doc_versions", "doc_heads", "shops"):
        op.drop_table(table)
