"""The registry's changes and views: persons, credentials, Podmioty, representations, applications,
PDR migration and account linking.

Every change is one transaction that also writes a ``registry_events`` row (the audit trail, whose
highest id tells the rights cache to forget).  The CLI and the admin HTTP API call these methods
and nothing else (``gateway/channels/operations.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage import audit
from gateway.adapters.storage.access import held
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.tables import (
    Account,
    Credential,
    Document,
    Person,
    Podmiot,
    PodmiotIdentifier,
    Representation,
)
from gateway.adapters.storage.tables import Application as ApplicationRow
from gateway.core.domain import SYSTEMS, Status
from gateway.core.errors import (
    ApplicationRejected,
    ErrorDetail,
    RegistryConflict,
    RegistryError,
    RegistryFieldExternal,
    RegistryNotFound,
)
from gateway.core.passwords import hash_secret, verify_secret
from gateway.core.registry.access import extended_grants
from gateway.core.registry.applications import application_from_dict
from gateway.core.registry.model import (
    DATA_SOURCES,
    EXTERNAL_FIELDS,
    IDENTIFIER_SCHEMES,
    PODMIOT_KINDS,
    Application,
    ApplicationKind,
    PersonStatus,
    RepresentationStatus,
    Scope,
    Source,
    id_sisc_for,
    in_force,
)
from gateway.core.registry.pdr import PdrFile

CREDENTIAL_KINDS = ("sc", "cbtd")


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _choice(name: str, value: str, allowed: Iterable[str]) -> str:
    options = tuple(allowed)
    if value not in options:
        raise RegistryError(f"{name} must be one of {', '.join(options)}, not {value!r}")
    return value


def _systems(systems: Sequence[str]) -> list[str]:
    for system in systems:
        _choice("system", system, SYSTEMS)
    return sorted(set(systems))


class Registry:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._sessions = sessions
        self._on_change = on_change
        self._clock = clock

    # --- plumbing ---------------------------------------------------------------------------

    @asynccontextmanager
    async def _change(
        self, actor: str, action: str, subject: str, **details: Any
    ) -> AsyncIterator[AsyncSession]:
        """One registry change: a transaction, its audit event, then the rights cache forgets."""
        try:
            async with translate_database_errors(), self._sessions() as session, session.begin():
                yield session
                audit.record(session, actor, action, subject, **details)
        except IntegrityError as exc:
            raise RegistryConflict(
                f"{action} {subject}: conflicts with an existing entry ({exc.orig})"
            ) from None
        self._on_change()

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        async with translate_database_errors(), self._sessions() as session:
            yield session

    # --- accounts -----------------------------------------------------------------------------

    async def set_password(self, login: str, password: str, actor: str = "cli") -> dict[str, Any]:
        if len(password) < 12:
            raise RegistryError("a password needs at least 12 characters")
        async with self._change(actor, "account.password", login) as session:
            account = await _account(session, login)
            account.password_hash = hash_secret(password)
        return {"login": login, "password": "set"}

    async def check_password(self, login: str, password: str) -> int | None:
        """The account id if ``password`` is the account's (and the account is active)."""
        async with self._read() as session:
            account = await session.scalar(select(Account).where(Account.login == login))
        if account is None or account.status != "active":
            verify_secret(password, None)
            return None
        return account.id if verify_secret(password, account.password_hash) else None

    async def set_role(self, login: str, role: str, actor: str = "cli") -> dict[str, Any]:
        _choice("role", role, ("user", "operator"))
        async with self._change(actor, "account.role", login, role=role) as session:
            account = await _account(session, login)
            account.role = role
        return await self.show_account(login)

    async def attach_account(self, login: str, id_sisc: str, actor: str = "cli") -> dict[str, Any]:
        """An officer links an account to a registered person (the account becomes advanced)."""
        async with self._change(actor, "account.attach", login, id_sisc=id_sisc) as session:
            account = await _account(session, login)
            person = await _person(session, id_sisc)
            if person.status == PersonStatus.MIGRATED:
                raise RegistryError(
                    f"{id_sisc} was migrated from PDR: link it with its PESEL and one-time code"
                )
            _link(account, person)
        return await self.show_account(login)

    async def link_account(
        self, login: str, pesel: str, code: str, actor: str | None = None
    ) -> dict[str, Any]:
        """Links an account to the person migrated from PDR, by the proof the PDR file carries:
        the PESEL and the one-time code.  The code is spent."""
        async with self._change(actor or login, "account.link", login, pesel=pesel) as session:
            account = await _account(session, login)
            person = await session.scalar(select(Person).where(Person.pesel == pesel))
            if (
                person is None
                or person.status != PersonStatus.MIGRATED
                or not verify_secret(code, person.link_code_hash)
            ):
                # one answer for every failure: the endpoint must not tell which PESELs exist
                raise RegistryError("no migrated person with this PESEL and one-time code")
            person.status = PersonStatus.ACTIVE
            person.link_code_hash = None
            person.updated_at = self._clock()
            _link(account, person)
        return await self.show_account(login)

    async def show_account(self, login: str) -> dict[str, Any]:
        async with self._read() as session:
            account = await _account(session, login)
            person = await session.get(Person, account.person_id) if account.person_id else None
        return _account_view(account, person)

    # --- persons and credentials ------------------------------------------------------------

    async def add_person(
        self,
        *,
        first_name: str,
        surname: str,
        pesel: str | None = None,
        eori: str | None = None,
        nip: str | None = None,
        epuap_account: str | None = None,
        actor: str = "cli",
    ) -> dict[str, Any]:
        id_sisc = _id_sisc(pesel, eori)
        now = self._clock()
        async with self._change(actor, "person.add", id_sisc) as session:
            session.add(
                Person(
                    id_sisc=id_sisc,
                    pesel=pesel,
                    nip=nip,
                    eori=eori,
                    first_name=first_name,
                    surname=surname,
                    epuap_account=epuap_account,
                    status=PersonStatus.ACTIVE,
                    source=Source.ADMIN,
                    created_at=now,
                    updated_at=now,
                )
            )
        return await self.show_person(id_sisc)

    async def change_person(self, id_sisc: str, actor: str = "cli", **fields: str | None) -> dict[str, Any]:
        allowed = {"first_name", "surname", "nip", "eori", "epuap_account", "status"}
        given = {k: v for k, v in fields.items() if v is not None}
        if unknown := set(given) - allowed:
            raise RegistryError(f"cannot change {', '.join(sorted(unknown))} of a person")
        if "status" in given:
            _choice("status", str(given["status"]), (PersonStatus.ACTIVE, PersonStatus.INACTIVE))
        async with self._change(actor, "person.change", id_sisc, **given) as session:
            person = await _person(session, id_sisc)
            for name, value in given.items():
                setattr(person, name, value)
            person.updated_at = self._clock()
        return await self.show_person(id_sisc)

    async def show_person(self, id_sisc: str) -> dict[str, Any]:
        async with self._read() as session:
            person = await _person(session, id_sisc)
            credentials = (
                await session.scalars(select(Credential).where(Credential.person_id == person.id))
            ).all()
            representations = await _representations_of(session, person_id=person.id)
            account = await session.scalar(select(Account).where(Account.person_id == person.id))
        return {
            **_person_view(person),
            "account": account.login if account else None,
            "credentials": [_credential_view(c) for c in credentials],
            "representations": representations,
        }

    async def list_persons(self) -> list[dict[str, Any]]:
        async with self._read() as session:
            return [
                _person_view(p) for p in (await session.scalars(select(Person).order_by(Person.id))).all()
            ]

    async def add_credential(
        self,
        id_sisc: str,
        kind: str,
        *,
        certificate_pem: bytes | None = None,
        fingerprint: str | None = None,
        serial: str | None = None,
        issuer: str | None = None,
        actor: str = "cli",
    ) -> dict[str, Any]:
        """An SC certificate or CBTD key of a person, given as the certificate (PEM or DER) or as
        its SHA-256 fingerprint."""
        _choice("kind", kind, CREDENTIAL_KINDS)
        if certificate_pem is not None:
            fingerprint, serial, issuer = _certificate_facts(certificate_pem)
        fingerprint = _fingerprint(fingerprint)
        async with self._change(
            actor, "credential.add", id_sisc, kind=kind, fingerprint=fingerprint
        ) as session:
            person = await _person(session, id_sisc)
            credential = Credential(
                person_id=person.id,
                kind=kind,
                fingerprint=fingerprint,
                serial=serial,
                issuer=issuer,
                status="active",
                added_at=self._clock(),
            )
            session.add(credential)
        return _credential_view(credential)

    async def revoke_credential(self, fingerprint: str, actor: str = "cli") -> dict[str, Any]:
        fingerprint = _fingerprint(fingerprint)
        async with self._change(actor, "credential.revoke", fingerprint) as session:
            credential = await session.scalar(select(Credential).where(Credential.fingerprint == fingerprint))
            if credential is None:
                raise RegistryNotFound(f"no credential with fingerprint {fingerprint}")
            credential.status = "revoked"
            credential.revoked_at = self._clock()
        return _credential_view(credential)

    # --- Podmioty -------------------------------------------------------------------------------

    async def add_podmiot(
        self,
        *,
        name: str,
        kind: str,
        identifiers: Sequence[tuple[str, str]],
        data_source: str | None = None,
        actor: str = "cli",
    ) -> dict[str, Any]:
        _choice("kind", kind, PODMIOT_KINDS)
        if data_source is not None:
            _choice("data source", data_source, DATA_SOURCES)
        pairs = _identifiers(identifiers)
        if not pairs:
            raise RegistryError("a Podmiot needs at least one identifier")
        async with self._change(actor, "podmiot.add", pairs[0][1], name=name) as session:
            podmiot = await _new_podmiot(session, name, kind, data_source, Source.ADMIN, self._clock())
            await _add_identifiers(session, podmiot, pairs)
        return await self.show_podmiot(pairs[0][1])

    async def change_podmiot(
        self,
        identifier: str,
        *,
        name: str | None = None,
        kind: str | None = None,
        data_source: str | None = None,
        add_identifiers: Sequence[tuple[str, str]] = (),
        remove_identifiers: Sequence[tuple[str, str]] = (),
        actor: str = "cli",
    ) -> dict[str, Any]:
        added, removed = _identifiers(add_identifiers), _identifiers(remove_identifiers)
        touched = {"name"} if name is not None else set()
        touched |= {scheme for scheme, _ in (*added, *removed)}
        details = {"name": name, "kind": kind, "add": added, "remove": removed}
        async with self._change(actor, "podmiot.change", identifier, **details) as session:
            podmiot = await _podmiot(session, identifier)
            if podmiot.data_source and (external := touched & EXTERNAL_FIELDS):
                message = (
                    f"{', '.join(sorted(external))} of this Podmiot come from {podmiot.data_source}; "
                    "they change there, not here"
                )
                raise RegistryFieldExternal(message)
            if kind is not None:
                podmiot.kind = _choice("kind", kind, PODMIOT_KINDS)
            if data_source is not None:
                # "" (or "none") ends the link to KRS / CEiDG: the fields become editable here
                cleared = data_source.strip().lower() in {"", "none"}
                podmiot.data_source = None if cleared else _choice("data source", data_source, DATA_SOURCES)
            if name is not None:
                podmiot.name = name
            for scheme, value in removed:
                row = await session.scalar(
                    select(PodmiotIdentifier).where(
                        PodmiotIdentifier.podmiot_id == podmiot.id,
                        PodmiotIdentifier.scheme == scheme,
                        PodmiotIdentifier.value == value,
                    )
                )
                if row is None:
                    raise RegistryNotFound(f"the Podmiot has no {scheme} {value}")
                await session.delete(row)
            await _add_identifiers(session, podmiot, added)
            podmiot.updated_at = self._clock()
            await session.flush()
            remaining = await _identifiers_of(session, podmiot.id)
            if not remaining:
                raise RegistryError("a Podmiot keeps at least one identifier")
        return await self.show_podmiot(remaining[0][1])

    async def show_podmiot(self, identifier: str) -> dict[str, Any]:
        async with self._read() as session:
            podmiot = await _podmiot(session, identifier)
            identifiers = await _identifiers_of(session, podmiot.id)
            representations = await _representations_of(session, podmiot_id=podmiot.id)
        return {**_podmiot_view(podmiot, identifiers), "representations": representations}

    async def list_podmioty(self) -> list[dict[str, Any]]:
        async with self._read() as session:
            podmioty = (await session.scalars(select(Podmiot).order_by(Podmiot.id))).all()
            return [_podmiot_view(p, await _identifiers_of(session, p.id)) for p in podmioty]

    # --- representations ------------------------------------------------------------------------

    async def grant(
        self,
        id_sisc: str,
        podmiot: str,
        scope: str,
        *,
        systems: Sequence[str] = (),
        valid_from: datetime | None = None,
        valid_to: datetime | None = None,
        actor: str = "cli",
    ) -> dict[str, Any]:
        async with self._change(
            actor, "representation.grant", id_sisc, podmiot=podmiot, scope=scope
        ) as session:
            person = await _person(session, id_sisc)
            target = await _podmiot(session, podmiot)
            representation = _representation(
                person.id,
                target.id,
                Scope(_choice("scope", scope, tuple(Scope))),
                _systems(systems),
                valid_from or self._clock(),
                valid_to,
                Source.ADMIN,
                actor,
                self._clock(),
            )
            session.add(representation)
        return _representation_view(representation)

    async def change_representation(
        self,
        representation_id: int,
        *,
        scope: str | None = None,
        systems: Sequence[str] | None = None,
        valid_to: datetime | None = None,
        actor: str = "cli",
    ) -> dict[str, Any]:
        details = {"scope": scope, "systems": systems, "valid_to": _iso(valid_to)}
        async with self._change(actor, "representation.change", str(representation_id), **details) as session:
            representation = await _representation_row(session, representation_id)
            if representation.status != RepresentationStatus.ACTIVE:
                raise RegistryError(f"representation {representation_id} is {representation.status}")
            _apply(representation, scope, systems, valid_to)
        return _representation_view(representation)

    async def revoke(self, representation_id: int, actor: str = "cli") -> dict[str, Any]:
        async with self._change(actor, "representation.revoke", str(representation_id)) as session:
            representation = await _representation_row(session, representation_id)
            _revoke(representation, actor, self._clock())
        return _representation_view(representation)

    async def list_representations(
        self, *, person: str | None = None, podmiot: str | None = None
    ) -> list[dict[str, Any]]:
        async with self._read() as session:
            person_id = (await _person(session, person)).id if person else None
            podmiot_id = (await _podmiot(session, podmiot)).id if podmiot else None
            return await _representations_of(session, person_id=person_id, podmiot_id=podmiot_id)

    # --- registration applications (SZPROT) --------------------------------------------------------

    async def list_applications(self, status: str | None = "pending") -> list[dict[str, Any]]:
        statement = select(ApplicationRow).order_by(ApplicationRow.submitted_at)
        if status:
            statement = statement.where(ApplicationRow.status == status)
        async with self._read() as session:
            return [_application_view(a) for a in (await session.scalars(statement)).all()]

    async def show_application(self, reference: str) -> dict[str, Any]:
        async with self._read() as session:
            return _application_view(await _application(session, reference))

    async def approve(self, reference: str, actor: str = "cli") -> dict[str, Any]:
        """The application takes effect: its person, Podmiot and representation are written."""
        async with self._change(actor, "application.approve", reference) as session:
            row, document = await _pending(session, reference)
            application = application_from_dict(row.content)
            effect = _APPLY[application.kind]
            outcome = await effect(self, session, application, document, actor)
            row.status, row.decided_at, row.decided_by = "approved", self._clock(), actor
            document.status = Status.ACCEPTED
        return {**_application_view(row), "effect": outcome}

    async def reject(self, reference: str, reason: str, actor: str = "cli") -> dict[str, Any]:
        if not reason.strip():
            raise RegistryError("say why the application is rejected")
        async with self._change(actor, "application.reject", reference, reason=reason) as session:
            row, document = await _pending(session, reference)
            row.status, row.decided_at, row.decided_by, row.reason = "rejected", self._clock(), actor, reason
            document.status = Status.REJECTED
            document.errors = [ErrorDetail(ApplicationRejected.code, reason).as_dict()]
        return _application_view(row)

    async def _register(
        self, session: AsyncSession, application: Application, document: Document, actor: str
    ) -> dict[str, Any]:
        now = self._clock()
        applicant = application.person
        person = await session.scalar(select(Person).where(Person.pesel == applicant.pesel))
        if person is None:
            person = Person(
                id_sisc=id_sisc_for(pesel=applicant.pesel, eori=applicant.eori),
                pesel=applicant.pesel,
                eori=applicant.eori,
                first_name=applicant.first_name,
                surname=applicant.surname,
                status=PersonStatus.ACTIVE,
                source=Source.APPLICATION,
                created_at=now,
                updated_at=now,
            )
            session.add(person)
            await session.flush()
        signer = document.signer or {}
        fingerprint = signer.get("certificate")
        if signer.get("kind") in CREDENTIAL_KINDS and fingerprint:
            known = await session.scalar(select(Credential).where(Credential.fingerprint == fingerprint))
            if known is None:
                session.add(
                    Credential(
                        person_id=person.id,
                        kind=signer["kind"],
                        fingerprint=fingerprint,
                        serial=signer.get("serial"),
                        issuer=signer.get("issuer"),
                        status="active",
                        added_at=now,
                    )
                )
        data = application.podmiot
        podmiot = await _find_podmiot(session, [value for _, value in data.identifiers])
        if podmiot is None:
            podmiot = await _new_podmiot(
                session, data.name, data.kind, data.data_source, Source.APPLICATION, now
            )
        await _add_identifiers(session, podmiot, _identifiers(data.identifiers), tolerate_own=True)
        request = application.representation
        representation = _representation(
            person.id,
            podmiot.id,
            request.scope,
            _systems(request.systems),
            request.valid_from or now,
            request.valid_to,
            Source.APPLICATION,
            actor,
            now,
            origin=document.reference,
        )
        session.add(representation)
        sender = await session.get(Account, document.sender_account_id)
        if sender is not None and sender.person_id is None:
            linked_elsewhere = await session.scalar(select(Account).where(Account.person_id == person.id))
            if linked_elsewhere is None:
                _link(sender, person)
        await session.flush()
        return {"person": person.id_sisc, "podmiot": podmiot.id, "representation": representation.id}

    async def _update(
        self, session: AsyncSession, application: Application, document: Document, actor: str
    ) -> dict[str, Any]:
        changed = []
        for representation in await self._concerned(session, application):
            request = application.representation
            _apply(representation, request.scope, request.systems, request.valid_to)
            changed.append(representation.id)
        return {"changed": changed}

    async def _deactivate(
        self, session: AsyncSession, application: Application, document: Document, actor: str
    ) -> dict[str, Any]:
        ended = []
        for representation in await self._concerned(session, application):
            if application.representation.valid_to is not None:
                representation.valid_to = application.representation.valid_to
            else:
                _revoke(representation, actor, self._clock())
            ended.append(representation.id)
        return {"deactivated": ended}

    async def _concerned(self, session: AsyncSession, application: Application) -> list[Representation]:
        person = await session.scalar(select(Person).where(Person.pesel == application.person.pesel))
        podmiot = await _find_podmiot(session, [value for _, value in application.podmiot.identifiers])
        if person is None or podmiot is None:
            raise RegistryError("the application names a person or Podmiot the registry does not know")
        found = (
            await session.scalars(
                select(Representation).where(
                    Representation.person_id == person.id,
                    Representation.podmiot_id == podmiot.id,
                    Representation.status == RepresentationStatus.ACTIVE,
                )
            )
        ).all()
        if not found:
            raise RegistryError(f"{person.id_sisc} holds no active representation of that Podmiot")
        return list(found)

    # --- PDR migration ------------------------------------------------------------------------

    async def import_pdr(self, pdr: PdrFile, actor: str = "cli") -> dict[str, int]:
        """Migrated persons are present but unused until an account is linked to them; their
        representations keep the rights, systems and validity they had in PDR."""
        now = self._clock()
        counts = {"persons": 0, "credentials": 0, "podmioty": 0, "representations": 0}
        async with self._change(actor, "pdr.import", f"{len(pdr.persons)} persons") as session:
            persons: dict[str, Person] = {}
            for record in pdr.persons:
                if await session.scalar(select(Person.id).where(Person.pesel == record.pesel)) is not None:
                    raise RegistryConflict(f"line {record.line}: PESEL {record.pesel} is registered already")
                person = Person(
                    id_sisc=record.id_sisc or id_sisc_for(pesel=record.pesel, eori=record.eori),
                    pesel=record.pesel,
                    eori=record.eori,
                    first_name=record.first_name,
                    surname=record.surname,
                    status=PersonStatus.MIGRATED,
                    source=Source.PDR,
                    link_code_hash=hash_secret(record.link_code),
                    created_at=now,
                    updated_at=now,
                )
                session.add(person)
                await session.flush()
                persons[record.pesel] = person
                counts["persons"] += 1
                for kind, fingerprints in (("cbtd", record.cbtd_sha256), ("sc", record.sc_sha256)):
                    for fingerprint in fingerprints:
                        session.add(
                            Credential(
                                person_id=person.id,
                                kind=kind,
                                fingerprint=fingerprint,
                                status="active",
                                added_at=now,
                            )
                        )
                        counts["credentials"] += 1
            for entry in pdr.representations:
                data = entry.podmiot
                podmiot = await _find_podmiot(session, [value for _, value in data.identifiers])
                if podmiot is None:
                    podmiot = await _new_podmiot(
                        session, data.name, data.kind, data.data_source, Source.PDR, now
                    )
                    await _add_identifiers(session, podmiot, _identifiers(data.identifiers))
                    counts["podmioty"] += 1
                session.add(
                    _representation(
                        persons[entry.pesel].id,
                        podmiot.id,
                        entry.scope,
                        _systems(entry.systems),
                        entry.valid_from,
                        entry.valid_to,
                        Source.PDR,
                        entry.granted_by or "PDR",
                        now,
                        origin=entry.pdr_id,
                    )
                )
                counts["representations"] += 1
        return counts

    # --- what an account sees of itself (GET /api/v1/me) ------------------------------------

    async def me(self, account_id: int) -> dict[str, Any]:
        at = self._clock()
        async with self._read() as session:
            account = await session.get(Account, account_id)
            if account is None:
                raise RegistryNotFound(f"no account {account_id}")
            person = await session.get(Person, account.person_id) if account.person_id else None
            podmioty: list[dict[str, Any]] = []
            if person is not None:
                rows = (
                    await session.scalars(
                        select(Representation)
                        .where(Representation.person_id == person.id)
                        .order_by(Representation.podmiot_id, Representation.id)
                    )
                ).all()
                readable = {g.podmiot_id for g in extended_grants(held(rows), at)}
                by_podmiot: dict[int, list[Representation]] = {}
                for row in rows:
                    by_podmiot.setdefault(row.podmiot_id, []).append(row)
                for podmiot_id, representations in by_podmiot.items():
                    podmiot = await session.get(Podmiot, podmiot_id)
                    assert podmiot is not None
                    podmioty.append(
                        {
                            **_podmiot_view(podmiot, await _identifiers_of(session, podmiot_id)),
                            "reads_documents": podmiot_id in readable,
                            "rights": [_representation_view(r, at) for r in representations],
                        }
                    )
        return {
            "account": _account_view(account, None),
            "person": _person_view(person) if person else None,
            "podmioty": podmioty,
        }


