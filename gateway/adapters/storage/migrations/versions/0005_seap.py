"""seap: web-service digest secrets, WS-Security nonces, push endpoints, deliveries and attempts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "ws_digest_secrets",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ws_digest_secrets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_ws_digest_secrets")),
    )
    op.create_table(
        "ws_nonces",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ws_nonces")),
    )
    op.create_index(op.f("ix_ws_nonces_expires_at"), "ws_nonces", ["expires_at"], unique=False)
    op.create_table(
        "push_endpoints",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_push_endpoints_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_push_endpoints")),
    )
    op.create_table(
        "push_deliveries",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("response_id", BigId, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote_ref", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_push_deliveries_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_push_deliveries_response_id_responses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_deliveries")),
        sa.UniqueConstraint("account_id", "response_id", name=op.f("uq_push_deliveries_account_id_response_id")),
    )
    op.create_index(op.f("ix_push_deliveries_response_id"), "push_deliveries", ["response_id"], unique=False)
    op.create_index(
        "ix_push_deliveries_due",
        "push_deliveries",
        ["next_attempt_at", "id"],
        unique=False,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "push_attempts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("delivery_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["push_deliveries.id"], name=op.f("fk_push_attempts_delivery_id_push_deliveries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_attempts")),
    )
    op.create_index(op.f("ix_push_attempts_delivery_id"), "push_attempts", ["delivery_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_push_attempts_delivery_id"), table_name="push_attempts")
    op.drop_table("push_attempts")
    op.drop_index("ix_push_deliveries_due", table_name="push_deliveries")
    op.drop_index(op.f("ix_push_deliveries_response_id"), table_name="push_deliveries")
    op.drop_table("push_deliveries")
    op.drop_table("push_endpoints")
    op.drop_index(op.f("ix_ws_nonces_expires_at"), table_name="ws_nonces")
    op.drop_table("ws_nonces")
    op.drop_table("ws_digest_secrets")
