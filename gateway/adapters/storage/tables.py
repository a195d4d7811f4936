"""Tables of the gateway's database (the same on SQLite and PostgreSQL).

Migrations live in ``gateway/storage/migrations``; a change here needs a revision there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned in UTC, also on SQLite (which forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Account(Base):
    """A PUESC account.  ``basic`` accounts act in their own name; an account linked to a person
    registered in SISC is ``advanced``."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(254), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    level: Mapped[str] = mapped_column(String(16), default="basic")
    #: ``user`` or ``operator`` (operators may call the admin API)
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    #: scrypt, in the form ``scrypt$n$r$p$salt$hash`` (gateway/core/passwords.py)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    created_at: Mapped[datetime]


class Person(Base):
    """A person registered in SISC (or migrated from PDR and waiting to be linked)."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id_sisc: Mapped[str] = mapped_column(String(17), unique=True)
    pesel: Mapped[str | None] = mapped_column(String(11), unique=True)
    nip: Mapped[str | None] = mapped_column(String(10), index=True)
    eori: Mapped[str | None] = mapped_column(String(17))
    first_name: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    epuap_account: Mapped[str | None] = mapped_column(String(100))
    #: active | migrated (PDR, not linked yet) | inactive
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    #: scrypt hash of the PDR one-time code; cleared once an account is linked
    link_code_hash: Mapped[str | None] = mapped_column(String(200))
    pdr_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Credential(Base):
    """An SC certificate or CBTD key of a person (qualified and ePUAP signers are matched by the
    PESEL or NIP their signature carries)."""

    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the certificate (hex): what a verified signature is matched by
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[str | None] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Podmiot(Base):
    __tablename__ = "podmioty"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    #: KRS | CEIDG | NULL: where name, NIP and REGON come from (then they cannot be changed here)
    data_source: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PodmiotIdentifier(Base):
    __tablename__ = "podmiot_identifiers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    podmiot_id: Mapped[int] = mapped_column(ForeignKey("podmioty.id"), index=True)
    #: EORI | NIP | REGON | PESEL | IDSISC | AKCR
    scheme: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(35), index=True)

    __table_args__ = (UniqueConstraint("scheme", "value"),)


class Representation(Base):
    __tablename__ = "representations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    podmiot_id: Mapped[int] = mapped_column(ForeignKey("podmioty.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    #: the systems covered; an empty list means all
    systems: Mapped[list[Any]]
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str | None] = mapped_column(String(200))
    granted_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    #: the SZPROT application it came from, or the PDR record id
    origin: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_representations_person_podmiot", "person_id", "podmiot_id"),)


class Application(Base):
    """A registration application (SZPROT) waiting for, or given, an officer's decision."""

    __tablename__ = "applications"
    reference: Mapped[str] = mapped_column(ForeignKey("documents.reference"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: pending | approved | rejected
    status: Mapped[str] = mapped_column(String(16), index=True)
    content: Mapped[dict[str, Any]]
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)


class RegistryEvent(Base):
    """The audit trail of registry changes; its highest id is the registry's generation, which
    tells the rights cache of every process when to forget."""

    __tablename__ = "registry_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    #: SHA-256 of the token: tokens are long random strings, so a plain digest is enough
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Document(Base):
    __tablename__ = "documents"
    reference: Mapped[str] = mapped_column(String(36), primary_key=True)
    sender_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    system: Mapped[str | None] = mapped_column(String(16))
    message_type: Mapped[str | None] = mapped_column(String(16))
    schema_version: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[str | None] = mapped_column(String(64))
    lrn: Mapped[str | None] = mapped_column(String(64))
    arc: Mapped[str | None] = mapped_column(String(64))
    acting_for: Mapped[str | None] = mapped_column(String(64))
    acting_role: Mapped[str | None] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(71))
    size: Mapped[int] = mapped_column(BigInteger)
    signer: Mapped[dict[str, Any] | None]
    revocation: Mapped[dict[str, Any] | None]
    representation: Mapped[str | None] = mapped_column(String(64))
    #: the rights decision: basis, person, representation (gateway/core/registry/model.py Decision)
    rights: Mapped[dict[str, Any] | None]
    #: the Podmiot whose extended representatives may read the document (NULL: the sender only)
    podmiot_id: Mapped[int | None] = mapped_column(ForeignKey("podmioty.id"), index=True)
    warnings: Mapped[list[Any]]
    errors: Mapped[list[Any]]
    route_exchange: Mapped[str | None] = mapped_column(String(64))
    route_key: Mapped[str | None] = mapped_column(String(128))
    #: sender + system + message identifier of an accepted document; NULL for rejected ones.
    #: Its unique constraint is what makes a concurrent resend a duplicate, not a second message.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    routed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_documents_sender_received", "sender_account_id", "received_at", "reference"),
        Index("ix_documents_received", "received_at", "reference"),
    )