_APPLY = {
    ApplicationKind.REGISTER: Registry._register,
    ApplicationKind.UPDATE: Registry._update,
    ApplicationKind.DEACTIVATE: Registry._deactivate,
}


# --- helpers over rows ---------------------------------------------------------------------------


def _id_sisc(pesel: str | None, eori: str | None) -> str:
    try:
        return id_sisc_for(pesel=pesel, eori=eori)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None


def _link(account: Account, person: Person) -> None:
    if account.person_id is not None and account.person_id != person.id:
        raise RegistryConflict(f"account {account.login} is linked to another person already")
    account.person_id = person.id
    account.level = "advanced"


def _fingerprint(value: str | None) -> str:
    compact = (value or "").replace(":", "").strip().lower()
    if len(compact) != 64 or any(c not in "0123456789abcdef" for c in compact):
        raise RegistryError("a fingerprint is the SHA-256 of the certificate: 64 hex digits")
    return compact


def _certificate_facts(data: bytes) -> tuple[str, str, str]:
    try:
        certificate = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError as exc:
        raise RegistryError(f"not a certificate: {exc}") from None
    return (
        certificate.fingerprint(hashes.SHA256()).hex(),
        f"{certificate.serial_number:X}",
        certificate.issuer.rfc4514_string(),
    )


