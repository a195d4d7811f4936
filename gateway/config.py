"""Configuration: one frozen object, built once at start-up and passed down.

Values come from the defaults below, then a TOML file (``--config`` or ``GATEWAY_CONFIG``), then
environment variables ``GATEWAY_<SECTION>_<KEY>`` (e.g. ``GATEWAY_DATABASE_URL``).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 15 * 1024 * 1024
    #: checks run in a thread pool so that large documents do not stall the event loop
    check_threads: int = 4


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite+aiosqlite:///gateway.db"
    migrate_on_start: bool = True
    pool_size: int = 10
    echo: bool = False


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
    batch_size: int = 100
    #: how often the outbox is looked at when nothing wakes the relay (other processes' messages)
    poll_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class ParsingSettings:
    max_depth: int = 64
    max_elements: int = 2_000_000
    max_attributes_per_element: int = 64


@dataclass(frozen=True, slots=True)
class CatalogSettings:
    paths: tuple[Path, ...] = (PROJECT_ROOT / "schemas" / "sxml",)


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
    rights_table: Path = PROJECT_ROOT / "schemas" / "rights.toml"
    #: how often other processes' registry changes are looked for; 0 turns the rights cache off
    cache_seconds: float = 1.0
    cache_size: int = 10_000


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
}


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
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
            raise ConfigError(f"unknown keys in [{name}]: {', '.join(sorted(unknown))}")
        for key in hints:
            env_name = f"GATEWAY_{name}_{key}".upper()
            if env_name in environ:
                values[key] = environ[env_name]
        sections[name] = cls(
            **{key: _coerce(hints[key], value, f"{name}.{key}", base_dir) for key, value in values.items()}
        )
    return Settings(**sections)


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
