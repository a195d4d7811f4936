"""registry: persons, credentials, Podmioty, representations, applications, audit events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("id_sisc", sa.String(length=17), nullable=False),
        sa.Column("pesel", sa.String(length=11), nullable=True),
        sa.Column("nip", sa.String(length=10), nullable=True),
        sa.Column("eori", sa.String(length=17), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("surname", sa.String(length=100), nullable=False),
        sa.Column("epuap_account", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("link_code_hash", sa.String(length=200), nullable=True),
        sa.Column("pdr_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("id_sisc", name=op.f("uq_persons_id_sisc")),
        sa.UniqueConstraint("pesel", name=op.f("uq_persons_pesel")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_nip"), ["nip"], unique=False)

    op.create_table(
        "podmioty",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data_source", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_podmioty")),
    )
    op.create_table(
        "registry_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_events")),
    )
    op.create_table(
        "credentials",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_credentials_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_credentials_fingerprint")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_person_id"), ["person_id"], unique=False)

    op.create_table(
        "podmiot_identifiers",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("podmiot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scheme", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ["podmiot_id"], ["podmioty.id"], name=op.f("fk_podmiot_identifiers_podmiot_id_podmioty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_podmiot_identifiers")),
        sa.UniqueConstraint("scheme", "value", name=op.f("uq_podmiot_identifiers_scheme_value")),
    )
    with op.batch_alter_table("podmiot_identifiers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_podmiot_identifiers_podmiot_id"), ["podmiot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_podmiot_identifiers_value"), ["value"], unique=False)

    op.create_table(
        "representations",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("podmiot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("origin", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_representations_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["podmiot_id"], ["podmioty.id"], name=op.f("fk_representations_podmiot_id_podmioty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representations")),
    )
    with op.batch_alter_table("representations", schema=None) as batch_op:
        batch_op.create_index("ix_representations_person_podmiot", ["person_id", "podmiot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_representations_podmiot_id"), ["podmiot_id"], unique=False)

    op.create_table(
        "applications",
        sa.Column("reference", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reference"], ["documents.reference"], name=op.f("fk_applications_reference_documents")
        ),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_status"), ["status"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=16), server_default="user", nullable=False))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_accounts_person_id"), ["person_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_accounts_person_id_persons"), "persons", ["person_id"], ["id"]
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rights", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("podmiot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_documents_podmiot_id"), ["podmiot_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_podmiot_id_podmioty"), "podmioty", ["podmiot_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_documents_podmiot_id_podmioty"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_podmiot_id"))
        batch_op.drop_column("podmiot_id")
        batch_op.drop_column("rights")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_accounts_person_id_persons"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_accounts_person_id"), type_="unique")
        batch_op.drop_column("person_id")
        batch_op.drop_column("password_hash")
        batch_op.drop_column("role")

    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_status"))

    op.drop_table("applications")
    with op.batch_alter_table("representations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_representations_podmiot_id"))
        batch_op.drop_index("ix_representations_person_podmiot")

    op.drop_table("representations")
    with op.batch_alter_table("podmiot_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_podmiot_identifiers_value"))
        batch_op.drop_index(batch_op.f("ix_podmiot_identifiers_podmiot_id"))

    op.drop_table("podmiot_identifiers")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_person_id"))

    op.drop_table("credentials")
    op.drop_table("registry_events")
    op.drop_table("podmioty")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_nip"))

    op.drop_table("persons")