def _identifiers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    result = []
    for scheme, value in pairs:
        _choice("identifier scheme", scheme.upper(), IDENTIFIER_SCHEMES)
        result.append((scheme.upper(), value.strip().upper()))
    return result


def _representation(
    person_id: int,
    podmiot_id: int,
    scope: Scope,
    systems: list[str],
    valid_from: datetime,
    valid_to: datetime | None,
    source: Source,
    granted_by: str,
    now: datetime,
    origin: str | None = None,
) -> Representation:
    if valid_to is not None and valid_to <= valid_from:
        raise RegistryError("valid_to must be after valid_from")
    return Representation(
        person_id=person_id,
        podmiot_id=podmiot_id,
        scope=scope,
        systems=systems,
        valid_from=valid_from,
        valid_to=valid_to,
        status=RepresentationStatus.ACTIVE,
        source=source,
        granted_by=granted_by,
        granted_at=now,
        origin=origin,
    )


def _apply(
    representation: Representation,
    scope: str | None,
    systems: Sequence[str] | None,
    valid_to: datetime | None,
) -> None:
    if scope is not None:
        representation.scope = _choice("scope", scope, tuple(Scope))
    if systems is not None:
        representation.systems = _systems(systems)
    if valid_to is not None:
        if valid_to <= representation.valid_from:
            raise RegistryError("valid_to must be after valid_from")
        representation.valid_to = valid_to


