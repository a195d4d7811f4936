"""An officer's decision on a registration application (SZPROT).

Approving makes the application take effect (its person, Podmiot and representation are written,
or the representations it names change or end) and accepts the document it came in; rejecting
refuses the document with the officer's reason, which its receipt shows.  The registry's stores
and the document store write in one transaction: the decision and its effect commit together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gateway.adapters.storage.documents import DocumentStore, StoredDocument
from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.adapters.storage.registry.applications import ApplicationStore
from gateway.adapters.storage.registry.audit import AuditTrail, Change
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.domain import Status
from gateway.core.errors import ApplicationRejected, ErrorDetail, RegistryError
from gateway.core.registry import rules
from gateway.core.registry.applications import application_from_dict
from gateway.core.registry.model import Application, ApplicationKind, PersonStatus, Source
from gateway.core.registry.views import ApplicationView, RepresentationView

Effect = Callable[[Change, Application, StoredDocument], Awaitable[Mapping[str, Any]]]


class ApplicationService:
    def __init__(
        self,
        trail: AuditTrail,
        applications: ApplicationStore,
        documents: DocumentStore,
        persons: PersonStore,
        podmioty: PodmiotStore,
        representations: RepresentationStore,
        accounts: AccountStore,
    ) -> None:
        self._trail = trail
        self._applications = applications
        self._documents = documents
        self._persons = persons
        self._podmioty = podmioty
        self._representations = representations
        self._accounts = accounts
        self._effects: dict[ApplicationKind, Effect] = {
            ApplicationKind.REGISTER: self._register,
            ApplicationKind.UPDATE: self._update,
            ApplicationKind.DEACTIVATE: self._deactivate,
        }

    async def list(self, status: str | None = "pending") -> list[ApplicationView]:
        """``status`` None: every application."""
        async with self._trail.read() as tx:
            return await self._applications.all(tx, status)

    async def show(self, reference: str) -> ApplicationView:
        async with self._trail.read() as tx:
            return await self._applications.get(tx, reference)

    async def approve(self, reference: str, actor: str = "cli") -> ApplicationView:
        """The application takes effect (shown as ``effect``); its document is accepted."""
        async with self._trail.change(actor, "application.approve", reference) as change:
            pending = await self._applications.pending(change, reference)
            document = await self._documents.held(change, reference)
            application = application_from_dict(pending.content)
            effect = await self._effects[application.kind](change, application, document)
            decided = await self._applications.decide(change, reference, "approved")
            await self._documents.set_status(change, reference, Status.ACCEPTED)
        return replace(decided, effect=effect)

    async def reject(self, reference: str, reason: str, actor: str = "cli") -> ApplicationView:
        """The document is refused with ``reason`` (``APPLICATION_REJECTED`` in its receipt)."""
        if not reason.strip():
            raise RegistryError("say why the application is rejected")
        async with self._trail.change(actor, "application.reject", reference, reason=reason) as change:
            await self._applications.pending(change, reference)
            decided = await self._applications.decide(change, reference, "rejected", reason)
            refusal = ErrorDetail(ApplicationRejected.code, reason)
            await self._documents.set_status(change, reference, Status.REJECTED, [refusal])
        return decided

    async def _register(
        self, change: Change, application: Application, document: StoredDocument
    ) -> Mapping[str, Any]:
        """The applicant (registered now if new), the signing credential, the Podmiot and the
        representation; the sending account is linked to the applicant if neither is linked yet."""
        applicant = application.person
        person = await self._persons.by_pesel(change, applicant.pesel)
        if person is None:
            person = await self._persons.add(
                change,
                id_sisc=rules.id_sisc(applicant.pesel, applicant.eori),
                pesel=applicant.pesel,
                eori=applicant.eori,
                first_name=applicant.first_name,
                surname=applicant.surname,
                status=PersonStatus.ACTIVE,
                source=Source.APPLICATION,
            )
        signer = document.receipt.verdict.signer
        if (
            signer is not None
            and signer.kind in rules.CREDENTIAL_KINDS
            and signer.certificate
            and not await self._persons.credential_registered(change, signer.certificate)
        ):
            await self._persons.add_credential(
                change, person.id, signer.kind, signer.certificate, signer.serial, signer.issuer
            )
        data = application.podmiot
        podmiot = await self._podmioty.find(change, [value for _, value in data.identifiers])
        if podmiot is None:
            podmiot = await self._podmioty.add(
                change, data.name, data.kind, data.data_source, Source.APPLICATION
            )
        identifiers = rules.identifiers(data.identifiers)
        await self._podmioty.add_identifiers(change, podmiot.id, identifiers, tolerate_own=True)
        request = application.representation
        representation = await self._representations.add(
            change,
            person.id,
            podmiot.id,
            request.scope,
            rules.systems(request.systems),
            request.valid_from or change.at,
            request.valid_to,
            Source.APPLICATION,
            granted_by=change.actor,
            origin=document.receipt.reference,
        )
        sender = await self._accounts.by_id(change, document.sender_account_id)
        if sender.person is None and await self._accounts.login_of_person(change, person.id) is None:
            await self._accounts.link(change, sender.id, person.id)
        return {"person": person.id_sisc, "podmiot": podmiot.id, "representation": representation.id}

    async def _update(
        self, change: Change, application: Application, document: StoredDocument
    ) -> Mapping[str, Any]:
        request = application.representation
        changed = []
        for representation in await self._concerned(change, application):
            await self._representations.amend(
                change, representation.id, request.scope, request.systems, request.valid_to
            )
            changed.append(representation.id)
        return {"changed": changed}

    async def _deactivate(
        self, change: Change, application: Application, document: StoredDocument
    ) -> Mapping[str, Any]:
        """Ended at the date the application names, else revoked now."""
        valid_to = application.representation.valid_to
        ended = []
        for representation in await self._concerned(change, application):
            if valid_to is not None:
                await self._representations.end(change, representation.id, valid_to)
            else:
                await self._representations.revoke(change, representation.id)
            ended.append(representation.id)
        return {"deactivated": ended}

    async def _concerned(self, change: Change, application: Application) -> Sequence[RepresentationView]:
        """The applicant's active representations of the Podmiot the application names."""
        person = await self._persons.by_pesel(change, application.person.pesel)
        podmiot = await self._podmioty.find(change, [value for _, value in application.podmiot.identifiers])
        if person is None or podmiot is None:
            raise RegistryError("the application names a person or Podmiot the registry does not know")
        found = await self._representations.active(change, person.id, podmiot.id)
        if not found:
            raise RegistryError(f"{person.id_sisc} holds no active representation of that Podmiot")
        return found
