"""What the registry accepts, decided without a database: allowed values, how identifiers and
fingerprints are written, validity windows, which fields of a Podmiot KRS or CEiDG own.

Every refusal is a :class:`RegistryError` (or a subclass) whose message the CLI and the admin API
show as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.core.domain import SYSTEMS
from gateway.core.errors import RegistryError, RegistryFieldExternal
from gateway.core.registry.model import (
    DATA_SOURCES,
    EXTERNAL_FIELDS,
    IDENTIFIER_SCHEMES,
    PersonStatus,
    id_sisc_for,
)

CREDENTIAL_KINDS = ("sc", "cbtd")
ROLES = ("user", "operator")
ACCOUNT_STATUSES = ("active", "inactive")
#: what an officer may change of a person (its PESEL and ID SISC never change)
PERSON_FIELDS = frozenset({"first_name", "surname", "nip", "eori", "epuap_account", "status"})
MIN_PASSWORD_LENGTH = 12


def choice(name: str, value: str, allowed: Iterable[str]) -> str:
    options = tuple(allowed)
    if value not in options:
        raise RegistryError(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return value


def systems(values: Sequence[str]) -> list[str]:
    """The systems a representation covers, sorted and once each; empty means all."""
    for system in values:
        choice("system", system, SYSTEMS)
    return sorted(set(values))


def identifiers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Podmiot identifiers as stored: the scheme one of ``IDENTIFIER_SCHEMES``, both upper case."""
    result = []
    for scheme, value in pairs:
        choice("identifier scheme", scheme.upper(), IDENTIFIER_SCHEMES)
        result.append((scheme.upper(), value.strip().upper()))
    return result


def fingerprint(value: str | None) -> str:
    """A certificate's SHA-256 fingerprint as stored: 64 lower-case hex digits, no colons."""
    compact = (value or "").replace(":", "").strip().lower()
    if len(compact) != 64 or any(c not in "0123456789abcdef" for c in compact):
        raise RegistryError("a fingerprint is the SHA-256 of the certificate: 64 hex digits")
    return compact


def certificate_facts(data: bytes) -> tuple[str, str, str]:
    """The fingerprint, serial (upper-case hex) and issuer of a certificate given as PEM or DER."""
    try:
        certificate = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError as exc:
        raise RegistryError(f"not a certificate: {exc}") from None
    return (
        certificate.fingerprint(hashes.SHA256()).hex(),
        f"{certificate.serial_number:X}",
        certificate.issuer.rfc4514_string(),
    )


def id_sisc(pesel: str | None, eori: str | None) -> str:
    try:
        return id_sisc_for(pesel=pesel, eori=eori)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD_LENGTH:
        raise RegistryError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return value


def validity(valid_from: datetime, valid_to: datetime | None) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise RegistryError("valid_to must be after valid_from")


def person_changes(fields: Mapping[str, str | None]) -> dict[str, str]:
    """The fields an officer gives (``None``: not given), checked."""
    given = {name: value for name, value in fields.items() if value is not None}
    if unknown := set(given) - PERSON_FIELDS:
        raise RegistryError(f"cannot change {', '.join(sorted(unknown))} of a person")
    if "status" in given:
        choice("status", str(given["status"]), (PersonStatus.ACTIVE, PersonStatus.INACTIVE))
    return given


def check_external_fields(data_source: str | None, touched: set[str]) -> None:
    """Name, NIP and REGON of a Podmiot whose data comes from KRS or CEiDG change there, not here."""
    if data_source and (external := touched & EXTERNAL_FIELDS):
        raise RegistryFieldExternal(
            f"{', '.join(sorted(external))} of this Podmiot come from {data_source}; "
            "they change there, not here"
        )


def new_data_source(value: str) -> str | None:
    """``""`` (or ``none``) ends the link to KRS / CEiDG: the fields become editable here."""
    if value.strip().lower() in {"", "none"}:
        return None
    return choice("data source", value, DATA_SOURCES)