def _revoke(representation: Representation, actor: str, at: datetime) -> None:
    if representation.status == RepresentationStatus.REVOKED:
        raise RegistryError(f"representation {representation.id} is revoked already")
    representation.status = RepresentationStatus.REVOKED
    representation.revoked_at = at
    representation.revoked_by = actor


async def _account(session: AsyncSession, login: str) -> Account:
    account = await session.scalar(select(Account).where(Account.login == login))
    if account is None:
        raise RegistryNotFound(f"no account with login {login!r}")
    return account


async def _person(session: AsyncSession, key: str) -> Person:
    """By ID SISC or PESEL."""
    person = await session.scalar(select(Person).where((Person.id_sisc == key) | (Person.pesel == key)))
    if person is None:
        raise RegistryNotFound(f"no person with ID SISC or PESEL {key}")
    return person


async def _find_podmiot(session: AsyncSession, values: Sequence[str]) -> Podmiot | None:
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


async def _podmiot(session: AsyncSession, identifier: str) -> Podmiot:
    podmiot = await _find_podmiot(session, [identifier])
    # its id: ASCII digits only ("¹".isdigit() too), and within a BIGINT
    if podmiot is None and identifier.isascii() and identifier.isdigit() and len(identifier) <= 18:
        podmiot = await session.get(Podmiot, int(identifier))
    if podmiot is None:
        raise RegistryNotFound(f"no Podmiot with identifier {identifier}")
    return podmiot


