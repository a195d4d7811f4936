"""Representations: a person acting for a Podmiot, with a scope, the systems it covers and a
validity window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.storage.registry.audit import Change
from gateway.adapters.storage.tables import Person, Representation
from gateway.adapters.storage.transaction import Transaction
from gateway.core.errors import RegistryError, RegistryNotFound
from gateway.core.registry import rules
from gateway.core.registry.model import RepresentationStatus, Scope, Source
from gateway.core.registry.views import RepresentationView


class RepresentationStore:
    async def add(
        self,
        change: Change,
        person_id: int,
        podmiot_id: int,
        scope: Scope,
        systems: list[str],
        valid_from: datetime,
        valid_to: datetime | None,
        source: Source,
        granted_by: str,
        origin: str | None = None,
    ) -> RepresentationView:
        rules.validity(valid_from, valid_to)
        representation = Representation(
            person_id=person_id,
            podmiot_id=podmiot_id,
            scope=scope,
            systems=systems,
            valid_from=valid_from,
            valid_to=valid_to,
            status=RepresentationStatus.ACTIVE,
            source=source,
            granted_by=granted_by,
            granted_at=change.at,
            origin=origin,
        )
        change.session.add(representation)
        await change.session.flush()
        return _view(representation)

    async def get(self, tx: Transaction, representation_id: int) -> RepresentationView:
        return _view(await _row(tx.session, representation_id))

    async def amend(
        self,
        change: Change,
        representation_id: int,
        scope: str | None,
        systems: Sequence[str] | None,
        valid_to: datetime | None,
    ) -> RepresentationView:
        """A new scope, systems or end (``None``: unchanged)."""
        representation = await _row(change.session, representation_id)
        if scope is not None:
            representation.scope = rules.choice("scope", scope, tuple(Scope))
        if systems is not None:
            representation.systems = rules.systems(systems)
        if valid_to is not None:
            rules.validity(representation.valid_from, valid_to)
            representation.valid_to = valid_to
        return _view(representation)

    async def end(self, change: Change, representation_id: int, valid_to: datetime) -> RepresentationView:
        """In force until ``valid_to`` (a deactivation that names its end)."""
        representation = await _row(change.session, representation_id)
        representation.valid_to = valid_to
        return _view(representation)

    async def revoke(self, change: Change, representation_id: int) -> RepresentationView:
        """Revoked now, by the change's actor."""
        representation = await _row(change.session, representation_id)
        if representation.status == RepresentationStatus.REVOKED:
            raise RegistryError(f"representation {representation.id} is revoked already")
        representation.status = RepresentationStatus.REVOKED
        representation.revoked_at = change.at
        representation.revoked_by = change.actor
        return _view(representation)

    async def all(
        self, tx: Transaction, *, person_id: int | None = None, podmiot_id: int | None = None
    ) -> list[RepresentationView]:
        """With each representative's ID SISC."""
        statement = select(Representation, Person.id_sisc).join(Person, Person.id == Representation.person_id)
        if person_id is not None:
            statement = statement.where(Representation.person_id == person_id)
        if podmiot_id is not None:
            statement = statement.where(Representation.podmiot_id == podmiot_id)
        rows = (await tx.session.execute(statement.order_by(Representation.id))).all()
        return [_view(r, holder=id_sisc) for r, id_sisc in rows]

    async def held_by(self, tx: Transaction, person_id: int) -> list[RepresentationView]:
        """The person's representations, in any state, by Podmiot."""
        rows = await tx.session.scalars(
            select(Representation)
            .where(Representation.person_id == person_id)
            .order_by(Representation.podmiot_id, Representation.id)
        )
        return [_view(r) for r in rows.all()]

    async def active(self, tx: Transaction, person_id: int, podmiot_id: int) -> list[RepresentationView]:
        rows = await tx.session.scalars(
            select(Representation).where(
                Representation.person_id == person_id,
                Representation.podmiot_id == podmiot_id,
                Representation.status == RepresentationStatus.ACTIVE,
            )
        )
        return [_view(r) for r in rows.all()]


async def _row(session: AsyncSession, representation_id: int) -> Representation:
    representation = await session.get(Representation, representation_id)
    if representation is None:
        raise RegistryNotFound(f"no representation {representation_id}")
    return representation


def _view(representation: Representation, holder: str | None = None) -> RepresentationView:
    return RepresentationView(
        id=representation.id,
        person_id=representation.person_id,
        podmiot_id=representation.podmiot_id,
        scope=representation.scope,
        systems=tuple(representation.systems or ()),
        valid_from=representation.valid_from,
        valid_to=representation.valid_to,
        status=representation.status,
        source=representation.source,
        granted_by=representation.granted_by,
        origin=representation.origin,
        revoked_at=representation.revoked_at,
        holder=holder,
    )
