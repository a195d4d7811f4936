"""SZPROT: the schema set, the samples, the reader (gateway.core.registry.applications) and its JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from gateway.config import ParsingSettings, packaged
from gateway.core.errors import ErrorDetail
from gateway.core.registry.applications import application_as_dict, application_from_dict, read_application
from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.core.validation.catalog import Catalog, CatalogError, MessageSchema, load_catalog, load_manifest
from gateway.core.validation.parsing import parse
from gateway.demo.samplegen import SampleParams, build, message_types
from gateway.demo.samplegen.signing import strip_signature
from gateway.demo.samplegen.szprot import build_application

ROOT = Path(__file__).resolve().parents[2]
SXML = packaged("sxml")
MANIFEST = SXML / "szprot" / "1.0" / "manifest.toml"
CORPUS = ROOT / "samples" / "valid" / "SZPROT"
NS = "urn:customs-gateway:sxml:szprot:1"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

ANNA = ApplicantPerson(pesel="02070803628", first_name="Anna", surname="Nowak")
JAN = ApplicantPerson(pesel="44051401359", first_name="Jan", surname="Kowalski")
#: what each sample reads into, field by field
EXPECTED = {
    "RegApplication.xml": Application(
        kind=ApplicationKind.REGISTER,
        person=ANNA,
        podmiot=PodmiotData(
            name="Agencja Celna Przykładowa (TEST)",
            kind="agency",
            identifiers=(("EORI", "PL9876543210000"), ("NIP", "9876543210")),
            data_source=None,
        ),
        representation=RepresentationRequest(
            scope=Scope.EXTENDED, systems=(), valid_from=None, valid_to=None
        ),
    ),
    "RegApplication-excise.xml": Application(
        kind=ApplicationKind.REGISTER,
        person=JAN,
        podmiot=PodmiotData(
            name="Skład Podatkowy Przykładowy Sp. z o.o. (TEST)",
            kind="company",
            identifiers=(("EORI", "PL5260250274000"), ("NIP", "5260250274"), ("AKCR", "PL00000000002")),
            data_source="KRS",
        ),
        representation=RepresentationRequest(scope=Scope.BASIC, systems=("EMCSPL2",)),
    ),
    "RepChange-deactivate.xml": Application(
        kind=ApplicationKind.DEACTIVATE,
        person=ANNA,
        podmiot=PodmiotData(name="", kind="", identifiers=(("EORI", "PL9876543210000"),)),
        representation=RepresentationRequest(scope=Scope.BASIC, systems=(), valid_to=None),
    ),
}
MESSAGE_IDS = {
    "RegApplication.xml": "SZPROT-RegApplication-0001",
    "RegApplication-excise.xml": "SZPROT-RegApplication-0002",
    "RepChange-deactivate.xml": "SZPROT-RepChange-0001",
}
CORPUS_FILES = sorted(CORPUS.glob("*.xml"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([MANIFEST])


@pytest.fixture(scope="module")
def schemas(catalog: Catalog) -> dict[str, MessageSchema]:
    return {schema.message_type: schema for schema in catalog}


def validate(schema: MessageSchema, body: bytes) -> list[ErrorDetail]:
    document = parse(body, ParsingSettings())
    return schema.validator.validate(document.root, body)


def root_of(body: bytes) -> etree._Element:
    return parse(body, ParsingSettings()).root


def message(root: str, body: str) -> bytes:
    """A SZPROT message: ``body`` is the content after the header."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<szprot:{root} xmlns:szprot="{NS}">\n'
        "  <messageIdentification>T-1</messageIdentification>\n"
        "  <preparationDateAndTime>2026-11-02T09:30:00</preparationDateAndTime>\n"
        f"{body}</szprot:{root}>\n"
    ).encode()


PERSON = "<Person><PESEL>02070803628</PESEL><FirstName>Anna</FirstName><Surname>Nowak</Surname></Person>\n"
PODMIOT_REF = (
    '<Podmiot><Identifiers><Identifier scheme="EORI">PL9876543210000</Identifier></Identifiers></Podmiot>\n'
)


