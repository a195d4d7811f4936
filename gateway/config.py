"""Configuration: one frozen object, built once at start-up and passed down.

Values come from the defaults below, then a TOML file (``--config`` or ``GATEWAY_CONFIG``), then
environment variables ``GATEWAY_<SECTION>_<KEY>`` (e.g. ``GATEWAY_DATABASE_URL``).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, get_type_hints


def packaged(*parts: str) -> Path:
    """A data file shipped inside the package (the schema catalog, the rights table, the receipts'
    schema), wherever the package is installed."""
    return Path(str(files("gateway").joinpath("schemas", *parts)))


DEFAULT_CATALOG = packaged("sxml")
DEFAULT_RIGHTS_TABLE = packaged("rights.toml")

#: database URLs without a driver, and the asynchronous driver the gateway uses for each
_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}

class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 15 * 1024 * 1024
    #: checks run in a thread pool so that large documents do not stall the event loop
    check_threads: int = 4
    #: bytes of documents being checked at once, at most (a check holds about 6x its document's
    #: size in trees and canonical forms); a document larger than this is checked alone.  Bounds
    #: a worker's memory when large documents arrive together (bench/README.md)
    check_bytes: int = 2 * 1024 * 1024
    #: submissions of one account being checked or stored at once (every channel); one more is
    #: refused with 429 RATE_LIMITED and Retry-After, so that one account cannot starve the others
    max_submissions_per_account: int = 32
    #: a request's line and headers must be whole within this many seconds of the connection being
    #: opened (or of their first byte on a kept-alive connection); else 408 and the connection closes
    header_timeout_seconds: float = 10.0
    #: a request's body must be whole within this many seconds of its headers; else 408
    body_timeout_seconds: float = 60.0
    #: a kept-alive connection idle this long after an answer is closed
    keepalive_timeout_seconds: float = 75.0


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///gateway.db"
    migrate_on_start: bool = True
    pool_size: int = 10
    echo: bool = False
    #: opening a connection (PostgreSQL: TCP, start-up and authentication)
    connect_timeout_seconds: float = 2.0
    #: one statement, COMMIT included, waiting for its answer (PostgreSQL); on SQLite, the wait for
    #: the write lock.  A statement that does not answer in time ends its connection.
    statement_timeout_seconds: float = 3.0
    #: waiting for a free connection of the pool
    pool_timeout_seconds: float = 2.0
    #: group commit: concurrent submissions are written in one transaction of at most this many
    #: documents, gathered for at most ``group_commit_wait_seconds`` after the first one arrived
    #: (1: a transaction per document)
    group_commit_rows: int = 100
    group_commit_wait_seconds: float = 0.002

    def __post_init__(self) -> None:
        # ``postgresql://...`` as every PostgreSQL tool writes it: the gateway's asynchronous driver
        scheme, separator, rest = self.url.partition("://")
        if separator and scheme.lower() in _ASYNC_DRIVERS:
            object.__setattr__(self, "url", f"{_ASYNC_DRIVERS[scheme.lower()]}://{rest}")


@dataclass(frozen=True, slots=True)
class AmqpSettings:
    url: str = "amqp://guest:guest@127.0.0.1:5672/"
    #: relay the outbox to the broker and consume responses in this process
    enabled: bool = True
    confirm_timeout_seconds: float = 10.0
    reconnect_seconds: float = 2.0
    responses_prefetch: int = 32


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """The outbox relay (docs/operations-reliability.md)."""

    #: rows claimed at a time
    batch_size: int = 100
    #: how often the outbox is looked at when nothing wakes the relay
    poll_seconds: float = 1.0
    #: messages published and not yet marked as such in the database, at most: what a database
    #: drop or a crash can publish twice
    max_in_flight: int = 200
    #: bytes of message bodies claimed and not yet marked, at most (one message at least): what the
    #: relay holds in memory, whatever the size of the messages
    max_bytes_in_flight: int = 16 * 1024 * 1024
    #: failed publications of one row (refused, unroutable, no such exchange) before it is
    #: dead-lettered and its document becomes ``undeliverable``
    max_attempts: int = 10
    #: the wait before a failed row is tried again: doubled after each failure, up to the maximum
    retry_initial_seconds: float = 1.0
    retry_max_seconds: float = 300.0
    #: a claimed row that its relay has neither marked nor released within this time (the process
    #: died) may be claimed by another; longer than ``amqp.confirm_timeout_seconds``
    claim_seconds: float = 30.0


@dataclass(frozen=True, slots=True)
class ParsingSettings:
    max_depth: int = 64
    #: past any of these the parse is abandoned (XML_FORBIDDEN); a legitimate 15 MiB message has
    #: about 300 000 elements
    max_elements: int = 500_000
    max_attributes_per_element: int = 64


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    paths: tuple[Path, ...] = (DEFAULT_CATALOG,)


@dataclass(frozen=True, slots=True)
class SignatureSettings:
    """Trust and revocation for XAdES signatures (docs/signatures.md)."""

    #: a folder made by ``gateway pki init``: its authorities are trusted and its CRLs and OCSP are
    #: served at ``/pki/<kind>/``.  For tests and demonstrations only.
    pki_dir: Path | None = None
    sc_anchors: tuple[Path, ...] = ()
    epuap_anchors: tuple[Path, ...] = ()
    cbtd_anchors: tuple[Path, ...] = ()
    #: an ETSI TS 119 612 trusted list and the certificate that must have signed it
    trusted_list: Path | None = None
    trusted_list_signer: Path | None = None
    #: no CBTD certificate issued after this moment is accepted (the keys are not renewed)
    cbtd_cutoff: str = "2024-01-01T00:00:00+00:00"
    #: accept rsa-sha1 / sha1 digests (the real CBTD-era messages); off by default
    legacy_sha1: bool = False
    #: per kind: "hard" (CERT_STATUS_UNKNOWN when no answer), "soft" (accept with a warning), "none"
    revocation_sc: str = "hard"
    revocation_qualified: str = "hard"
    revocation_cbtd: str = "soft"
    revocation_epuap: str = "none"
    #: each network exchange for a revocation status (OCSP, CRL) must end within this
    revocation_timeout_seconds: float = 5.0
    #: an answer is kept until its nextUpdate, but no longer than this after its thisUpdate
    revocation_max_age_seconds: float = 86_400.0
    #: answers in use are renewed in the background this long before they expire (or half-way
    #: through their lifetime, when that is shorter)
    revocation_refresh_before_seconds: float = 300.0
    #: a SigningTime this far in the future of the time of receipt is refused
    max_clock_skew_seconds: int = 300


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """The e-Klient SC registry and the rights check (docs/registry.md)."""

    #: which message types need which rights
    rights_table: Path = DEFAULT_RIGHTS_TABLE
    #: how often other processes' registry changes are looked for; 0 turns the rights cache off
    cache_seconds: float = 1.0
    cache_size: int = 10_000
    #: an API token's account is remembered this long per process (a token revoked elsewhere keeps
    #: working at most this long; at once in the process that revoked it); 0 turns it off
    token_cache_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class ReceiptSettings:
    """The gateway's own key, which signs every UPO and NPP (docs/receipts.md)."""

    #: PEM private key and certificate of the receipt signer (both or neither)
    key: Path | None = None
    certificate: Path | None = None
    #: certificates from the signer's issuer up, sent in the receipts' KeyInfo
    chain: tuple[Path, ...] = ()
    #: with no key configured: where a self-signed DEMO signer is made on first start and kept
    demo_dir: Path = Path("gateway-receipt-signer")


