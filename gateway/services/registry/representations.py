"""Administering representations: a person acting for a Podmiot, with a scope, the systems it
covers and a validity window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.errors import RegistryError
from gateway.core.registry import rules
from gateway.core.registry.model import RepresentationStatus, Scope, Source
from gateway.core.registry.views import RepresentationView


class RepresentationAdministration:
    def __init__(
        self,
        trail: AuditTrail,
        representations: RepresentationStore,
        persons: PersonStore,
        podmioty: PodmiotStore,
    ) -> None:
        self._trail = trail
        self._representations = representations
        self._persons = persons
        self._podmioty = podmioty

    async def grant(
        self,
        person: str,
        podmiot: str,
        scope: str,
        *,
        systems: Sequence[str] = (),
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        actor: str = "cli",
    ) -> RepresentationView:
        """``person`` acts for ``podmiot`` (any identifier) from ``valid_from`` (default: now);
        ``systems`` empty: all."""
        details = {"podmiot": podmiot, "scope": scope}
        async with self._trail.change(actor, "representation.grant", person, **details) as change:
            holder = await self._persons.get(change, person)
            target = await self._podmioty.get(change, podmiot)
            representation = await self._representations.add(
                change,
                holder.id,
                target.id,
                Scope(rules.choice("scope", scope, tuple(Scope))),
                rules.systems(systems),
                valid_from or change.at,
                valid_to,
                Source.ADMIN,
                granted_by=actor,
            )
        return representation

    async def change(
        self,
        representation_id: int,
        *,
        scope: str | None = None,
        systems: Sequence[str] | None = None,
        valid_to: datetime | None = None,
        actor: str = "cli",
    ) -> RepresentationView:
        """A new scope, systems or end of an active representation (None: unchanged)."""
        details = {"scope": scope, "systems": systems, "valid_to": valid_to.isoformat() if valid_to else None}
        subject = str(representation_id)
        async with self._trail.change(actor, "representation.change", subject, **details) as change:
            current = await self._representations.get(change, representation_id)
            if current.status != RepresentationStatus.ACTIVE:
                raise RegistryError(f"representation {representation_id} is {current.status}")
            representation = await self._representations.amend(
                change, representation_id, scope, systems, valid_to
            )
        return representation

    async def revoke(self, representation_id: int, actor: str = "cli") -> RepresentationView:
        async with self._trail.change(actor, "representation.revoke", str(representation_id)) as change:
            representation = await self._representations.revoke(change, representation_id)
        return representation

    async def list(
        self, *, person: str | None = None, podmiot: str | None = None
    ) -> list[RepresentationView]:
        """All, or a person's (ID SISC or PESEL), or those of a Podmiot (any identifier)."""
        async with self._trail.read() as tx:
            person_id = (await self._persons.get(tx, person)).id if person else None
            podmiot_id = (await self._podmioty.get(tx, podmiot)).id if podmiot else None
            return await self._representations.all(tx, person_id=person_id, podmiot_id=podmiot_id)
