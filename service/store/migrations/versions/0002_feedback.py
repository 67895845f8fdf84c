"""Draft records (what POST /v1/drafts answered) and the agents' feedback on them.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft_records",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_key", sa.String(32), nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("customer_text", sa.Text, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("request_kind", sa.String(32), nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("drafts", sa.JSON, nullable=False),
        sa.Column("response_ms", sa.Float, nullable=False),
    )
    op.create_index("ix_draft_records_shop_created", "draft_records", ["shop_id", "created_at"])
    op.create_table(
        "draft_feedback",
        sa.Column("request_id", sa.String(64), sa.ForeignKey("draft_records.request_id"), primary_key=True),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draft_index", sa.Integer, nullable=True),
        sa.Column("compared_index", sa.Integer, nullable=True),
        sa.Column("sent_text", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("distance", sa.Integer, nullable=True),
        sa.Column("similarity", sa.Float, nullable=True),
        sa.Column("edit_classes", sa.JSON, nullable=False),
        sa.Column("added_facts", sa.JSON, nullable=False),
    )
    op.create_index("ix_draft_feedback_shop_created", "draft_feedback", ["shop_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_draft_feedback_shop_created", "draft_feedback")
    op.drop_table("draft_feedback")
    op.drop_index("ix_draft_records_shop_created", "draft_records")
    op.drop_table("draft_records")