@dataclass(frozen=True, slots=True)
class SeapSettings:
    """The PUESC SEAP web-service channel (docs/seap.md)."""

    #: the address written into the served WSDL, for a gateway behind a reverse proxy
    #: (e.g. ``https://gateway.example.pl``); empty: the scheme and host of the request
    public_base_url: str = ""
    #: a WS-Security ``Created`` this far from the gateway's clock is refused; nonces are kept as long
    clock_skew_seconds: int = 300
    #: room for the SOAP envelope around the base64 document (whose own limit is
    #: ``server.max_body_bytes`` once decoded)
    envelope_overhead_bytes: int = 256 * 1024
    #: a file holding a base64 AES-256 key: with it, accounts may opt in to PasswordDigest (their
    #: web-service password is then also kept encrypted with this key); without it, PasswordText only
    digest_key: Path | None = None
    #: deliver responses to the accounts' own WS_PUSH endpoints from this process
    push_enabled: bool = True
    push_poll_seconds: float = 2.0
    push_timeout_seconds: float = 15.0
    push_batch_size: int = 20
    #: the wait after the n-th failed attempt: base * 2**(n-1), at most max
    push_retry_base_seconds: float = 2.0
    push_retry_max_seconds: float = 900.0
    #: a delivery that failed this many times is given up (``failed``; still in the mailbox, and an
    #: operator can retry it); 0: never given up
    push_max_attempts: int = 200


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """The web console at ``/console`` (docs/console.md)."""

    enabled: bool = True
    #: a file holding the key that signs console session cookies (any secret text, 32 bytes or
    #: more); with none, a key is made at start (one for all the workers of ``serve --workers N``)
    #: and sessions end with the process
    session_key_file: Path | None = None
    #: a session ends this long after sign-in
    session_minutes: int = 480
    #: a folder of messages per error code (like ``samples/errors``) offered to try; optional
    samples_dir: Path | None = None


LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class LogSettings:
    """What the gateway writes to stderr (docs/operations-logging.md)."""

    #: ``text``: one line of ``key=value`` pairs per event; ``json``: one JSON object per line
    format: str = "text"
    #: DEBUG, INFO, WARNING or ERROR (``gateway serve --log-level`` overrides it)
    level: str = "INFO"
    #: one line per HTTP request (method, path, status, milliseconds, bytes)
    access: bool = True

    def __post_init__(self) -> None:
        if self.format not in LOG_FORMATS:
            raise ConfigError(f"log.format: {self.format!r} is not one of {', '.join(LOG_FORMATS)}")
        if self.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"log.level: {self.level!r} is not DEBUG, INFO, WARNING or ERROR")
        object.__setattr__(self, "level", self.level.upper())