async def _new_podmiot(
    session: AsyncSession, name: str, kind: str, data_source: str | None, source: Source, now: datetime
) -> Podmiot:
    podmiot = Podmiot(
        name=name,
        kind=_choice("kind", kind, PODMIOT_KINDS),
        data_source=data_source,
        status="active",
        source=source,
        created_at=now,
        updated_at=now,
    )
    session.add(podmiot)
    await session.flush()
    return podmiot


async def _add_identifiers(
    session: AsyncSession, podmiot: Podmiot, pairs: Sequence[tuple[str, str]], *, tolerate_own: bool = False
) -> None:
    for scheme, value in pairs:
        holder = await session.scalar(
            select(PodmiotIdentifier).where(
                PodmiotIdentifier.scheme == scheme, PodmiotIdentifier.value == value
            )
        )
        if holder is not None:
            if holder.podmiot_id == podmiot.id and tolerate_own:
                continue
            raise RegistryConflict(f"{scheme} {value} is registered already")
        session.add(PodmiotIdentifier(podmiot_id=podmiot.id, scheme=scheme, value=value))
    await session.flush()


async def _identifiers_of(session: AsyncSession, podmiot_id: int) -> list[tuple[str, str]]:
    rows = (
        await session.scalars(
            select(PodmiotIdentifier)
            .where(PodmiotIdentifier.podmiot_id == podmiot_id)
            .order_by(PodmiotIdentifier.id)
        )
    ).all()
    return [(r.scheme, r.value) for r in rows]


