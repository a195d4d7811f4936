"""Who may read a document: its sender, and accounts whose person holds *extended* rights for the
Podmiot it acts for (for the document's system).  Documents sent without a representation where
none was needed (NCTS2) are not shared with the Podmiot: their sender alone reads them.

Pure: the storage adapter turns :class:`Readers` into a SQL condition for lists
(:func:`gateway.adapters.storage.access.readable_condition`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from gateway.core.errors import Forbidden
from gateway.core.registry.model import RepresentationStatus, Scope, in_force


@dataclass(frozen=True, slots=True)
class ReadGrant:
    podmiot_id: int
    #: the systems covered; empty means all
    systems: frozenset[str]

    def covers(self, system: str | None) -> bool:
        return not self.systems or (system is not None and system in self.systems)


@dataclass(frozen=True, slots=True)
class Readers:
    """What one account may read besides its own documents."""

    account_id: int
    grants: tuple[ReadGrant, ...] = ()

    def may_read(self, sender_account_id: int, podmiot_id: int | None, system: str | None) -> bool:
        if sender_account_id == self.account_id:
            return True
        return podmiot_id is not None and any(
            g.podmiot_id == podmiot_id and g.covers(system) for g in self.grants
        )


@dataclass(frozen=True, slots=True)
class HeldRepresentation:
    """The facts of a representation the read rules look at."""

    podmiot_id: int
    scope: str
    status: str
    systems: tuple[str, ...]
    valid_from: datetime
    valid_to: datetime | None


def extended_grants(held: Iterable[HeldRepresentation], at: datetime) -> tuple[ReadGrant, ...]:
    return tuple(
        ReadGrant(r.podmiot_id, frozenset(r.systems))
        for r in held
        if r.status == RepresentationStatus.ACTIVE
        and r.scope == Scope.EXTENDED
        and in_force(r.valid_from, r.valid_to, at)
    )


def not_readable(reference: str) -> Forbidden:
    """The refusal of a read the rules above do not allow."""
    return Forbidden(
        f"document {reference} was sent by another account, and this account's person holds no "
        "extended rights for the Podmiot it acts for"
    )