class Payload(Base):
    """The received bytes, apart from the metadata so that lists and status never read them."""

    __tablename__ = "payloads"
    reference: Mapped[str] = mapped_column(ForeignKey("documents.reference"), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class OutboxEntry(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(ForeignKey("documents.reference"), unique=True)
    exchange: Mapped[str] = mapped_column(String(64))
    routing_key: Mapped[str] = mapped_column(String(128))
    headers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    #: failed publications of this row (refused, unroutable); broker outages are not counted
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: after a failure: not tried again before this moment (backoff)
    next_attempt_at: Mapped[datetime | None]
    #: past the retry cap: dead-lettered, waits for an operator to re-queue it
    dead_at: Mapped[datetime | None]
    #: the relay that is publishing the row, and until when its claim holds (docs/operations-reliability.md)
    claimed_by: Mapped[str | None] = mapped_column(String(36))
    claimed_until: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "id",
            sqlite_where=text("published_at IS NULL AND dead_at IS NULL"),
            postgresql_where=text("published_at IS NULL AND dead_at IS NULL"),
        ),
        Index(
            "ix_outbox_dead",
            "dead_at",
            "id",
            sqlite_where=text("dead_at IS NOT NULL"),
            postgresql_where=text("dead_at IS NOT NULL"),
        ),
    )


class Response(Base):
    """A message from a customs system answering an inbound document."""

    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(ForeignKey("documents.reference"), index=True)
    message_id: Mapped[str] = mapped_column(String(128), unique=True)
    system: Mapped[str | None] = mapped_column(String(16))
    message_type: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime]
    headers: Mapped[dict[str, Any]]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        # the mailbox takes the oldest unread first
        Index(
            "ix_responses_unread",
            "received_at",
            "id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )


class IssuedReceipt(Base):
    """A signed UPO or NPP, made once for a document and served as the same bytes ever after.

    A document can have both: a registration application gets a UPO while pending and an NPP
    once an officer rejects it.
    """

    __tablename__ = "receipts"
    reference: Mapped[str] = mapped_column(ForeignKey("documents.reference"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(3), primary_key=True)  # UPO | NPP
    issued_at: Mapped[datetime]
    #: SHA-256 fingerprint of the gateway certificate that signed it
    signer: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)


# --- the SEAP web-service channel (docs/seap.md) ----------------------------------------------


class WebServiceDigestSecret(Base):
    """The web-service password of an account enabled for WS-Security PasswordDigest, sealed with
    the configured key (``[seap] digest_key``).  PasswordText is checked against the slow hash in
    ``accounts.password_hash`` alone; this row exists only for accounts that opted in."""

    __tablename__ = "ws_digest_secrets"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: which key sealed it (gateway/core/seap/secretbox.py ``key_id``)
    key_id: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class WebServiceNonce(Base):
    """A WS-Security nonce seen, kept until its ``Created`` leaves the skew window: shared by
    every gateway process, so that a replay is refused whichever process it reaches."""

    __tablename__ = "ws_nonces"
    #: SHA-256 of the username and the nonce (gateway/core/seap/wssecurity.py ``nonce_key``)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PushEndpoint(Base):
    """An account's own WS_PUSH endpoint: responses it may read are delivered there too."""

    __tablename__ = "push_endpoints"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: responses received from this moment on are pushed (not the mailbox's whole history)
    since: Mapped[datetime]
    updated_at: Mapped[datetime]


class PushDelivery(Base):
    """One response to deliver to one account's endpoint, until it is taken."""

    __tablename__ = "push_deliveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: pending | delivered | failed (given up after the configured attempts) | cancelled
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: when it is due; while an attempt runs, the end of that attempt's lease
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: the receiver's ``sysRef`` for it
    remote_ref: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        UniqueConstraint("account_id", "response_id"),
        Index(
            "ix_push_deliveries_due",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )


class PushAttempt(Base):
    """Every attempt at a delivery, for the operator (``gateway registry push deliveries``)."""

    __tablename__ = "push_attempts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("push_deliveries.id"), index=True)
    at: Mapped[datetime]
    #: delivered | failed
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