def change(action: str, representation: str = "", podmiot: str = PODMIOT_REF) -> bytes:
    return message("RepChange", f"<Action>{action}</Action>\n{PERSON}{podmiot}{representation}")


# ---------------------------------------------------------------- the schema set


def test_manifest_declares_two_inbound_unrouted_types() -> None:
    schemas = {s.message_type: s for s in load_manifest(MANIFEST)}
    assert set(schemas) == {"RegApplication", "RepChange"}
    for message_type, schema in schemas.items():
        assert schema.root == f"{{{NS}}}{message_type}"
        assert (schema.set_id, schema.system, schema.version) == ("szprot-1.0", "SZPROT", "1.0")
        assert schema.valid_from == datetime(2024, 1, 1, tzinfo=UTC) and schema.valid_to is None
        assert schema.direction.value == "inbound"
        assert schema.routed is False
        assert [role for role, _ in schema.paths.parties] == ["podmiot"]
        assert schema.paths.representative is None and schema.paths.lrn is None


def test_only_szprot_is_unrouted_in_the_whole_catalog() -> None:
    unrouted = {schema.system for schema in load_catalog([SXML]) if not schema.routed}
    assert unrouted == {"SZPROT"}


def test_routed_must_be_a_boolean(tmp_path: Path) -> None:
    # schema_dir points back at the real set, so that only `routed` is wrong
    text = MANIFEST.read_text(encoding="utf-8").replace(
        "routed = false", f'routed = "no"\nschema_dir = "{MANIFEST.parent.as_posix()}"'
    )
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="routed"):
        load_manifest(manifest)


# ---------------------------------------------------------------- the corpus