async def _representation_row(session: AsyncSession, representation_id: int) -> Representation:
    representation = await session.get(Representation, representation_id)
    if representation is None:
        raise RegistryNotFound(f"no representation {representation_id}")
    return representation


async def _representations_of(
    session: AsyncSession, *, person_id: int | None = None, podmiot_id: int | None = None
) -> list[dict[str, Any]]:
    statement = select(Representation, Person.id_sisc).join(Person, Person.id == Representation.person_id)
    if person_id is not None:
        statement = statement.where(Representation.person_id == person_id)
    if podmiot_id is not None:
        statement = statement.where(Representation.podmiot_id == podmiot_id)
    rows = (await session.execute(statement.order_by(Representation.id))).all()
    return [{**_representation_view(r), "person": id_sisc} for r, id_sisc in rows]


async def _application(session: AsyncSession, reference: str) -> ApplicationRow:
    row = await session.get(ApplicationRow, reference)
    if row is None:
        raise RegistryNotFound(f"no application {reference}")
    return row


async def _pending(session: AsyncSession, reference: str) -> tuple[ApplicationRow, Document]:
    row = await _application(session, reference)
    if row.status != "pending":
        raise RegistryError(f"application {reference} was {row.status} already")
    document = await session.get(Document, reference)
    assert document is not None
    return row, document


