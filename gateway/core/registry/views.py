"""What the registry shows of itself: frozen values the stores read and the services return, and
their JSON shapes (the CLI's ``--json`` and the admin API print these dicts as they are).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from gateway.core.registry.access import HeldRepresentation, extended_grants
from gateway.core.registry.model import RepresentationStatus, in_force


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    login: str
    status: str
    level: str
    role: str
    created_at: datetime
    #: the ID SISC of the person the account is linked to
    person: str | None = None
    has_password: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "login": self.login,
            "status": self.status,
            "level": self.level,
            "role": self.role,
            "person": self.person,
            "password": self.has_password,
            "created_at": _iso(self.created_at),
        }

    def summary(self) -> dict[str, Any]:
        """What adding, enabling, disabling and listing accounts show."""
        return {
            "id": self.id,
            "login": self.login,
            "status": self.status,
            "level": self.level,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PersonView:
    #: the row's id: how the other aggregates refer to the person (not shown)
    id: int
    id_sisc: str
    pesel: str | None
    nip: str | None
    eori: str | None
    first_name: str
    surname: str
    epuap_account: str | None
    status: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id_sisc": self.id_sisc,
            "pesel": self.pesel,
            "nip": self.nip,
            "eori": self.eori,
            "first_name": self.first_name,
            "surname": self.surname,
            "epuap_account": self.epuap_account,
            "status": self.status,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class CredentialView:
    kind: str
    fingerprint: str
    serial: str | None
    issuer: str | None
    status: str
    added_at: datetime
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "serial": self.serial,
            "issuer": self.issuer,
            "status": self.status,
            "added_at": _iso(self.added_at),
            "revoked_at": _iso(self.revoked_at),
        }


@dataclass(frozen=True, slots=True)
class PodmiotView:
    id: int
    name: str
    kind: str
    data_source: str | None
    #: (scheme, value) pairs in the order they were added
    identifiers: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "data_source": self.data_source,
            "identifiers": {scheme: value for scheme, value in self.identifiers if scheme != "AKCR"},
            "excise_numbers": [value for scheme, value in self.identifiers if scheme == "AKCR"],
        }


@dataclass(frozen=True, slots=True)
class RepresentationView:
    id: int
    person_id: int
    podmiot_id: int
    scope: str
    #: empty: all systems
    systems: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime | None
    status: str
    source: str
    granted_by: str | None
    origin: str | None
    revoked_at: datetime | None
    #: the representative's ID SISC, when read with it (lists show it)
    holder: str | None = None

    def in_force(self, at: datetime) -> bool:
        return self.status == RepresentationStatus.ACTIVE and in_force(self.valid_from, self.valid_to, at)

    def held(self) -> HeldRepresentation:
        return HeldRepresentation(
            self.podmiot_id, self.scope, self.status, self.systems, self.valid_from, self.valid_to
        )

    def as_dict(self, at: datetime | None = None) -> dict[str, Any]:
        """``at``: with whether it is in force then."""
        view: dict[str, Any] = {
            "id": self.id,
            "podmiot_id": self.podmiot_id,
            "scope": self.scope,
            "systems": list(self.systems) or "all",
            "valid_from": _iso(self.valid_from),
            "valid_to": _iso(self.valid_to),
            "status": self.status,
            "source": self.source,
            "granted_by": self.granted_by,
            "origin": self.origin,
            "revoked_at": _iso(self.revoked_at),
        }
        if at is not None:
            view["in_force"] = self.in_force(at)
        if self.holder is not None:
            view["person"] = self.holder
        return view


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """A person with its account, credentials and representations (``person show``)."""

    person: PersonView
    #: the login of the account linked to the person
    account: str | None
    credentials: tuple[CredentialView, ...]
    representations: tuple[RepresentationView, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.person.as_dict(),
            "account": self.account,
            "credentials": [c.as_dict() for c in self.credentials],
            "representations": [r.as_dict() for r in self.representations],
        }


@dataclass(frozen=True, slots=True)
class PodmiotDetails:
    """A Podmiot with the representations of it (``podmiot show``)."""

    podmiot: PodmiotView
    representations: tuple[RepresentationView, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.podmiot.as_dict(), "representations": [r.as_dict() for r in self.representations]}


@dataclass(frozen=True, slots=True)
class ApplicationView:
    reference: str
    kind: str
    status: str
    submitted_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    reason: str | None
    content: Mapping[str, Any]
    #: what approving it did (approve only)
    effect: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        view = {
            "reference": self.reference,
            "kind": self.kind,
            "status": self.status,
            "submitted_at": _iso(self.submitted_at),
            "decided_at": _iso(self.decided_at),
            "decided_by": self.decided_by,
            "reason": self.reason,
            "content": self.content,
        }
        if self.effect is not None:
            view["effect"] = self.effect
        return view


@dataclass(frozen=True, slots=True)
class ActingFor:
    """A Podmiot an account's person represents, as ``GET /api/v1/me`` shows it."""

    podmiot: PodmiotView
    #: whether the person's extended rights let the account read the Podmiot's documents
    reads_documents: bool
    rights: tuple[RepresentationView, ...]


@dataclass(frozen=True, slots=True)
class Me:
    """What an account sees of itself: the account, its person, the Podmioty it acts for."""

    account: AccountView
    person: PersonView | None
    at: datetime
    podmioty: tuple[ActingFor, ...] = ()

    @classmethod
    def of(
        cls,
        account: AccountView,
        person: PersonView | None,
        representations: Iterable[RepresentationView],
        podmioty: Mapping[int, PodmiotView],
        at: datetime,
    ) -> Me:
        """``representations``: the person's, ordered by Podmiot; ``podmioty``: those they name."""
        held = tuple(representations)
        readable = {grant.podmiot_id for grant in extended_grants((r.held() for r in held), at)}
        by_podmiot: dict[int, list[RepresentationView]] = {}
        for representation in held:
            by_podmiot.setdefault(representation.podmiot_id, []).append(representation)
        acting = tuple(
            ActingFor(podmioty[podmiot_id], podmiot_id in readable, tuple(rights))
            for podmiot_id, rights in by_podmiot.items()
        )
        return cls(account, person, at, acting)

    def as_dict(self) -> dict[str, Any]:
        return {
            # the person is shown on its own below; the account's own "person" has always been null here
            "account": replace(self.account, person=None).as_dict(),
            "person": self.person.as_dict() if self.person else None,
            "podmioty": [
                {
                    **acting.podmiot.as_dict(),
                    "reads_documents": acting.reads_documents,
                    "rights": [r.as_dict(self.at) for r in acting.rights],
                }
                for acting in self.podmioty
            ],
        }
