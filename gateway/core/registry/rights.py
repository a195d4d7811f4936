"""The rights check: may this signer send this message for the Podmiot it names?

A pure function over the verified envelope, the signer's credential and the registry's answer
(:class:`RegistryAnswer`, one query): it can be unit-tested without a database or an event loop.
What each message type asks for is data (``gateway/schemas/rights.toml``), not code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from gateway.core.domain import Envelope
from gateway.core.errors import ErrorDetail, RightsDenied, SignerUnknown
from gateway.core.registry.model import (
    Application,
    Basis,
    Decision,
    DenialReason,
    PersonStatus,
    RegistryAnswer,
    RepresentationRecord,
    RepresentationStatus,
    Requirement,
    Scope,
    SignerCredential,
)


class RightsTableError(Exception):
    """A rights table that cannot be loaded: a start-up failure."""


@dataclass(frozen=True, slots=True)
class RightsTable:
    by_system: Mapping[str, Requirement]
    by_message: Mapping[str, Requirement]

    def requirement(self, system: str, message_type: str) -> Requirement:
        found = self.by_message.get(f"{system}.{message_type}") or self.by_system.get(system)
        if found is None:
            # A system the table forgot must not become a free pass.
            return Requirement.EXTENDED
        return found


def load_rights_table(path: Path) -> RightsTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return RightsTable(
            by_system=MappingProxyType({k: Requirement(v) for k, v in data.get("systems", {}).items()}),
            by_message=MappingProxyType({k: Requirement(v) for k, v in data.get("messages", {}).items()}),
        )
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise RightsTableError(f"{path}: {exc}") from exc


def decide(
    envelope: Envelope,
    credential: SignerCredential,
    answer: RegistryAnswer,
    requirement: Requirement,
    at: datetime,
) -> Decision:
    """The decision for one message; a refusal raises ``SignerUnknown`` or ``RightsDenied``."""
    person = answer.person
    if person is not None and person.status is not PersonStatus.ACTIVE:
        person = None
    registered = person.id_sisc if person else None
    if requirement is Requirement.SIGNER:
        return Decision(Basis.APPLICATION, registered, None, shared_with_podmiot=False)
    if person is None:
        if requirement is not Requirement.REGISTERED and _own_name(
            envelope.acting_for, _signed_identifiers(credential)
        ):
            return Decision(Basis.OWN_NAME, None, answer.podmiot_id, shared_with_podmiot=False)
        raise _unknown(envelope, credential, answer, requirement)
    usable = _usable(answer.representations, envelope.system, requirement, at)
    if requirement is Requirement.REGISTERED:
        # NCTS2: submitting needs no representation, and without one the Podmiot sees nothing.
        if usable:
            return Decision(Basis.REPRESENTATION, registered, answer.podmiot_id, usable[0])
        return Decision(Basis.NOT_REQUIRED, registered, None, shared_with_podmiot=False)
    if _own_name(envelope.acting_for, person.own_identifiers() | _signed_identifiers(credential)):
        return Decision(
            Basis.OWN_NAME, registered, answer.podmiot_id, shared_with_podmiot=answer.podmiot_id is not None
        )
    if usable:
        return Decision(Basis.REPRESENTATION, registered, answer.podmiot_id, usable[0])
    reason = denial_reason(answer, envelope.system, requirement, at)
    message = _DENIALS[reason].format(
        person=registered,
        party=envelope.acting_for,
        system=envelope.system,
        message_type=envelope.message_type,
    )
    raise RightsDenied(message, [ErrorDetail(RightsDenied.code, f"{reason}: {message}")])


def check_applicant(application: Application, credential: SignerCredential, answer: RegistryAnswer) -> None:
    """A registration application is signed by the person it registers (or that person's own
    registered credential): nobody applies to represent a Podmiot on another's behalf."""
    signed = _signed_identifiers(credential)
    if answer.person is not None:
        signed |= {answer.person.pesel} if answer.person.pesel else set()
    if application.person.pesel not in signed:
        reason = DenialReason.NOT_OWN_APPLICATION
        message = f"the application names PESEL {application.person.pesel}, but its signer is not that person"
        raise RightsDenied(message, [ErrorDetail(RightsDenied.code, f"{reason}: {message}")])


