"""Administering the persons registered in SISC and their SC certificates and CBTD keys."""

from __future__ import annotations

from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.registry import rules
from gateway.core.registry.model import PersonStatus, Source
from gateway.core.registry.views import CredentialView, PersonDetails, PersonView


class PersonAdministration:
    def __init__(
        self,
        trail: AuditTrail,
        persons: PersonStore,
        accounts: AccountStore,
        representations: RepresentationStore,
    ) -> None:
        self._trail = trail
        self._persons = persons
        self._accounts = accounts
        self._representations = representations

    async def add(
        self,
        *,
        first_name: str,
        surname: str,
        pesel: str | None = None,
        eori: str | None = None,
        nip: str | None = None,
        epuap_account: str | None = None,
        actor: str = "cli",
    ) -> PersonDetails:
        """A person an officer registers; its ID SISC is its EORI, else PL and its PESEL."""
        id_sisc = rules.id_sisc(pesel, eori)
        async with self._trail.change(actor, "person.add", id_sisc) as change:
            await self._persons.add(
                change,
                id_sisc=id_sisc,
                pesel=pesel,
                nip=nip,
                eori=eori,
                first_name=first_name,
                surname=surname,
                epuap_account=epuap_account,
                status=PersonStatus.ACTIVE,
                source=Source.ADMIN,
            )
        return await self.show(id_sisc)

    async def change(self, person: str, actor: str = "cli", **fields: str | None) -> PersonDetails:
        """``person``: its ID SISC or PESEL; ``fields``: the new values (None: unchanged)."""
        given = rules.person_changes(fields)
        async with self._trail.change(actor, "person.change", person, **given) as change:
            await self._persons.change(change, person, given)
        return await self.show(person)

    async def show(self, person: str) -> PersonDetails:
        """With its account, credentials and representations."""
        async with self._trail.read() as tx:
            found = await self._persons.get(tx, person)
            credentials = await self._persons.credentials_of(tx, found.id)
            representations = await self._representations.all(tx, person_id=found.id)
            account = await self._accounts.login_of_person(tx, found.id)
        return PersonDetails(found, account, tuple(credentials), tuple(representations))

    async def list(self) -> list[PersonView]:
        async with self._trail.read() as tx:
            return await self._persons.all(tx)

    async def add_credential(
        self,
        person: str,
        kind: str,
        *,
        certificate_pem: bytes | None = None,
        fingerprint: str | None = None,
        actor: str = "cli",
    ) -> CredentialView:
        """An SC certificate or CBTD key of a person, given as the certificate (PEM or DER) or as
        its SHA-256 fingerprint."""
        rules.choice("kind", kind, rules.CREDENTIAL_KINDS)
        serial = issuer = None
        if certificate_pem is not None:
            fingerprint, serial, issuer = rules.certificate_facts(certificate_pem)
        fingerprint = rules.fingerprint(fingerprint)
        details = {"kind": kind, "fingerprint": fingerprint}
        async with self._trail.change(actor, "credential.add", person, **details) as change:
            holder = await self._persons.get(change, person)
            credential = await self._persons.add_credential(
                change, holder.id, kind, fingerprint, serial, issuer
            )
        return credential

    async def revoke_credential(self, fingerprint: str, actor: str = "cli") -> CredentialView:
        fingerprint = rules.fingerprint(fingerprint)
        async with self._trail.change(actor, "credential.revoke", fingerprint) as change:
            credential = await self._persons.revoke_credential(change, fingerprint)
        return credential