# --- views (JSON-ready) ------------------------------------------------------------------------


def _account_view(account: Account, person: Person | None) -> dict[str, Any]:
    return {
        "id": account.id,
        "login": account.login,
        "status": account.status,
        "level": account.level,
        "role": account.role,
        "person": person.id_sisc if person else None,
        "password": account.password_hash is not None,
        "created_at": _iso(account.created_at),
    }


def _person_view(person: Person) -> dict[str, Any]:
    return {
        "id_sisc": person.id_sisc,
        "pesel": person.pesel,
        "nip": person.nip,
        "eori": person.eori,
        "first_name": person.first_name,
        "surname": person.surname,
        "epuap_account": person.epuap_account,
        "status": person.status,
        "source": person.source,
    }


def _credential_view(credential: Credential) -> dict[str, Any]:
    return {
        "kind": credential.kind,
        "fingerprint": credential.fingerprint,
        "serial": credential.serial,
        "issuer": credential.issuer,
        "status": credential.status,
        "added_at": _iso(credential.added_at),
        "revoked_at": _iso(credential.revoked_at),
    }


def _podmiot_view(podmiot: Podmiot, identifiers: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": podmiot.id,
        "name": podmiot.name,
        "kind": podmiot.kind,
        "data_source": podmiot.data_source,
        "identifiers": {scheme: value for scheme, value in identifiers if scheme != "AKCR"},
        "excise_numbers": [value for scheme, value in identifiers if scheme == "AKCR"],
    }


def _representation_view(representation: Representation, at: datetime | None = None) -> dict[str, Any]:
    view = {
        "id": representation.id,
        "podmiot_id": representation.podmiot_id,
        "scope": representation.scope,
        "systems": list(representation.systems) or "all",
        "valid_from": _iso(representation.valid_from),
        "valid_to": _iso(representation.valid_to),
        "status": representation.status,
        "source": representation.source,
        "granted_by": representation.granted_by,
        "origin": representation.origin,
        "revoked_at": _iso(representation.revoked_at),
    }
    if at is not None:
        view["in_force"] = representation.status == RepresentationStatus.ACTIVE and in_force(
            representation.valid_from, representation.valid_to, at
        )
    return view


def _application_view(row: ApplicationRow) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "kind": row.kind,
        "status": row.status,
        "submitted_at": _iso(row.submitted_at),
        "decided_at": _iso(row.decided_at),
        "decided_by": row.decided_by,
        "reason": row.reason,
        "content": row.content,
    }
