"""Frozen values of the e-Klient SC registry, shared by the rights check, the stores and the APIs.

The rights check (:mod:`gateway.core.registry.rights`) is a pure function over these values; the
database adapter (:mod:`gateway.adapters.storage.registry_lookup`) fills them with one query per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Scope(StrEnum):
    BASIC = "basic"
    EXTENDED = "extended"


class Requirement(StrEnum):
    """What a message type asks of its signer (the table is ``gateway/schemas/rights.toml``)."""

    #: any verified signer (registration applications: the applicant need not be registered yet)
    SIGNER = "signer"
    #: a person registered in SISC; no representation (NCTS2)
    REGISTERED = "registered"
    #: own name, or a representation with at least basic rights
    BASIC = "basic"
    #: own name, or a representation with extended rights
    EXTENDED = "extended"


class Basis(StrEnum):
    """Why a message was allowed: recorded with the document and shown in its receipt."""

    OWN_NAME = "own-name"
    REPRESENTATION = "representation"
    NOT_REQUIRED = "not-required"
    APPLICATION = "application"


class DenialReason(StrEnum):
    NONE = "none"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    WRONG_SYSTEM = "wrong-system"
    BASIC_NOT_EXTENDED = "basic-not-extended"
    NOT_OWN_APPLICATION = "not-own-application"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    #: migrated from PDR and not yet linked to an account: present but unused
    MIGRATED = "migrated"
    INACTIVE = "inactive"


class RepresentationStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class Source(StrEnum):
    ADMIN = "admin"
    APPLICATION = "application"
    PDR = "pdr"


#: identifier schemes of a Podmiot; ``AKCR`` is an excise number (AKC-R), used by EMCS
IDENTIFIER_SCHEMES = ("EORI", "NIP", "REGON", "PESEL", "IDSISC", "AKCR")
#: fields of a Podmiot that KRS or CEiDG own when the Podmiot's data comes from there
EXTERNAL_FIELDS = frozenset({"name", "NIP", "REGON"})
PODMIOT_KINDS = ("company", "organisation", "person", "agency")
DATA_SOURCES = ("KRS", "CEIDG")


def in_force(valid_from: datetime, valid_to: datetime | None, at: datetime) -> bool:
    """Whether a validity window holds ``at`` (its end excluded)."""
    return valid_from <= at and (valid_to is None or at < valid_to)


ID_SISC_LENGTH = 17


def id_sisc_for(*, pesel: str | None = None, eori: str | None = None) -> str:
    """The ID SISC of a person: its EORI if it has one, else ``PL`` and its PESEL; right-padded
    with zeros to 17 characters (docs/registry.md)."""
    base = eori.strip().upper() if eori else f"PL{pesel}" if pesel else None
    if base is None or len(base) > ID_SISC_LENGTH:
        raise ValueError("an ID SISC needs a PESEL or an EORI of at most 17 characters")
    return base.ljust(ID_SISC_LENGTH, "0")


@dataclass(frozen=True, slots=True)
class SignerCredential:
    """How a verified signature can be matched to a registered person."""

    kind: str  # sc | qualified | epuap | cbtd
    fingerprint: str  # SHA-256 of the signing certificate, hex
    #: the identifier the signature itself carries: PESEL or NIP (certificate or PodpisZP)
    identifier: str | None
    scheme: str | None  # "PESEL" | "NIP" | None


@dataclass(frozen=True, slots=True)
class PersonRecord:
    id: int
    id_sisc: str
    pesel: str | None
    nip: str | None
    eori: str | None
    status: PersonStatus

    def own_identifiers(self) -> frozenset[str]:
        """The identifiers under which the person acts in its own name."""
        return frozenset(v for v in (self.id_sisc, self.pesel, self.nip, self.eori) if v)


@dataclass(frozen=True, slots=True)
class RepresentationRecord:
    id: int
    podmiot_id: int
    scope: Scope
    #: the systems it covers; empty means all
    systems: frozenset[str]
    valid_from: datetime
    valid_to: datetime | None
    status: RepresentationStatus
    source: Source

    def covers(self, system: str) -> bool:
        return not self.systems or system in self.systems

    def in_force(self, at: datetime) -> bool:
        return in_force(self.valid_from, self.valid_to, at)


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    """What the registry knows about one signer and one Podmiot: the rights check's input."""

    #: the signer's person, if registered (migrated persons not yet linked are left out)
    person: PersonRecord | None
    #: the Podmiot whose identifier the message names, if registered
    podmiot_id: int | None
    #: the person's representations of that Podmiot, in any state
    representations: tuple[RepresentationRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of a rights check that allowed the message."""

    basis: Basis
    #: the signer's ID SISC when registered
    person: str | None
    podmiot_id: int | None
    representation: RepresentationRecord | None = None
    #: whether accounts with extended rights for the Podmiot may read the document
    shared_with_podmiot: bool = True

    def as_dict(self) -> dict[str, object]:
        representation = self.representation
        return {
            "basis": str(self.basis),
            "person": self.person,
            "representation": representation.id if representation else None,
            "scope": str(representation.scope) if representation else None,
            "shared_with_podmiot": self.shared_with_podmiot,
        }


# --- registration applications (target system SZPROT) -----------------------------------------


class ApplicationKind(StrEnum):
    REGISTER = "register"
    UPDATE = "update"
    DEACTIVATE = "deactivate"


@dataclass(frozen=True, slots=True)
class ApplicantPerson:
    pesel: str
    first_name: str
    surname: str
    eori: str | None = None


@dataclass(frozen=True, slots=True)
class PodmiotData:
    name: str
    kind: str  # one of PODMIOT_KINDS
    #: (scheme, value) pairs, scheme one of IDENTIFIER_SCHEMES
    identifiers: tuple[tuple[str, str], ...]
    #: "KRS" | "CEIDG" | None: where name, NIP and REGON come from
    data_source: str | None = None


@dataclass(frozen=True, slots=True)
class RepresentationRequest:
    scope: Scope
    #: empty: all systems
    systems: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """A registration application or a change of representation, read from the verified content."""

    kind: ApplicationKind
    #: the person who is (or is to be) the representative
    person: ApplicantPerson
    podmiot: PodmiotData
    representation: RepresentationRequest