@dataclass(frozen=True, slots=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    amqp: AmqpSettings = field(default_factory=AmqpSettings)
    relay: RelaySettings = field(default_factory=RelaySettings)
    parsing: ParsingSettings = field(default_factory=ParsingSettings)
    catalog: CatalogSettings = field(default_factory=CatalogSettings)
    signature: SignatureSettings = field(default_factory=SignatureSettings)
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    receipts: ReceiptSettings = field(default_factory=ReceiptSettings)
    seap: SeapSettings = field(default_factory=SeapSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    log: LogSettings = field(default_factory=LogSettings)

    def replace(self, **sections: Mapping[str, Any]) -> Settings:
        """A copy with some keys of some sections changed: ``settings.replace(database={"url": ...})``."""
        changed = {
            name: dataclasses.replace(getattr(self, name), **values) for name, values in sections.items()
        }
        return dataclasses.replace(self, **changed)


_SECTIONS: dict[str, type[Any]] = {
    "server": ServerSettings,
    "database": DatabaseSettings,
    "amqp": AmqpSettings,
    "relay": RelaySettings,
    "parsing": ParsingSettings,
    "catalog": CatalogSettings,
    "signature": SignatureSettings,
    "registry": RegistrySettings,
    "receipts": ReceiptSettings,
    "seap": SeapSettings,
    "console": ConsoleSettings,
    "log": LogSettings,
}

#: environment variables the gateway reads that are not ``GATEWAY_<SECTION>_<KEY>`` settings
_OTHER_VARIABLES = frozenset({"GATEWAY_CONFIG"})


def setting_variables() -> dict[str, str]:
    """Every settings variable, ``GATEWAY_DATABASE_URL``, with the key it sets, ``database.url``."""
    return {
        f"GATEWAY_{section}_{key}".upper(): f"{section}.{key}"
        for section, cls in _SECTIONS.items()
        for key in get_type_hints(cls)
    }


def check_environment(environ: Mapping[str, str]) -> None:
    """A misspelled variable is refused, as an unknown key of the file is, rather than ignored.

    Refused: ``GATEWAY_<SECTION>_...`` of a known section that names no key of it, and any
    ``GATEWAY_...`` that is one or two letters away from a setting's name (``GATEWAY_DATABSE_URL``).
    Other ``GATEWAY_...`` names are left alone: tools and tests beside the gateway use some."""
    known = setting_variables()
    sections = tuple(f"GATEWAY_{section.upper()}_" for section in _SECTIONS)
    for name in sorted(environ):
        if not name.startswith("GATEWAY_") or name in known or name in _OTHER_VARIABLES:
            continue
        if name.startswith(sections) or difflib.get_close_matches(name, known, n=1, cutoff=0.85):
            raise ConfigError(f"unknown environment variable {name}{_closest(name, known)}")


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    check_environment(environ)
    if path is None and environ.get("GATEWAY_CONFIG"):
        path = Path(environ["GATEWAY_CONFIG"])
    data: dict[str, dict[str, Any]] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    base_dir = path.parent if path is not None else Path.cwd()
    unknown_sections = set(data) - set(_SECTIONS)
    if unknown_sections:
        raise ConfigError(f"unknown sections: {', '.join(sorted(unknown_sections))}")
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        values = dict(data.get(name, {}))
        hints = get_type_hints(cls)
        unknown = set(values) - set(hints)
        if unknown:
            named = ", ".join(f"{key}{_closest(key, hints)}" for key in sorted(unknown))
            raise ConfigError(f"unknown keys in [{name}]: {named}")
        for key in hints:
            env_name = f"GATEWAY_{name}_{key}".upper()
            if env_name in environ:
                values[key] = environ[env_name]
        sections[name] = cls(
            **{key: _coerce(hints[key], value, f"{name}.{key}", base_dir) for key, value in values.items()}
        )
    return Settings(**sections)


def _closest(name: str, known: Iterable[str]) -> str:
    closest = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {closest[0]}?)" if closest else ""


def _coerce(kind: Any, value: Any, name: str, base_dir: Path) -> Any:
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            lowered = str(value).strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(value)
        if kind in (int, float):
            # TOML gives typed values; true or 8080.5 for a port is a mistake, not a 1 or an 8080.
            if isinstance(value, bool) or (kind is int and isinstance(value, float)):
                raise ValueError(value)
            return kind(value)
        if kind is str:
            return str(value)
        if kind is Path:
            return (base_dir / str(value)).resolve()
        if kind == Path | None:
            return (base_dir / str(value)).resolve() if value not in (None, "") else None
        if kind == tuple[Path, ...]:
            items = value.split(os.pathsep) if isinstance(value, str) else list(value)
            return tuple((base_dir / item).resolve() for item in items if item)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: cannot use {value!r}") from exc
    raise ConfigError(f"{name}: unsupported setting type {kind}")
