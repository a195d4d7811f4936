"""The registry's services over its stores, on real SQLite and PostgreSQL: every change commits
with its audit event or not at all, and an officer's decision on an application commits with its
effect and the status of the document it came in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.tables import Application as ApplicationRow
from gateway.adapters.storage.tables import Document, RegistryEvent
from gateway.bootstrap import registry_administration
from gateway.config import DatabaseSettings
from gateway.core.errors import RegistryConflict, RegistryError
from gateway.core.registry.applications import application_as_dict
from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.services.registry.administration import RegistryAdministration

OFFICER = "officer@uc.test"
APPLICANT = "applicant@uc.test"
PESEL, CLIENT = "02070803628", "PL5260250274000"
SIGNER_FINGERPRINT = "ef" * 32


@dataclass
class Registry:
    admin: RegistryAdministration
    sessions: async_sessionmaker[AsyncSession]
    changes: list[str]

    async def events(self) -> list[tuple[str, str, str, dict[str, object]]]:
        async with self.sessions() as session:
            rows = (await session.scalars(select(RegistryEvent).order_by(RegistryEvent.id))).all()
        return [(e.actor, e.action, e.subject, e.details) for e in rows]

    async def document_status(self, reference: str) -> tuple[str, list[dict[str, object]]]:
        async with self.sessions() as session:
            document = await session.get(Document, reference)
        assert document is not None
        return document.status, document.errors


@pytest.fixture
async def registry(empty_database_url: str) -> AsyncIterator[Registry]:
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    sessions = session_factory(engine)
    changes: list[str] = []
    admin = registry_administration(sessions, on_change=lambda: changes.append("changed"))
    try:
        yield Registry(admin, sessions, changes)
    finally:
        await engine.dispose()


async def hold_application(registry: Registry, application: Application) -> str:
    """A registration application as the document store keeps it for a decision: the document
    (pending, signed with an SC certificate) and its application row."""
    reference = str(uuid.uuid4())
    account = await registry.admin.accounts.show(APPLICANT)
    signer = {"kind": "sc", "person": PESEL, "certificate": SIGNER_FINGERPRINT, "identifier": None}
    now = datetime.now(UTC)
    async with registry.sessions() as session, session.begin():
        session.add(
            Document(
                reference=reference,
                sender_account_id=account.id,
                received_at=now,
                status="pending",
                system="SZPROT",
                message_type="Application",
                schema_version="1.0",
                digest="sha256:" + "00" * 32,
                size=1,
                signer={**signer, "scheme": None, "issuer": "CN=TEST", "serial": "0A"},
                warnings=[],
                errors=[],
            )
        )
        await session.flush()
        session.add(
            ApplicationRow(
                reference=reference,
                kind=str(application.kind),
                status="pending",
                content=application_as_dict(application),
                submitted_at=now,
            )
        )
    return reference


def application(kind: ApplicationKind, scope: Scope = Scope.EXTENDED) -> Application:
    return Application(
        kind,
        ApplicantPerson(PESEL, "Anna", "TEST Nowak"),
        PodmiotData("Klient (TEST)", "company", (("EORI", CLIENT),)),
        RepresentationRequest(scope, ("AES",)),
    )


async def test_each_change_commits_with_its_audit_event_or_not_at_all(registry: Registry) -> None:
    admin = registry.admin
    await admin.accounts.add(APPLICANT, actor=OFFICER)
    await admin.accounts.issue_token(APPLICANT, 30, "ci", actor=OFFICER)
    await admin.accounts.issue_token(APPLICANT, actor=OFFICER)
    assert await admin.accounts.revoke_tokens(APPLICANT, actor=OFFICER) == 2
    person = await admin.persons.add(first_name="Anna", surname="TEST Nowak", pesel=PESEL, actor=OFFICER)
    assert person.account is None and person.credentials == ()

    with pytest.raises(RegistryConflict, match="exists already"):
        await admin.accounts.add(APPLICANT, actor=OFFICER)
    with pytest.raises(RegistryConflict, match=f"person.add {person.person.id_sisc}: conflicts"):
        await admin.persons.add(first_name="Anna", surname="TEST Nowak", pesel=PESEL, actor=OFFICER)

    assert await registry.events() == [
        (OFFICER, "account.add", APPLICANT, {"role": "user"}),
        (OFFICER, "account.token", APPLICANT, {"label": "ci", "valid_days": 30}),
        (OFFICER, "account.token", APPLICANT, {"label": None, "valid_days": None}),
        (OFFICER, "account.revoke-tokens", APPLICANT, {"revoked": 2}),
        (OFFICER, "person.add", person.person.id_sisc, {}),
    ]
    assert len(registry.changes) == 5, "the rights cache is told of each committed change, of no other"


async def test_an_approval_commits_with_its_effect_and_the_documents_status(registry: Registry) -> None:
    admin = registry.admin
    await admin.accounts.add(APPLICANT)
    update = await hold_application(registry, application(ApplicationKind.UPDATE))
    register = await hold_application(registry, application(ApplicationKind.REGISTER))
    before = await registry.events()

    # an update of representations the registry does not know: nothing of the decision is kept
    with pytest.raises(RegistryError, match="names a person or Podmiot the registry does not know"):
        await admin.applications.approve(update, actor=OFFICER)
    assert (await admin.applications.show(update)).status == "pending"
    assert await registry.document_status(update) == ("pending", [])
    assert await registry.events() == before

    approved = await admin.applications.approve(register, actor=OFFICER)
    assert (approved.status, approved.decided_by) == ("approved", OFFICER)
    assert approved.effect is not None and approved.effect["person"] == "PL020708036280000"
    assert approved.as_dict()["effect"] == approved.effect
    assert await registry.document_status(register) == ("accepted", [])
    person = await admin.persons.show(PESEL)
    assert (person.person.source, person.account) == ("application", APPLICANT)
    assert [(c.kind, c.fingerprint, c.serial) for c in person.credentials] == [
        ("sc", SIGNER_FINGERPRINT, "0A")
    ]
    assert [(r.scope, r.systems, r.granted_by, r.origin) for r in person.representations] == [
        ("extended", ("AES",), OFFICER, register)
    ]
    account = await admin.accounts.show(APPLICANT)
    assert (account.level, account.person) == ("advanced", "PL020708036280000")

    # now the update finds what it changes
    changed = await admin.applications.approve(update, actor=OFFICER)
    assert changed.effect == {"changed": [person.representations[0].id]}

    with pytest.raises(RegistryError, match="was approved already"):
        await admin.applications.reject(register, "too late", actor=OFFICER)
    assert await registry.document_status(register) == ("accepted", [])


async def test_a_rejection_refuses_the_document_with_the_officers_reason(registry: Registry) -> None:
    admin = registry.admin
    await admin.accounts.add(APPLICANT)
    reference = await hold_application(registry, application(ApplicationKind.REGISTER))
    with pytest.raises(RegistryError, match="say why"):
        await admin.applications.reject(reference, "  ", actor=OFFICER)

    rejected = await admin.applications.reject(reference, "no power of attorney", actor=OFFICER)
    assert (rejected.status, rejected.reason, rejected.decided_by) == (
        "rejected",
        "no power of attorney",
        OFFICER,
    )
    status, errors = await registry.document_status(reference)
    assert status == "rejected"
    assert [(e["code"], e["message"]) for e in errors] == [("APPLICATION_REJECTED", "no power of attorney")]
    assert await admin.persons.list() == [], "a rejected application registers nobody"
    assert (await registry.events())[-1] == (
        OFFICER,
        "application.reject",
        reference,
        {"reason": "no power of attorney"},
    )
