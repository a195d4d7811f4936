"""The rights check as a pure function: a table of cases over frozen values, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from gateway.config import RegistrySettings
from gateway.core.domain import Envelope
from gateway.core.errors import RightsDenied, SignerUnknown
from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    Basis,
    DenialReason,
    PersonRecord,
    PersonStatus,
    PodmiotData,
    RegistryAnswer,
    RepresentationRecord,
    RepresentationRequest,
    RepresentationStatus,
    Requirement,
    Scope,
    SignerCredential,
    Source,
    id_sisc_for,
)
from gateway.core.registry.rights import (
    RightsTable,
    RightsTableError,
    check_applicant,
    decide,
    load_rights_table,
)

AT = datetime(2026, 11, 24, 12, tzinfo=UTC)
PESEL = "44051401359"
PARTY = "PL1234567890000"
SC = SignerCredential("sc", "ab" * 32, PESEL, "PESEL")
PERSON = PersonRecord(1, id_sisc_for(pesel=PESEL), PESEL, None, None, PersonStatus.ACTIVE)


def envelope(system: str = "AES", message_type: str = "CC515C", acting_for: str | None = PARTY) -> Envelope:
    return Envelope(system, message_type, "1.0", "M-1", None, None, acting_for, "declarant")


def representation(
    rid: int = 7,
    scope: Scope = Scope.BASIC,
    systems: frozenset[str] = frozenset(),
    valid_from: datetime = AT - timedelta(days=30),
    valid_to: datetime | None = None,
    status: RepresentationStatus = RepresentationStatus.ACTIVE,
) -> RepresentationRecord:
    return RepresentationRecord(rid, 3, scope, systems, valid_from, valid_to, status, Source.ADMIN)


def answer(*representations: RepresentationRecord, person: PersonRecord | None = PERSON) -> RegistryAnswer:
    return RegistryAnswer(person, 3, representations)


ALLOWED = [
    # (case, envelope, answer, requirement, basis, representation id)
    (
        "basic rights, basic message",
        envelope(),
        answer(representation()),
        Requirement.BASIC,
        Basis.REPRESENTATION,
        7,
    ),
    (
        "extended rights cover a basic message",
        envelope(),
        answer(representation(scope=Scope.EXTENDED)),
        Requirement.BASIC,
        Basis.REPRESENTATION,
        7,
    ),
    (
        "the extended one is recorded when both fit",
        envelope(),
        answer(representation(1), representation(2, scope=Scope.EXTENDED)),
        Requirement.BASIC,
        Basis.REPRESENTATION,
        2,
    ),
    (
        "a list of systems that names the message's",
        envelope(),
        answer(representation(systems=frozenset({"AES", "EMCSPL2"}))),
        Requirement.BASIC,
        Basis.REPRESENTATION,
        7,
    ),
    (
        "valid until a moment after receipt",
        envelope(),
        answer(representation(valid_to=AT + timedelta(seconds=1))),
        Requirement.BASIC,
        Basis.REPRESENTATION,
        7,
    ),
    ("own PESEL", envelope(acting_for=PESEL), answer(), Requirement.EXTENDED, Basis.OWN_NAME, None),
    (
        "own PESEL as an EORI",
        envelope(acting_for=f"PL{PESEL}0000"),
        answer(),
        Requirement.BASIC,
        Basis.OWN_NAME,
        None,
    ),
    (
        "own name without being registered (basic account)",
        envelope(acting_for=PESEL),
        answer(person=None),
        Requirement.BASIC,
        Basis.OWN_NAME,
        None,
    ),
    (
        "NCTS2: registered, no representation needed",
        envelope("NCTS2", "CC015C"),
        answer(),
        Requirement.REGISTERED,
        Basis.NOT_REQUIRED,
        None,
    ),
    (
        "NCTS2 with a representation records it",
        envelope("NCTS2", "CC015C"),
        answer(representation()),
        Requirement.REGISTERED,
        Basis.REPRESENTATION,
        7,
    ),
    (
        "application: any signer",
        envelope("SZPROT", "RegApplication"),
        answer(person=None),
        Requirement.SIGNER,
        Basis.APPLICATION,
        None,
    ),
]


@pytest.mark.parametrize(
    ("case", "env", "registry", "requirement", "basis", "representation_id"),
    ALLOWED,
    ids=[c[0] for c in ALLOWED],
)
def test_allowed(
    case: str,
    env: Envelope,
    registry: RegistryAnswer,
    requirement: Requirement,
    basis: Basis,
    representation_id: int | None,
) -> None:
    decision = decide(env, SC, registry, requirement, AT)
    assert decision.basis is basis
    assert (decision.representation.id if decision.representation else None) == representation_id
    assert decision.person == (registry.person.id_sisc if registry.person else None)


DENIED = [
    ("no representation", answer(), Requirement.BASIC, DenialReason.NONE),
    (
        "revoked",
        answer(representation(status=RepresentationStatus.REVOKED)),
        Requirement.BASIC,
        DenialReason.REVOKED,
    ),
    ("expired", answer(representation(valid_to=AT)), Requirement.BASIC, DenialReason.EXPIRED),
    (
        "not yet valid",
        answer(representation(valid_from=AT + timedelta(days=1))),
        Requirement.BASIC,
        DenialReason.NOT_YET_VALID,
    ),
    (
        "wrong system",
        answer(representation(systems=frozenset({"NCTS2"}))),
        Requirement.BASIC,
        DenialReason.WRONG_SYSTEM,
    ),
    (
        "basic where extended is needed",
        answer(representation()),
        Requirement.EXTENDED,
        DenialReason.BASIC_NOT_EXTENDED,
    ),
    (
        "the nearest miss is named: basic beats revoked",
        answer(representation(1, status=RepresentationStatus.REVOKED), representation(2)),
        Requirement.EXTENDED,
        DenialReason.BASIC_NOT_EXTENDED,
    ),
    (
        "a revoked extended one does not help",
        answer(representation(scope=Scope.EXTENDED, status=RepresentationStatus.REVOKED)),
        Requirement.EXTENDED,
        DenialReason.REVOKED,
    ),
]


@pytest.mark.parametrize(("case", "registry", "requirement", "reason"), DENIED, ids=[c[0] for c in DENIED])
def test_denied_with_reason(
    case: str, registry: RegistryAnswer, requirement: Requirement, reason: DenialReason
) -> None:
    with pytest.raises(RightsDenied) as refused:
        decide(envelope(), SC, registry, requirement, AT)
    assert refused.value.errors[0].code == "RIGHTS_DENIED"
    assert refused.value.errors[0].message.startswith(f"{reason}: ")


@pytest.mark.parametrize(
    ("case", "registry", "requirement", "needle"),
    [
        ("not registered, acting for another", answer(person=None), Requirement.BASIC, "own name"),
        ("not registered, NCTS2", answer(person=None), Requirement.REGISTERED, "registered"),
        (
            "migrated from PDR, not linked",
            answer(
                representation(scope=Scope.EXTENDED), person=replace(PERSON, status=PersonStatus.MIGRATED)
            ),
            Requirement.BASIC,
            "PDR",
        ),
        (
            "inactive person",
            answer(
                representation(scope=Scope.EXTENDED), person=replace(PERSON, status=PersonStatus.INACTIVE)
            ),
            Requirement.BASIC,
            "not registered",
        ),
    ],
)
def test_signer_unknown(case: str, registry: RegistryAnswer, requirement: Requirement, needle: str) -> None:
    with pytest.raises(SignerUnknown) as refused:
        decide(envelope(), SC, registry, requirement, AT)
    assert needle in refused.value.detail


def test_a_migrated_person_is_not_even_registered_for_ncts2() -> None:
    migrated = answer(person=replace(PERSON, status=PersonStatus.MIGRATED))
    with pytest.raises(SignerUnknown):
        decide(envelope("NCTS2", "CC015C"), SC, migrated, Requirement.REGISTERED, AT)


def test_not_shared_with_the_podmiot_when_no_representation_was_needed() -> None:
    decision = decide(envelope("NCTS2", "CC015C"), SC, answer(), Requirement.REGISTERED, AT)
    assert (decision.shared_with_podmiot, decision.podmiot_id) == (False, None)
    decision = decide(envelope(), SC, answer(representation()), Requirement.BASIC, AT)
    assert (decision.shared_with_podmiot, decision.podmiot_id) == (True, 3)


def test_own_name_is_exact_not_a_prefix() -> None:
    with pytest.raises(RightsDenied):
        decide(envelope(acting_for=f"PL{PESEL}1"), SC, answer(), Requirement.BASIC, AT)


def application(pesel: str) -> Application:
    return Application(
        ApplicationKind.REGISTER,
        ApplicantPerson(pesel, "Jan", "Kowalski"),
        PodmiotData("X (TEST)", "company", (("EORI", PARTY),)),
        RepresentationRequest(Scope.EXTENDED),
    )


def test_an_application_is_signed_by_its_applicant() -> None:
    check_applicant(application(PESEL), SC, answer(person=None))
    with pytest.raises(RightsDenied) as refused:
        check_applicant(application("02070803628"), SC, answer(person=None))
    assert refused.value.errors[0].message.startswith("not-own-application: ")


def test_the_rights_table_in_the_repository() -> None:
    table = load_rights_table(RegistrySettings().rights_table)
    assert table.requirement("NCTS2", "CC015C") is Requirement.REGISTERED
    assert table.requirement("AES", "CC515C") is Requirement.BASIC
    assert table.requirement("AES", "CC514C") is Requirement.EXTENDED
    assert table.requirement("SZPROT", "RegApplication") is Requirement.SIGNER
    # a system the table does not name asks for the most, not the least
    assert RightsTable({}, {}).requirement("NEW", "X1") is Requirement.EXTENDED


def test_a_bad_rights_table_is_a_start_up_error(tmp_path: pytest.TempPathFactory) -> None:
    path = tmp_path / "rights.toml"  # type: ignore[operator]
    path.write_text('[systems]\nAES = "everyone"\n')
    with pytest.raises(RightsTableError):
        load_rights_table(path)
