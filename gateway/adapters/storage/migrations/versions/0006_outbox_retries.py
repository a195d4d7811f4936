"""outbox: per-row backoff, dead letters and claims (relay leases)

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(
            "ix_outbox_pending",
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        )
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("published_at IS NULL AND dead_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL AND dead_at IS NULL"),
        )
        batch_op.create_index(
            "ix_outbox_dead",
            ["dead_at", "id"],
            unique=False,
            sqlite_where=sa.text("dead_at IS NOT NULL"),
            postgresql_where=sa.text("dead_at IS NOT NULL"),
        )


def downgrade() -> None:
    op.execute("UPDATE documents SET status = 'accepted' WHERE status = 'undeliverable'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_dead",
            sqlite_where=sa.text("dead_at IS NOT NULL"),
            postgresql_where=sa.text("dead_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_outbox_pending",
            sqlite_where=sa.text("published_at IS NULL AND dead_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL AND dead_at IS NULL"),
        )
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        )
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("dead_at")
        batch_op.drop_column("next_attempt_at")