def denial_reason(
    answer: RegistryAnswer, system: str, requirement: Requirement, at: datetime
) -> DenialReason:
    """The most telling reason among the person's representations of the Podmiot."""
    candidates = answer.representations
    for reason, applies in _REASONS:
        if any(applies(r, system, requirement, at) for r in candidates):
            return reason
    return DenialReason.NONE


def _usable(
    representations: Iterable[RepresentationRecord], system: str, requirement: Requirement, at: datetime
) -> list[RepresentationRecord]:
    found = [
        r
        for r in representations
        if r.status is RepresentationStatus.ACTIVE
        and r.in_force(at)
        and r.covers(system)
        and _scope_enough(r.scope, requirement)
    ]
    # Extended first: the decision records the strongest representation that allowed it.
    return sorted(found, key=lambda r: (r.scope is not Scope.EXTENDED, r.id))


def _scope_enough(scope: Scope, requirement: Requirement) -> bool:
    return requirement is not Requirement.EXTENDED or scope is Scope.EXTENDED


def _active_now(r: RepresentationRecord, at: datetime) -> bool:
    return r.status is RepresentationStatus.ACTIVE and r.in_force(at)


def _basic_where_extended(r: RepresentationRecord, system: str, req: Requirement, at: datetime) -> bool:
    return _active_now(r, at) and r.covers(system) and not _scope_enough(r.scope, req)


def _other_system(r: RepresentationRecord, system: str, req: Requirement, at: datetime) -> bool:
    return _active_now(r, at) and not r.covers(system)


def _expired(r: RepresentationRecord, system: str, req: Requirement, at: datetime) -> bool:
    return r.status is RepresentationStatus.ACTIVE and r.valid_to is not None and r.valid_to <= at


def _not_yet_valid(r: RepresentationRecord, system: str, req: Requirement, at: datetime) -> bool:
    return r.status is RepresentationStatus.ACTIVE and at < r.valid_from


def _revoked(r: RepresentationRecord, system: str, req: Requirement, at: datetime) -> bool:
    return r.status is RepresentationStatus.REVOKED


#: the most telling reason first: a representation that nearly fits explains more than a revoked one
_REASONS = (
    (DenialReason.BASIC_NOT_EXTENDED, _basic_where_extended),
    (DenialReason.WRONG_SYSTEM, _other_system),
    (DenialReason.EXPIRED, _expired),
    (DenialReason.NOT_YET_VALID, _not_yet_valid),
    (DenialReason.REVOKED, _revoked),
)

_DENIALS = {
    DenialReason.NONE: "{person} holds no representation of {party}",
    DenialReason.REVOKED: "the representation of {party} held by {person} has been revoked",
    DenialReason.EXPIRED: "the representation of {party} held by {person} has expired",
    DenialReason.NOT_YET_VALID: "the representation of {party} held by {person} is not valid yet",
    DenialReason.WRONG_SYSTEM: "the representation of {party} held by {person} does not cover {system}",
    DenialReason.BASIC_NOT_EXTENDED: (
        "{system} {message_type} needs extended rights; {person} holds basic rights for {party}"
    ),
    DenialReason.NOT_OWN_APPLICATION: "the application was signed by another person",
}


def _unknown(
    envelope: Envelope, credential: SignerCredential, answer: RegistryAnswer, requirement: Requirement
) -> SignerUnknown:
    who = f"{credential.kind} signer {credential.identifier or credential.fingerprint[:16]}"
    if answer.person is not None and answer.person.status is PersonStatus.MIGRATED:
        message = (
            f"the {who} was migrated from PDR but no PUESC account has been linked to it yet; "
            "link an account (PESEL and the one-time code) first"
        )
    elif requirement is Requirement.REGISTERED:
        message = f"{envelope.system} needs a person registered in SISC; the {who} is not registered"
    else:
        message = (
            f"the {who} is not registered in SISC: a basic account may send only in its own name, "
            f"and this message acts for {envelope.acting_for}"
        )
    return SignerUnknown(message, [ErrorDetail(SignerUnknown.code, message)])


def _signed_identifiers(credential: SignerCredential) -> set[str]:
    return {credential.identifier} if credential.identifier else set()


def _own_name(acting_for: str | None, identifiers: Iterable[str]) -> bool:
    """Whether the party is one of the identifiers, alone or as a Polish EORI (``PL`` + it +
    zero padding)."""
    if not acting_for:
        return False
    party = acting_for.strip().upper()
    for identifier in identifiers:
        if party == identifier or re.fullmatch(f"PL{re.escape(identifier)}0*", party):
            return True
    return False
