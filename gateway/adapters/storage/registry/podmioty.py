"""Podmioty (traders, organisations, agencies) and their identifiers (EORI, NIP, REGON, PESEL,
ID SISC, excise numbers), each identifier unique per scheme."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.storage.registry.audit import Change
from gateway.adapters.storage.tables import Podmiot, PodmiotIdentifier
from gateway.adapters.storage.transaction import Transaction
from gateway.core.errors import RegistryConflict, RegistryNotFound
from gateway.core.registry import rules
from gateway.core.registry.model import PODMIOT_KINDS, Source
from gateway.core.registry.views import PodmiotView


class PodmiotStore:
    async def find(self, tx: Transaction, values: Sequence[str]) -> PodmiotView | None:
        """The Podmiot any of ``values`` identifies; ``REGISTRY_CONFLICT`` if they name several."""
        podmiot = await _find(tx.session, values)
        return await _view(tx.session, podmiot) if podmiot is not None else None

    async def get(self, tx: Transaction, identifier: str) -> PodmiotView:
        """By any of its identifiers, or by its id."""
        return await _view(tx.session, await _by_identifier(tx.session, identifier))

    async def by_ids(self, tx: Transaction, podmiot_ids: Iterable[int]) -> dict[int, PodmiotView]:
        found = {}
        for podmiot_id in podmiot_ids:
            podmiot = await tx.session.get(Podmiot, podmiot_id)
            assert podmiot is not None
            found[podmiot_id] = await _view(tx.session, podmiot)
        return found

    async def all(self, tx: Transaction) -> list[PodmiotView]:
        podmioty = (await tx.session.scalars(select(Podmiot).order_by(Podmiot.id))).all()
        return [await _view(tx.session, p) for p in podmioty]

    async def add(
        self, change: Change, name: str, kind: str, data_source: str | None, source: Source
    ) -> PodmiotView:
        podmiot = Podmiot(
            name=name,
            kind=rules.choice("kind", kind, PODMIOT_KINDS),
            data_source=data_source,
            status="active",
            source=source,
            created_at=change.at,
            updated_at=change.at,
        )
        change.session.add(podmiot)
        await change.session.flush()
        return await _view(change.session, podmiot)

    async def update(
        self, change: Change, podmiot_id: int, name: str, kind: str, data_source: str | None
    ) -> None:
        podmiot = await change.session.get(Podmiot, podmiot_id)
        assert podmiot is not None
        podmiot.name, podmiot.kind, podmiot.data_source = name, kind, data_source
        podmiot.updated_at = change.at

    async def add_identifiers(
        self,
        change: Change,
        podmiot_id: int,
        pairs: Sequence[tuple[str, str]],
        *,
        tolerate_own: bool = False,
    ) -> None:
        """``tolerate_own``: an identifier the Podmiot holds already is no conflict."""
        for scheme, value in pairs:
            holder = await change.session.scalar(
                select(PodmiotIdentifier).where(
                    PodmiotIdentifier.scheme == scheme, PodmiotIdentifier.value == value
                )
            )
            if holder is not None:
                if holder.podmiot_id == podmiot_id and tolerate_own:
                    continue
                raise RegistryConflict(f"{scheme} {value} is registered already")
            change.session.add(PodmiotIdentifier(podmiot_id=podmiot_id, scheme=scheme, value=value))
        await change.session.flush()

    async def remove_identifier(self, change: Change, podmiot_id: int, scheme: str, value: str) -> None:
        row = await change.session.scalar(
            select(PodmiotIdentifier).where(
                PodmiotIdentifier.podmiot_id == podmiot_id,
                PodmiotIdentifier.scheme == scheme,
                PodmiotIdentifier.value == value,
            )
        )
        if row is None:
            raise RegistryNotFound(f"the Podmiot has no {scheme} {value}")
        await change.session.delete(row)

    async def identifiers_of(self, tx: Transaction, podmiot_id: int) -> list[tuple[str, str]]:
        return await _identifiers_of(tx.session, podmiot_id)


async def _find(session: AsyncSession, values: Sequence[str]) -> Podmiot | None:
    if not values:
        return None
    podmiot_ids = set(
        (
            await session.scalars(
                select(PodmiotIdentifier.podmiot_id).where(
                    PodmiotIdentifier.value.in_([v.strip().upper() for v in values])
                )
            )
        ).all()
    )
    if len(podmiot_ids) > 1:
        raise RegistryConflict(f"the identifiers {', '.join(values)} belong to different Podmioty")
    return await session.get(Podmiot, podmiot_ids.pop()) if podmiot_ids else None


async def _by_identifier(session: AsyncSession, identifier: str) -> Podmiot:
    podmiot = await _find(session, [identifier])
    # its id: ASCII digits only ("¹".isdigit() too), and within a BIGINT
    if podmiot is None and identifier.isascii() and identifier.isdigit() and len(identifier) <= 18:
        podmiot = await session.get(Podmiot, int(identifier))
    if podmiot is None:
        raise RegistryNotFound(f"no Podmiot with identifier {identifier}")
    return podmiot


async def _identifiers_of(session: AsyncSession, podmiot_id: int) -> list[tuple[str, str]]:
    rows = await session.scalars(
        select(PodmiotIdentifier)
        .where(PodmiotIdentifier.podmiot_id == podmiot_id)
        .order_by(PodmiotIdentifier.id)
    )
    return [(r.scheme, r.value) for r in rows.all()]


async def _view(session: AsyncSession, podmiot: Podmiot) -> PodmiotView:
    identifiers = await _identifiers_of(session, podmiot.id)
    return PodmiotView(podmiot.id, podmiot.name, podmiot.kind, podmiot.data_source, tuple(identifiers))
