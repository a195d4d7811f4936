"""The registry's answer for the rights check, on real SQLite and PostgreSQL: one query per
message, how each kind of signer finds its person, and the cache's invalidation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.bootstrap import registry_administration
from gateway.config import DatabaseSettings
from gateway.core.registry.model import PersonStatus, RepresentationStatus, Scope, SignerCredential
from gateway.core.registry.pdr import parse_pdr
from gateway.services.registry.administration import RegistryAdministration

PESEL, NIP, PARTY, EXCISE = "44051401359", "5260250274", "PL5260250274000", "PL00000000002"
FINGERPRINT = "ab" * 32
SC = SignerCredential("sc", FINGERPRINT, PESEL, "PESEL")


class Counted:
    def __init__(self) -> None:
        self.statements = 0


World = tuple[RegistryAdministration, RegistryLookup, "Counted"]


@pytest.fixture
async def registry_and_lookup(
    empty_database_url: str,
) -> AsyncIterator[World]:
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    counted = Counted()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE
            counted.statements += 1

    sessions = session_factory(engine)
    lookup = RegistryLookup(sessions, cache_seconds=60)
    registry = registry_administration(sessions, on_change=lookup.forget)
    person = await registry.persons.add(first_name="Jan", surname="Kowalski", pesel=PESEL, nip=NIP)
    await registry.persons.add_credential(person.person.id_sisc, "sc", fingerprint=FINGERPRINT)
    await registry.podmioty.add(
        name="Spółka (TEST)", kind="company", identifiers=[("EORI", PARTY), ("AKCR", EXCISE)]
    )
    await registry.representations.grant(PESEL, PARTY, "basic", systems=["AES"])
    await registry.representations.grant(
        PESEL, EXCISE, "extended", valid_to=datetime.now(UTC) + timedelta(days=1)
    )
    try:
        yield registry, lookup, counted
    finally:
        await engine.dispose()


async def test_one_statement_gives_person_podmiot_and_representations(
    registry_and_lookup: World,
) -> None:
    _, lookup, counted = registry_and_lookup
    before = counted.statements
    answer = await lookup.answer(SC, PARTY)
    assert counted.statements - before == 1
    assert answer.person is not None and answer.person.pesel == PESEL
    assert answer.person.status is PersonStatus.ACTIVE
    assert answer.podmiot_id is not None
    assert sorted((r.scope, sorted(r.systems)) for r in answer.representations) == [
        (Scope.BASIC, ["AES"]),
        (Scope.EXTENDED, []),
    ]
    # the excise number names the same Podmiot
    assert (await lookup.answer(SC, EXCISE)).podmiot_id == answer.podmiot_id


@pytest.mark.parametrize(
    ("credential", "found"),
    [
        (SignerCredential("sc", FINGERPRINT, None, None), True),
        (
            SignerCredential("sc", "cd" * 32, PESEL, "PESEL"),
            False,
        ),  # an SC signer needs its certificate registered
        (SignerCredential("cbtd", FINGERPRINT, NIP, "NIP"), True),
        (SignerCredential("qualified", "ef" * 32, PESEL, "PESEL"), True),
        (SignerCredential("qualified", "ef" * 32, NIP, "NIP"), True),
        (SignerCredential("qualified", "ef" * 32, "02070803628", "PESEL"), False),
        (SignerCredential("epuap", "01" * 32, PESEL, "PESEL"), True),
        (SignerCredential("epuap", FINGERPRINT, None, None), False),  # the seal alone names nobody
    ],
)
async def test_how_each_kind_finds_its_person(
    registry_and_lookup: World, credential: SignerCredential, found: bool
) -> None:
    _, lookup, _ = registry_and_lookup
    answer = await lookup.answer(credential, PARTY)
    assert (answer.person is not None) is found
    assert answer.podmiot_id is not None  # the Podmiot is known whoever signs


async def test_unknown_podmiot_and_unknown_signer(
    registry_and_lookup: World,
) -> None:
    _, lookup, _ = registry_and_lookup
    answer = await lookup.answer(SC, "PL0000000000000")
    assert answer.person is not None and answer.podmiot_id is None and answer.representations == ()
    nobody = await lookup.answer(SignerCredential("sc", "99" * 32, None, None), None)
    assert (nobody.person, nobody.podmiot_id) == (None, None)


async def test_revoked_credential_no_longer_finds_the_person(
    registry_and_lookup: World,
) -> None:
    registry, lookup, _ = registry_and_lookup
    await registry.persons.revoke_credential(FINGERPRINT)
    assert (await lookup.answer(SC, PARTY)).person is None


async def test_cached_until_the_registry_changes(
    registry_and_lookup: World,
) -> None:
    registry, lookup, counted = registry_and_lookup
    await lookup.refresh()
    first = await lookup.answer(SC, PARTY)
    before = counted.statements
    assert await lookup.answer(SC, PARTY) == first
    assert counted.statements == before, "a cached answer costs no round trip"

    # a change through this process: forgotten at once
    representation = first.representations[0]
    await registry.representations.revoke(representation.id)
    after = await lookup.answer(SC, PARTY)
    revoked = next(r for r in after.representations if r.id == representation.id)
    assert revoked.status is RepresentationStatus.REVOKED


async def test_a_change_made_elsewhere_is_seen_at_the_next_look(
    registry_and_lookup: World, empty_database_url: str
) -> None:
    _, lookup, _ = registry_and_lookup
    await lookup.refresh()
    cached = await lookup.answer(SC, PARTY)
    # another process (the CLI, another worker): its own engine, no way to tell this lookup
    engine = create_engine(DatabaseSettings(url=empty_database_url))
    try:
        await registry_administration(session_factory(engine)).representations.revoke(
            cached.representations[0].id
        )
    finally:
        await engine.dispose()
    assert await lookup.answer(SC, PARTY) == cached, "until the generation is looked at"
    await lookup.refresh()
    fresh = await lookup.answer(SC, PARTY)
    assert fresh.representations[0].status is RepresentationStatus.REVOKED


async def test_migrated_persons_are_found_but_marked(
    registry_and_lookup: World,
) -> None:
    registry, lookup, _ = registry_and_lookup
    pdr = parse_pdr(
        f"pesel,first_name,surname,link_code,cbtd_sha256\n02070803628,Anna,Nowak,CODE-12345678,{'77' * 32}\n"
    )
    await registry.pdr.import_pdr(pdr)
    answer = await lookup.answer(SignerCredential("cbtd", "77" * 32, None, None), PARTY)
    assert answer.person is not None and answer.person.status is PersonStatus.MIGRATED
