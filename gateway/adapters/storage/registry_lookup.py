"""The registry's answer for one message: one query, cached until the registry changes.

The cache holds registry *answers*, not decisions: the decision is made afresh for every message
at its time of receipt, so a representation that expires while cached is refused on time.

Invalidation: every registry change writes a ``registry_events`` row in its own transaction, and
the highest event id is the registry's generation.  Changes made through this process clear the
cache at once; changes made elsewhere (the CLI, another worker) are seen when the generation is
next polled (``registry.cache_seconds``).  ``cache_seconds = 0`` turns the cache off.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.logs import Repeats, database_dependency
from gateway.adapters.storage.errors import database_away, translate_database_errors
from gateway.adapters.storage.tables import (
    Credential,
    Person,
    PodmiotIdentifier,
    RegistryEvent,
    Representation,
)
from gateway.core.registry.model import (
    PersonRecord,
    PersonStatus,
    RegistryAnswer,
    RepresentationRecord,
    RepresentationStatus,
    Scope,
    SignerCredential,
    Source,
)

log = logging.getLogger(__name__)

CacheKey = tuple[str, str, str | None, str | None, str | None]


def answer_query(credential: SignerCredential, acting_for: str | None) -> Select[tuple[object, ...]]:
    """One statement: the signer's person (if any), the Podmiot named by ``acting_for`` (if any)
    and the person's representations of it, one row per representation (at least one row)."""
    podmiot_id = (
        select(PodmiotIdentifier.podmiot_id)
        .where(PodmiotIdentifier.value == (acting_for or "").strip().upper())
        .order_by(PodmiotIdentifier.podmiot_id)
        .limit(1)
        .scalar_subquery()
    )
    anchor = select(literal(1).label("one")).subquery("anchor")
    return (
        select(
            podmiot_id.label("podmiot_id"),
            Person.id.label("person_id"),
            Person.id_sisc,
            Person.pesel,
            Person.nip,
            Person.eori,
            Person.status.label("person_status"),
            Representation.id.label("representation_id"),
            Representation.podmiot_id.label("representation_podmiot_id"),
            Representation.scope,
            Representation.systems,
            Representation.valid_from,
            Representation.valid_to,
            Representation.status.label("representation_status"),
            Representation.source,
        )
        .select_from(anchor)
        .outerjoin(Person, person_match(credential))
        .outerjoin(
            Representation,
            and_(Representation.person_id == Person.id, Representation.podmiot_id == podmiot_id),
        )
        .order_by(Person.id, Representation.id)
    )


def person_match(credential: SignerCredential) -> ColumnElement[bool]:
    """How a verified signature finds its person (a lookup table by kind)."""
    return _PERSON_MATCHERS[credential.kind](credential)


def _by_credential(credential: SignerCredential) -> ColumnElement[bool]:
    return Person.id.in_(
        select(Credential.person_id).where(
            Credential.fingerprint == credential.fingerprint, Credential.status == "active"
        )
    )


def _by_carried_identifier(credential: SignerCredential) -> ColumnElement[bool]:
    column = {"PESEL": Person.pesel, "NIP": Person.nip}.get(credential.scheme or "")
    if column is None or not credential.identifier:
        return false()
    return column == credential.identifier


_PERSON_MATCHERS: dict[str, Callable[[SignerCredential], ColumnElement[bool]]] = {
    # SC certificates and CBTD keys: by the credential registered for the person
    "sc": _by_credential,
    "cbtd": _by_credential,
    # qualified: by the PESEL or NIP the certificate carries (or a registered certificate)
    "qualified": lambda c: or_(_by_credential(c), _by_carried_identifier(c)),
    # ePUAP: the seal is ePUAP's own; only the PESEL of the signed PodpisZP names the person
    "epuap": _by_carried_identifier,
}


def answer_from_rows(rows: Sequence[Any]) -> RegistryAnswer:
    if not rows:
        return RegistryAnswer(None, None)
    first = rows[0]
    podmiot_id = first.podmiot_id
    if first.person_id is None:
        return RegistryAnswer(None, podmiot_id)
    person = PersonRecord(
        id=first.person_id,
        id_sisc=first.id_sisc,
        pesel=first.pesel,
        nip=first.nip,
        eori=first.eori,
        status=PersonStatus(first.person_status),
    )
    representations = tuple(
        RepresentationRecord(
            id=row.representation_id,
            podmiot_id=row.representation_podmiot_id,
            scope=Scope(row.scope),
            systems=frozenset(row.systems or ()),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            status=RepresentationStatus(row.representation_status),
            source=Source(row.source),
        )
        for row in rows
        # a qualified NIP may name several persons; the first registered one is taken
        if row.person_id == person.id and row.representation_id is not None
    )
    return RegistryAnswer(person, podmiot_id, representations)


class RegistryLookup:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        cache_seconds: float = 1.0,
        cache_size: int = 10_000,
        database_url: str = "database",
    ) -> None:
        self._sessions = sessions
        #: the database going and coming back, told once each (not at every look)
        self._database_state = database_dependency("registry cache", database_url)
        self._unexpected = Repeats(log, "reading the registry's generation (rights answers are not cached)")
        self._cache_seconds = cache_seconds
        self._cache_size = cache_size
        self._cache: OrderedDict[CacheKey, RegistryAnswer] = OrderedDict()
        self._generation: int | None = None
        self.queries = 0  # round trips made for answers (for the benchmark and the tests)

    async def answer(self, credential: SignerCredential, acting_for: str | None) -> RegistryAnswer:
        key: CacheKey = (
            credential.kind,
            credential.fingerprint,
            credential.identifier,
            credential.scheme,
            acting_for,
        )
        if (cached := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return cached
        generation = self._generation
        async with translate_database_errors(), self._sessions() as session:
            rows = (await session.execute(answer_query(credential, acting_for))).all()
        self.queries += 1
        answer = answer_from_rows(rows)
        # An answer read while a change was being noticed may predate it: keep it only if the
        # generation did not move meanwhile.
        if self._cache_seconds > 0 and generation == self._generation and generation is not None:
            self._cache[key] = answer
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return answer

    def forget(self) -> None:
        """Called after a change made through this process.  Nothing is cached again until the
        next look at the generation, so an answer read just before the change cannot slip in."""
        self._cache.clear()
        self._generation = None

    async def current_generation(self) -> int:
        async with translate_database_errors(), self._sessions() as session:
            return int(await session.scalar(select(func.coalesce(func.max(RegistryEvent.id), 0))) or 0)

    async def watch(self) -> None:
        """Polls the generation; runs for the life of the server (a ``cleanup_ctx`` task)."""
        if self._cache_seconds <= 0:
            return
        while True:
            await self.refresh()
            await asyncio.sleep(self._cache_seconds)

    async def refresh(self) -> None:
        """Forgets every answer if the registry changed since the last look."""
        try:
            generation: int | None = await self.current_generation()
        except Exception as exc:
            generation = None  # cannot tell what changed: cache nothing until it can
            if database_away(exc):
                self._database_state.failed(exc, self._cache_seconds)
            else:
                self._unexpected.failed(exc)
        else:
            self._database_state.succeeded()
            self._unexpected.succeeded()
        if generation is None or generation != self._generation:
            self._cache.clear()
        self._generation = generation