def test_the_corpus_has_the_expected_samples() -> None:
    assert {p.name for p in CORPUS_FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_sample_validates_and_reads_into_its_application(
    path: Path, catalog: Catalog, schemas: dict[str, MessageSchema]
) -> None:
    body = path.read_bytes()
    root = root_of(body)
    schema = catalog.resolve(str(root.tag), NOW)
    assert schema.system == "SZPROT" and schema.message_type == path.stem.split("-")[0]
    assert validate(schema, body) == []
    assert root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None  # signed
    application = read_application(root)
    assert application == EXPECTED[path.name]
    # the envelope: the message acts for the Podmiot's first identifier
    assert schema.paths.message_id(root) == MESSAGE_IDS[path.name]
    (_, podmiot), *_ = schema.paths.parties
    assert podmiot(root) == application.podmiot.identifiers[0][1]


def test_the_corpus_is_what_the_builder_writes() -> None:
    for path in CORPUS_FILES:
        body = strip_signature(path.read_bytes())
        application = read_application(root_of(body))
        params = SampleParams(message_id=MESSAGE_IDS[path.name])
        assert build_application(application, params) == body


def test_datetimes_of_the_corpus_applications_are_aware() -> None:
    for path in CORPUS_FILES:
        request = read_application(root_of(path.read_bytes())).representation
        for moment in (request.valid_from, request.valid_to):
            assert moment is None or moment.tzinfo is not None


# ---------------------------------------------------------------- the reader


def test_registration_with_every_optional_part(schemas: dict[str, MessageSchema]) -> None:
    body = message(
        "RegApplication",
        "<Person><PESEL>44051401359</PESEL><FirstName>Jan</FirstName><Surname>Kowalski</Surname>"
        "<EORI>PL4405140135900</EORI></Person>\n"
        "<Podmiot><Name>Jan Kowalski Transport (TEST)</Name><Kind>person</Kind><DataSource>CEIDG</DataSource>"
        '<Identifiers><Identifier scheme="PESEL">44051401359</Identifier>'
        '<Identifier scheme="REGON">12345678901234</Identifier>'
        '<Identifier scheme="AKCR">PL0000000000A</Identifier>'
        '<Identifier scheme="AKCR">PL0000000000B</Identifier></Identifiers></Podmiot>\n'
        "<Representation><Scope>basic</Scope><Systems><System>NCTS2</System><System>AES</System></Systems>"
        "<ValidFrom>2026-12-01T00:00:00</ValidFrom><ValidTo>2027-12-01T00:00:00.5+01:00</ValidTo>"
        "</Representation>\n",
    )
    assert validate(schemas["RegApplication"], body) == []
    assert read_application(root_of(body)) == Application(
        kind=ApplicationKind.REGISTER,
        person=ApplicantPerson("44051401359", "Jan", "Kowalski", eori="PL4405140135900"),
        podmiot=PodmiotData(
            name="Jan Kowalski Transport (TEST)",
            kind="person",
            # document order, not sorted
            identifiers=(
                ("PESEL", "44051401359"),
                ("REGON", "12345678901234"),
                ("AKCR", "PL0000000000A"),
                ("AKCR", "PL0000000000B"),
            ),
            data_source="CEIDG",
        ),
        representation=RepresentationRequest(
            scope=Scope.BASIC,
            systems=("NCTS2", "AES"),
            # no zone: UTC
            valid_from=datetime(2026, 12, 1, tzinfo=UTC),
            valid_to=datetime(2027, 11, 30, 23, 0, 0, 500000, tzinfo=UTC),
        ),
    )
    request = read_application(root_of(body)).representation
    assert request.valid_from is not None and request.valid_from.utcoffset() is not None


def test_registration_without_optional_parts(schemas: dict[str, MessageSchema]) -> None:
    body = message(
        "RegApplication",
        PERSON + "<Podmiot><Name>X (TEST)</Name><Kind>organisation</Kind><Identifiers>"
        '<Identifier scheme="NIP">5260250274</Identifier></Identifiers></Podmiot>\n'
        "<Representation><Scope>extended</Scope><Systems><AllSystems/></Systems></Representation>\n",
    )
    assert validate(schemas["RegApplication"], body) == []
    application = read_application(root_of(body))
    assert application.person.eori is None
    assert application.podmiot.data_source is None
    assert application.podmiot.identifiers == (("NIP", "5260250274"),)
    assert application.representation == RepresentationRequest(scope=Scope.EXTENDED)


def test_update_reads_scope_systems_and_validity(schemas: dict[str, MessageSchema]) -> None:
    body = change(
        "update",
        "<Representation><Scope>extended</Scope><Systems><System>EMCSPL2</System></Systems>"
        "<ValidTo>2027-01-01T00:00:00Z</ValidTo></Representation>\n",
        podmiot="<Podmiot><Name>Agencja (TEST)</Name><Kind>agency</Kind><Identifiers>"
        '<Identifier scheme="EORI">PL9876543210000</Identifier></Identifiers></Podmiot>\n',
    )
    assert validate(schemas["RepChange"], body) == []
    application = read_application(root_of(body))
    assert application.kind is ApplicationKind.UPDATE
    assert application.person == ANNA
    assert application.podmiot == PodmiotData("Agencja (TEST)", "agency", (("EORI", "PL9876543210000"),))
    assert application.representation == RepresentationRequest(
        scope=Scope.EXTENDED, systems=("EMCSPL2",), valid_to=datetime(2027, 1, 1, tzinfo=UTC)
    )


def test_deactivation_with_an_end(schemas: dict[str, MessageSchema]) -> None:
    body = change(
        "deactivate", "<Representation><ValidTo>2026-12-31T23:00:00+00:00</ValidTo></Representation>\n"
    )
    assert validate(schemas["RepChange"], body) == []
    application = read_application(root_of(body))
    assert application.kind is ApplicationKind.DEACTIVATE
    assert application.podmiot == PodmiotData("", "", (("EORI", "PL9876543210000"),))
    # the scope is a placeholder: a deactivation has none
    assert application.representation == RepresentationRequest(
        scope=Scope.BASIC, valid_to=datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    )


def test_deactivation_without_representation_revokes(schemas: dict[str, MessageSchema]) -> None:
    body = change("deactivate")
    assert validate(schemas["RepChange"], body) == []
    assert read_application(root_of(body)).representation == RepresentationRequest(scope=Scope.BASIC)


def test_the_signature_is_never_read() -> None:
    body = (CORPUS / "RegApplication.xml").read_bytes()
    # a decoy inside ds:Signature, unqualified like the message's own parts
    decoy = (
        b"<ds:Object><Person><PESEL>44051401359</PESEL></Person>"
        b'<Identifiers><Identifier scheme="EORI">PL1</Identifier></Identifiers></ds:Object></ds:Signature>'
    )
    tampered = body.replace(b"</ds:Signature>", decoy)
    assert tampered != body
    assert read_application(root_of(tampered)) == EXPECTED["RegApplication.xml"]


def test_an_unknown_root_is_no_application() -> None:
    with pytest.raises(ValueError, match="CC015C"):
        read_application(etree.fromstring(b'<n:CC015C xmlns:n="urn:x"/>'))


# ---------------------------------------------------------------- JSON


def test_round_trip_through_json_for_every_sample() -> None:
    for application in EXPECTED.values():
        data = application_as_dict(application)
        assert application_from_dict(json.loads(json.dumps(data))) == application


def test_as_dict_is_plain_json_with_iso_datetimes() -> None:
    application = Application(
        kind=ApplicationKind.UPDATE,
        person=ApplicantPerson("44051401359", "Jan", "Kowalski", eori="PL4405140135900"),
        podmiot=PodmiotData("Firma (TEST)", "company", (("EORI", "PL1"), ("AKCR", "PL00000000002")), "KRS"),
        representation=RepresentationRequest(
            scope=Scope.EXTENDED,
            systems=("NCTS2", "AES"),
            valid_from=datetime(2026, 12, 1, tzinfo=UTC),
            valid_to=datetime(2027, 12, 1, 12, 30, tzinfo=UTC),
        ),
    )
    data = application_as_dict(application)
    assert data == {
        "kind": "update",
        "person": {
            "pesel": "44051401359",
            "first_name": "Jan",
            "surname": "Kowalski",
            "eori": "PL4405140135900",
        },
        "podmiot": {
            "name": "Firma (TEST)",
            "kind": "company",
            "identifiers": [["EORI", "PL1"], ["AKCR", "PL00000000002"]],
            "data_source": "KRS",
        },
        "representation": {
            "scope": "extended",
            "systems": ["NCTS2", "AES"],
            "valid_from": "2026-12-01T00:00:00+00:00",
            "valid_to": "2027-12-01T12:30:00+00:00",
        },
    }
    restored = application_from_dict(json.loads(json.dumps(data)))
    assert restored == application
    assert isinstance(restored.podmiot.identifiers, tuple) and isinstance(
        restored.representation.systems, tuple
    )
    assert (
        restored.representation.valid_to is not None and restored.representation.valid_to.tzinfo is not None
    )


# ---------------------------------------------------------------- the builders


def test_builders_are_registered_and_their_output_reads_back(schemas: dict[str, MessageSchema]) -> None:
    assert message_types()["RegApplication"] == "SZPROT"
    assert message_types()["RepChange"] == "SZPROT"
    for message_type in ("RegApplication", "RepChange"):
        params = SampleParams(message_id=f"ID-{message_type}", party="PL1234567890000", seed=1)
        body = build(message_type, params)
        assert body == build(message_type, params)
        assert validate(schemas[message_type], body) == []
        application = read_application(root_of(body))
        assert application.podmiot.identifiers[0] == ("EORI", "PL1234567890000")
        assert schemas[message_type].paths.message_id(root_of(body)) == f"ID-{message_type}"


def test_build_application_writes_what_the_reader_reads(schemas: dict[str, MessageSchema]) -> None:
    applications = [
        *EXPECTED.values(),
        Application(
            kind=ApplicationKind.UPDATE,
            person=replace(JAN, eori="PL4405140135900"),
            podmiot=PodmiotData("", "", (("NIP", "5260250274"),)),
            representation=RepresentationRequest(
                scope=Scope.BASIC, systems=("AES",), valid_from=datetime(2026, 1, 1, tzinfo=UTC)
            ),
        ),
        Application(
            kind=ApplicationKind.DEACTIVATE,
            person=ANNA,
            podmiot=PodmiotData("", "", (("EORI", "PL9876543210000"),)),
            representation=RepresentationRequest(
                scope=Scope.BASIC, valid_to=datetime(2027, 1, 1, tzinfo=UTC)
            ),
        ),
    ]
    for application in applications:
        body = build_application(application, SampleParams())
        message_type = "RegApplication" if application.kind is ApplicationKind.REGISTER else "RepChange"
        assert validate(schemas[message_type], body) == [], body.decode()
        assert read_application(root_of(body)) == application


# ---------------------------------------------------------------- what the schema refuses


def _errors(schema: MessageSchema, body: bytes) -> list[str]:
    return [f"{e.path}: {e.message}" for e in validate(schema, body)]


REGISTRATION = (CORPUS / "RegApplication.xml").read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "where", "why"),
    [
        (b"<PESEL>02070803628</PESEL>", b"<PESEL>02070803629</PESEL>", "Person/PESEL", "checksum"),
        (b">9876543210<", b">9876543211<", "Identifier[2]", "checksum"),
        (b'scheme="NIP">9876543210', b'scheme="REGON">9876543210', "Identifier[2]", "pattern"),
        (b'scheme="NIP"', b'scheme="IDSISC"', "Identifier[2]", "IDSISC"),
        (b'scheme="NIP">9876543210', b'scheme="EORI">PL5260250274000', "Identifiers", "at most once"),
        (b"<AllSystems/>", b"<System>AES</System><System>AES</System>", "Systems", "listed twice"),
        (b"<AllSystems/>", b"<System>ICS</System>", "Systems/System", "must be one of"),
        (b"<Kind>agency</Kind>", b"<Kind>bank</Kind>", "Kind", "must be one of"),
        (b"<Scope>extended</Scope>", b"<Scope>full</Scope>", "Scope", "must be one of"),
    ],
)
def test_registration_refusals(
    old: bytes, new: bytes, where: str, why: str, schemas: dict[str, MessageSchema]
) -> None:
    body = strip_signature(REGISTRATION)
    assert old in body
    errors = _errors(schemas["RegApplication"], body.replace(old, new, 1))
    assert errors, "the broken message was accepted"
    assert any(where in error and why in error for error in errors), errors


def test_hour_24_is_refused(schemas: dict[str, MessageSchema]) -> None:
    body = change("deactivate", "<Representation><ValidTo>2026-12-31T24:00:00Z</ValidTo></Representation>\n")
    assert _errors(schemas["RepChange"], body)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (change("update"), "an update needs Representation with Scope and Systems"),
        (
            change("update", "<Representation><Scope>basic</Scope></Representation>\n"),
            "an update needs Representation with Scope and Systems",
        ),
        (
            change("deactivate", "<Representation><Scope>basic</Scope></Representation>\n"),
            "a deactivation takes no Representation but its ValidTo",
        ),
        (
            change("deactivate", podmiot="<Podmiot><Identifiers/></Podmiot>\n"),
            "Identifiers",
        ),
        (change("suspend"), "Action: value must be one of"),
    ],
)
def test_change_refusals(body: bytes, why: str, schemas: dict[str, MessageSchema]) -> None:
    errors = _errors(schemas["RepChange"], body)
    assert any(why in error for error in errors), errors
