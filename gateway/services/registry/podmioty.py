"""Administering Podmioty (traders, organisations, agencies) and their identifiers."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.errors import RegistryError
from gateway.core.registry import rules
from gateway.core.registry.model import DATA_SOURCES, PODMIOT_KINDS, Source
from gateway.core.registry.views import PodmiotDetails, PodmiotView


class PodmiotAdministration:
    def __init__(
        self,
        trail: AuditTrail,
        podmioty: PodmiotStore,
        representations: RepresentationStore,
    ) -> None:
        self._trail = trail
        self._podmioty = podmioty
        self._representations = representations

    async def add(
        self,
        *,
        name: str,
        kind: str,
        identifiers: Sequence[tuple[str, str]],
        data_source: str | None = None,
        actor: str = "cli",
    ) -> PodmiotDetails:
        rules.choice("kind", kind, PODMIOT_KINDS)
        if data_source is not None:
            rules.choice("data source", data_source, DATA_SOURCES)
        pairs = rules.identifiers(identifiers)
        if not pairs:
            raise RegistryError("a Podmiot needs at least one identifier")
        async with self._trail.change(actor, "podmiot.add", pairs[0][1], name=name) as change:
            podmiot = await self._podmioty.add(change, name, kind, data_source, Source.ADMIN)
            await self._podmioty.add_identifiers(change, podmiot.id, pairs)
        return await self.show(pairs[0][1])

    async def change(
        self,
        identifier: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        data_source: str | None = None,
        add_identifiers: Sequence[tuple[str, str]] = (),
        remove_identifiers: Sequence[tuple[str, str]] = (),
        actor: str = "cli",
    ) -> PodmiotDetails:
        """``data_source`` ``""`` or ``none``: no longer from KRS / CEiDG.  Name, NIP and REGON of
        a Podmiot whose data comes from there cannot change here."""
        added, removed = rules.identifiers(add_identifiers), rules.identifiers(remove_identifiers)
        touched = {"name"} if name is not None else set()
        touched |= {scheme for scheme, _ in (*added, *removed)}
        details = {"name": name, "kind": kind, "add": added, "remove": removed}
        async with self._trail.change(actor, "podmiot.change", identifier, **details) as change:
            podmiot = await self._podmioty.get(change, identifier)
            rules.check_external_fields(podmiot.data_source, touched)
            await self._podmioty.update(
                change,
                podmiot.id,
                name=podmiot.name if name is None else name,
                kind=podmiot.kind if kind is None else rules.choice("kind", kind, PODMIOT_KINDS),
                data_source=podmiot.data_source
                if data_source is None
                else rules.new_data_source(data_source),
            )
            for scheme, value in removed:
                await self._podmioty.remove_identifier(change, podmiot.id, scheme, value)
            await self._podmioty.add_identifiers(change, podmiot.id, added)
            remaining = await self._podmioty.identifiers_of(change, podmiot.id)
            if not remaining:
                raise RegistryError("a Podmiot keeps at least one identifier")
        return await self.show(remaining[0][1])

    async def show(self, identifier: str) -> PodmiotDetails:
        """By any of its identifiers (or its id), with the representations of it."""
        async with self._trail.read() as tx:
            podmiot = await self._podmioty.get(tx, identifier)
            representations = await self._representations.all(tx, podmiot_id=podmiot.id)
        return PodmiotDetails(podmiot, tuple(representations))

    async def list(self) -> list[PodmiotView]:
        async with self._trail.read() as tx:
            return await self._podmioty.all(tx)
