"""Persons registered in SISC (or migrated from PDR and waiting to be linked), and their SC
certificates and CBTD keys."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.storage.registry.audit import Change
from gateway.adapters.storage.tables import Credential, Person
from gateway.adapters.storage.transaction import Transaction
from gateway.core.errors import RegistryNotFound
from gateway.core.registry.model import PersonStatus, Source
from gateway.core.registry.views import CredentialView, PersonView


class PersonStore:
    async def add(
        self,
        change: Change,
        *,
        id_sisc: str,
        first_name: str,
        surname: str,
        status: PersonStatus,
        source: Source,
        pesel: str | None = None,
        eori: str | None = None,
        nip: str | None = None,
        epuap_account: str | None = None,
        link_code_hash: str | None = None,
    ) -> PersonView:
        person = Person(
            id_sisc=id_sisc,
            pesel=pesel,
            nip=nip,
            eori=eori,
            first_name=first_name,
            surname=surname,
            epuap_account=epuap_account,
            status=status,
            source=source,
            link_code_hash=link_code_hash,
            created_at=change.at,
            updated_at=change.at,
        )
        change.session.add(person)
        await change.session.flush()
        return _view(person)

    async def get(self, tx: Transaction, key: str) -> PersonView:
        """By ID SISC or PESEL."""
        return _view(await _by_key(tx.session, key))

    async def by_id(self, tx: Transaction, person_id: int) -> PersonView:
        person = await tx.session.get(Person, person_id)
        if person is None:
            raise RegistryNotFound(f"no person {person_id}")
        return _view(person)

    async def by_pesel(self, tx: Transaction, pesel: str) -> PersonView | None:
        person = await tx.session.scalar(select(Person).where(Person.pesel == pesel))
        return _view(person) if person is not None else None

    async def all(self, tx: Transaction) -> list[PersonView]:
        return [_view(p) for p in (await tx.session.scalars(select(Person).order_by(Person.id))).all()]

    async def change(self, change: Change, key: str, fields: Mapping[str, str]) -> PersonView:
        person = await _by_key(change.session, key)
        for name, value in fields.items():
            setattr(person, name, value)
        person.updated_at = change.at
        return _view(person)

    async def link_code_hash(self, tx: Transaction, person_id: int) -> str | None:
        """The hash of a migrated person's one-time code (PDR)."""
        return await tx.session.scalar(select(Person.link_code_hash).where(Person.id == person_id))

    async def activate(self, change: Change, person_id: int) -> None:
        """A migrated person's account is linked: the person is in use, its one-time code spent."""
        person = await change.session.get(Person, person_id)
        assert person is not None
        person.status = PersonStatus.ACTIVE
        person.link_code_hash = None
        person.updated_at = change.at

    # --- credentials ---------------------------------------------------------------------------

    async def credentials_of(self, tx: Transaction, person_id: int) -> list[CredentialView]:
        rows = await tx.session.scalars(select(Credential).where(Credential.person_id == person_id))
        return [_credential_view(c) for c in rows.all()]

    async def credential_registered(self, tx: Transaction, fingerprint: str) -> bool:
        found = await tx.session.scalar(select(Credential.id).where(Credential.fingerprint == fingerprint))
        return found is not None

    async def add_credential(
        self,
        change: Change,
        person_id: int,
        kind: str,
        fingerprint: str,
        serial: str | None = None,
        issuer: str | None = None,
    ) -> CredentialView:
        credential = Credential(
            person_id=person_id,
            kind=kind,
            fingerprint=fingerprint,
            serial=serial,
            issuer=issuer,
            status="active",
            added_at=change.at,
        )
        change.session.add(credential)
        return _credential_view(credential)

    async def revoke_credential(self, change: Change, fingerprint: str) -> CredentialView:
        credential = await change.session.scalar(
            select(Credential).where(Credential.fingerprint == fingerprint)
        )
        if credential is None:
            raise RegistryNotFound(f"no credential with fingerprint {fingerprint}")
        credential.status = "revoked"
        credential.revoked_at = change.at
        return _credential_view(credential)


async def _by_key(session: AsyncSession, key: str) -> Person:
    person = await session.scalar(select(Person).where((Person.id_sisc == key) | (Person.pesel == key)))
    if person is None:
        raise RegistryNotFound(f"no person with ID SISC or PESEL {key}")
    return person


def _view(person: Person) -> PersonView:
    return PersonView(
        id=person.id,
        id_sisc=person.id_sisc,
        pesel=person.pesel,
        nip=person.nip,
        eori=person.eori,
        first_name=person.first_name,
        surname=person.surname,
        epuap_account=person.epuap_account,
        status=person.status,
        source=person.source,
    )


def _credential_view(credential: Credential) -> CredentialView:
    return CredentialView(
        kind=credential.kind,
        fingerprint=credential.fingerprint,
        serial=credential.serial,
        issuer=credential.issuer,
        status=credential.status,
        added_at=credential.added_at,
        revoked_at=credential.revoked_at,
    )
