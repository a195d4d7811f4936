"""The registry's pure parts: what the rules accept, and the JSON shapes of its views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.errors import RegistryError, RegistryFieldExternal
from gateway.core.registry import rules
from gateway.core.registry.views import AccountView, Me, PersonView, PodmiotView, RepresentationView

AT = datetime(2025, 6, 1, tzinfo=UTC)
ACCOUNT = AccountView(7, "anna@uc.test", "active", "advanced", "user", AT, "PL020708036280000", True)
PERSON = PersonView(
    3, "PL020708036280000", "02070803628", None, None, "Anna", "Nowak", None, "active", "admin"
)


def representation(rid: int, podmiot_id: int, scope: str, **changes: object) -> RepresentationView:
    values: dict[str, object] = {
        "id": rid,
        "person_id": 3,
        "podmiot_id": podmiot_id,
        "scope": scope,
        "systems": (),
        "valid_from": AT - timedelta(days=1),
        "valid_to": None,
        "status": "active",
        "source": "admin",
        "granted_by": "cli",
        "origin": None,
        "revoked_at": None,
    }
    values.update(changes)
    return RepresentationView(**values)  # type: ignore[arg-type]


def test_me_groups_the_rights_by_podmiot_and_tells_which_podmioty_it_reads() -> None:
    podmioty = {
        1: PodmiotView(1, "A (TEST)", "company", "KRS", (("EORI", "PL1"), ("AKCR", "PL00000000001"))),
        2: PodmiotView(2, "B (TEST)", "agency", None, (("NIP", "5260250274"),)),
    }
    held = [
        representation(10, 1, "basic", systems=("AES",)),
        representation(11, 1, "extended", valid_to=AT),  # ended just now: not in force
        representation(12, 2, "extended", systems=("NCTS2",)),
    ]
    me = Me.of(ACCOUNT, PERSON, held, podmioty, AT).as_dict()
    assert me["account"]["person"] is None, "the person is shown on its own"
    assert me["account"]["login"] == "anna@uc.test" and me["person"]["pesel"] == "02070803628"
    [first, second] = me["podmioty"]
    assert (first["id"], first["reads_documents"], first["excise_numbers"]) == (1, False, ["PL00000000001"])
    assert first["identifiers"] == {"EORI": "PL1"}
    assert [(r["id"], r["systems"], r["in_force"]) for r in first["rights"]] == [
        (10, ["AES"], True),
        (11, "all", False),
    ]
    assert (second["id"], second["reads_documents"]) == (2, True)
    assert "person" not in first["rights"][0], "rights shown under the person need no holder"


def test_a_listed_representation_names_its_holder() -> None:
    listed = representation(5, 1, "basic", holder="PL020708036280000").as_dict()
    assert list(listed)[-1] == "person" and listed["person"] == "PL020708036280000"
    assert "in_force" not in listed


def test_account_views() -> None:
    assert list(ACCOUNT.summary()) == ["id", "login", "status", "level", "role", "created_at"]
    assert ACCOUNT.as_dict()["password"] is True and ACCOUNT.as_dict()["person"] == "PL020708036280000"


@pytest.mark.parametrize(
    ("value", "expected"), [("", None), ("none", None), (" None ", None), ("KRS", "KRS"), ("CEIDG", "CEIDG")]
)
def test_a_data_source_can_be_ended(value: str, expected: str | None) -> None:
    assert rules.new_data_source(value) == expected


def test_fields_from_krs_change_there() -> None:
    rules.check_external_fields(None, {"name", "NIP"})
    rules.check_external_fields("KRS", {"EORI", "AKCR"})
    with pytest.raises(RegistryFieldExternal, match="NIP, name of this Podmiot come from KRS"):
        rules.check_external_fields("KRS", {"name", "NIP", "EORI"})


def test_rules_refuse_what_the_registry_cannot_hold() -> None:
    with pytest.raises(RegistryError, match="cannot change pesel of a person"):
        rules.person_changes({"pesel": "1", "surname": None})
    assert rules.person_changes({"surname": "Lis", "nip": None}) == {"surname": "Lis"}
    with pytest.raises(RegistryError, match="64 hex digits"):
        rules.fingerprint("ab" * 31)
    assert rules.fingerprint(":".join(["AB"] * 32)) == "ab" * 32
    assert rules.systems(["AES", "NCTS2", "AES"]) == ["AES", "NCTS2"]
    with pytest.raises(RegistryError, match="system must be one of"):
        rules.systems(["ECS"])
    assert rules.identifiers([("nip", " 526 ")]) == [("NIP", "526")]
    with pytest.raises(RegistryError, match="valid_to must be after valid_from"):
        rules.validity(AT, AT)
    with pytest.raises(RegistryError, match="at least 12 characters"):
        rules.password("short")
