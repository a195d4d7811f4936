"""The PDR migration file (docs/registry.md, "PDR migration file"): parse_pdr and its errors."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.core.registry.model import PodmiotData, Scope
from gateway.core.registry.pdr import (
    COLUMNS,
    PdrError,
    PdrFile,
    PdrFormatError,
    PdrPerson,
    PdrRepresentation,
    nip_is_valid,
    parse_pdr,
)
from gateway.core.signature.identity import pesel_is_valid

EXAMPLE = Path(__file__).resolve().parents[2] / "samples" / "registry" / "pdr-example.csv"

JAN_CBTD = "5690bb42249c2fc98e4951ea26c436f6f71b09f1ceff71d8f2f8fcdbf12c7de2"
PIOTR_SC = "a20338f2262ad38ca793072c1c7d60644674736935d0c5ef38960bda3cd41a2f"
MARIA_CBTD = "814e148cdece2297ffd0398d92d64018b58b059c630b22351681bdc05ac5912c"

SPEDYCJA = PodmiotData(
    name="TEST Spedycja Bałtycka, sp. z o.o.",
    kind="company",
    identifiers=(
        ("EORI", "PL526025027400000"),
        ("NIP", "5260250274"),
        ("REGON", "012345675"),
        ("AKCR", "PL00000123AB4"),
    ),
    data_source="KRS",
)
AGENCJA = PodmiotData(
    name="TEST Agencja Celna Portowa",
    kind="agency",
    identifiers=(("EORI", "PL951000222100000"), ("NIP", "9510002221")),
)
NOWAK_CEIDG = PodmiotData(
    name="Anna TEST Nowak Usługi Transportowe",
    kind="person",
    identifiers=(("NIP", "7770001111"), ("PESEL", "02070803628")),
    data_source="CEIDG",
)

EXPECTED_EXAMPLE = PdrFile(
    persons=(
        PdrPerson("44051401359", "Jan", "TEST Kowalski", None, None, "K7Q2-M9XD-4TLP", (JAN_CBTD,), (), 5),
        PdrPerson(
            "02070803628",
            "Anna",
            "TEST Nowak",
            "PL777000111100000",
            "PL777000111100000",
            "QH8N-2RVA-XY5C",
            (),
            (),
            7,
        ),
        PdrPerson(
            "81010200134", "Piotr", "TEST Wiśniewski", None, None, "ZP4W-7MCE-9KJ3", (), (PIOTR_SC,), 9
        ),
        PdrPerson(
            "90090515836", "Maria", "TEST Zielińska-Lis", None, None, "R2D5-8GHT-6WQB", (MARIA_CBTD,), (), 10
        ),
    ),
    representations=(
        PdrRepresentation(
            "44051401359",
            SPEDYCJA,
            Scope.EXTENDED,
            (),
            datetime(2019, 3, 1, tzinfo=UTC),
            None,
            "TEST UC Gdynia",
            "PDR-2019-000417",
            5,
        ),
        PdrRepresentation(
            "44051401359",
            AGENCJA,
            Scope.BASIC,
            ("NCTS2", "AES"),
            datetime(2021, 6, 15, 6, 0, tzinfo=UTC),
            datetime(2026, 1, 1, tzinfo=UTC),
            "TEST UC Gdynia",
            "PDR-2021-001280",
            6,
        ),
        PdrRepresentation(
            "02070803628",
            SPEDYCJA,
            Scope.BASIC,
            ("EMCSPL2",),
            datetime(2022, 1, 10, tzinfo=UTC),
            None,
            "TEST UC Gdynia",
            "PDR-2022-000031",
            7,
        ),
        PdrRepresentation(
            "02070803628",
            NOWAK_CEIDG,
            Scope.EXTENDED,
            (),
            datetime(2020, 9, 1, tzinfo=UTC),
            None,
            "TEST UC Warszawa",
            "PDR-2020-004522",
            8,
        ),
        PdrRepresentation(
            "90090515836",
            AGENCJA,
            Scope.BASIC,
            ("NCTS2",),
            datetime(2023, 2, 1, tzinfo=UTC),
            None,
            None,
            "PDR-2023-000102",
            10,
        ),
    ),
)

# --- building small files -----------------------------------------------------------------------

#: a valid row: Jan acting for the agency
BASE: dict[str, str] = {
    "pesel": "44051401359",
    "first_name": "Jan",
    "surname": "TEST Kowalski",
    "link_code": "K7Q2-M9XD-4TLP",
    "podmiot_name": "TEST Agencja Celna Portowa",
    "podmiot_kind": "agency",
    "podmiot_nip": "9510002221",
    "scope": "basic",
    "systems": "NCTS2",
    "valid_from": "2024-01-01",
}
ANNA: dict[str, str] = {
    "pesel": "02070803628",
    "first_name": "Anna",
    "surname": "TEST Nowak",
    "link_code": "QH8N-2RVA-XY5C",
}
NO_PODMIOT = dict.fromkeys(
    ("podmiot_name", "podmiot_kind", "podmiot_nip", "scope", "systems", "valid_from"), ""
)


def pdr_text(*rows: dict[str, str], header: list[str] | None = None) -> str:
    """A file with the given rows (each BASE with changes), over all columns unless told."""
    header = header if header is not None else list(COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for changes in rows:
        row = {**BASE, **changes}
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def errors_of(text: str) -> tuple[PdrError, ...]:
    with pytest.raises(PdrFormatError) as raised:
        parse_pdr(text)
    return raised.value.errors


def where(errors: tuple[PdrError, ...]) -> list[tuple[int, str | None]]:
    return [(error.line, error.column) for error in errors]


# --- the example file ---------------------------------------------------------------------------


def test_the_example_file_parses_into_the_expected_values() -> None:
    assert parse_pdr(EXAMPLE.read_text(encoding="utf-8")) == EXPECTED_EXAMPLE


def test_the_example_file_uses_valid_identifiers() -> None:
    parsed = parse_pdr(EXAMPLE.read_text(encoding="utf-8"))
    assert all(pesel_is_valid(person.pesel) for person in parsed.persons)
    nips = {v for r in parsed.representations for s, v in r.podmiot.identifiers if s == "NIP"}
    assert nips and all(nip_is_valid(nip) for nip in nips)
    text = EXAMPLE.read_text(encoding="utf-8")
    assert all("TEST" in f"{p.first_name} {p.surname}" for p in parsed.persons)
    assert all("TEST" in r.podmiot.name for r in parsed.representations)
    assert "KRS" in text


def test_a_bom_crlf_line_ends_and_no_comments_change_nothing_but_lines() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    without_comments = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    shifted = parse_pdr("\ufeff" + without_comments.replace("\n", "\r\n"))
    assert [p.line for p in shifted.persons] == [2, 4, 6, 7]
    assert [r.line for r in shifted.representations] == [2, 3, 4, 5, 7]
    assert [p.pesel for p in shifted.persons] == [p.pesel for p in EXPECTED_EXAMPLE.persons]
    assert [r.podmiot for r in shifted.representations] == [
        r.podmiot for r in EXPECTED_EXAMPLE.representations
    ]


def test_a_bom_before_the_header_is_tolerated() -> None:
    parsed = parse_pdr("\ufeff" + pdr_text({}))
    assert parsed.persons[0].pesel == "44051401359"
    assert parsed.persons[0].line == 2


# --- values -------------------------------------------------------------------------------------


def test_quoted_fields_keep_commas_and_quotes() -> None:
    text = pdr_text({"podmiot_name": 'TEST "Bałtyk", Import, Eksport S.A.', "granted_by": "TEST UC, Gdynia"})
    assert '"TEST ""Bałtyk"", Import, Eksport S.A."' in text
    (representation,) = parse_pdr(text).representations
    assert representation.podmiot.name == 'TEST "Bałtyk", Import, Eksport S.A.'
    assert representation.granted_by == "TEST UC, Gdynia"


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out() -> None:
    header = ["valid_from", "systems", "scope", "podmiot_nip", "podmiot_kind", "podmiot_name"]
    header += ["link_code", "surname", "first_name", "pesel"]
    parsed = parse_pdr(pdr_text({}, header=header))
    assert parsed.representations[0].podmiot.identifiers == (("NIP", "9510002221"),)
    assert parsed.representations[0].valid_to is None


def test_values_are_normalised() -> None:
    text = pdr_text(
        {
            "person_eori": " pl777000111100000 ",
            "cbtd_sha256": JAN_CBTD.upper() + "  " + MARIA_CBTD,
            "podmiot_kind": "Agency",
            "podmiot_data_source": "krs",
            "podmiot_nip": "951-000-22-21",
            "podmiot_excise": "pl00000999zz9 PL00000123AB4",
            "scope": "EXTENDED",
            "systems": "emcspl2 NCTS2",
            "valid_from": "2024-05-01t10:30:00.5+02:00",
            "valid_to": "2024-05-02 00:00:00Z",
        }
    )
    parsed = parse_pdr(text)
    (person,), (representation,) = parsed.persons, parsed.representations
    assert person.eori == "PL777000111100000"
    assert person.cbtd_sha256 == (JAN_CBTD, MARIA_CBTD)
    assert representation.podmiot == PodmiotData(
        "TEST Agencja Celna Portowa",
        "agency",
        (("NIP", "9510002221"), ("AKCR", "PL00000123AB4"), ("AKCR", "PL00000999ZZ9")),
        "KRS",
    )
    assert representation.scope is Scope.EXTENDED
    assert representation.systems == ("NCTS2", "EMCSPL2")
    assert representation.valid_from == datetime(2024, 5, 1, 8, 30, 0, 500000, tzinfo=UTC)
    assert representation.valid_to == datetime(2024, 5, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(
            {"valid_to": "2024-06-01"}, {"valid_from": "2024-06-01"}, id="one-ends-as-the-next-begins"
        ),
        pytest.param({"systems": "NCTS2"}, {"systems": "AES EMCSPL2"}, id="different-systems"),
        pytest.param({}, {"podmiot_nip": "5260250274", "podmiot_name": "TEST Spedycja"}, id="other-podmiot"),
        pytest.param({}, {**ANNA}, id="other-person"),
    ],
)
def test_representations_that_are_not_duplicates(first: dict[str, str], second: dict[str, str]) -> None:
    assert len(parse_pdr(pdr_text(first, second)).representations) == 2


def test_a_person_row_without_podmiot_next_to_representations_adds_nothing() -> None:
    parsed = parse_pdr(pdr_text({}, NO_PODMIOT))
    assert len(parsed.persons) == 1 and len(parsed.representations) == 1


def test_blank_rows_are_skipped() -> None:
    text = pdr_text({}) + "\n" + ",".join([""] * len(COLUMNS)) + "\n" + pdr_text(ANNA).split("\n", 1)[1]
    parsed = parse_pdr(text)
    assert [p.line for p in parsed.persons] == [2, 5]


def test_a_header_only_file_is_empty() -> None:
    assert parse_pdr(pdr_text()) == PdrFile((), ())


# --- errors -------------------------------------------------------------------------------------

ALL = list(COLUMNS)
ROW_ERRORS = [
    # (id, rows, header, expected [(line, column)], a part of the first message)
    ("bad-pesel-checksum", [{"pesel": "44051401358"}], ALL, [(2, "pesel")], "fails its checksum"),
    ("pesel-not-11-digits", [{"pesel": "4405140135"}], ALL, [(2, "pesel")], "11 digits"),
    ("bad-nip-checksum", [{"podmiot_nip": "5260250275"}], ALL, [(2, "podmiot_nip")], "fails its checksum"),
    ("nip-remainder-10", [{"podmiot_nip": "1234567890"}], ALL, [(2, "podmiot_nip")], "fails its checksum"),
    ("bad-podmiot-pesel", [{"podmiot_pesel": "02070803629"}], ALL, [(2, "podmiot_pesel")], "checksum"),
    ("bad-regon", [{"podmiot_regon": "1234567890"}], ALL, [(2, "podmiot_regon")], "9 or 14 digits"),
    ("bad-podmiot-eori", [{"podmiot_eori": "P1234"}], ALL, [(2, "podmiot_eori")], "an EORI"),
    ("bad-person-eori", [{"person_eori": "PL" + "1" * 16}], ALL, [(2, "person_eori")], "an EORI"),
    ("bad-excise", [{"podmiot_excise": "PL00000123AB4 PL123"}], ALL, [(2, "podmiot_excise")], "AKC-R"),
    (
        "excise-twice",
        [{"podmiot_excise": "PL00000123AB4 pl00000123ab4"}],
        ALL,
        [(2, "podmiot_excise")],
        "twice",
    ),
    ("bad-id-sisc", [{"id_sisc": "PL4405140135900"}], ALL, [(2, "id_sisc")], "an ID SISC"),
    ("unknown-kind", [{"podmiot_kind": "firma"}], ALL, [(2, "podmiot_kind")], "company, organisation"),
    ("unknown-data-source", [{"podmiot_data_source": "GUS"}], ALL, [(2, "podmiot_data_source")], "KRS"),
    ("unknown-scope", [{"scope": "full"}], ALL, [(2, "scope")], "basic, extended"),
    ("unknown-system", [{"systems": "NCTS2 EMCS"}], ALL, [(2, "systems")], "unknown system EMCS"),
    ("star-and-systems", [{"systems": "* NCTS2"}], ALL, [(2, "systems")], "unknown system *"),
    ("system-twice", [{"systems": "AES aes"}], ALL, [(2, "systems")], "listed twice: AES"),
    ("systems-missing", [{"systems": ""}], ALL, [(2, "systems")], "required when the row names a Podmiot"),
    ("bad-date", [{"valid_from": "01.02.2024"}], ALL, [(2, "valid_from")], "neither a date"),
    ("no-offset", [{"valid_from": "2024-02-01T10:00:00"}], ALL, [(2, "valid_from")], "RFC 3339"),
    ("impossible-date", [{"valid_to": "2024-02-30"}], ALL, [(2, "valid_to")], "not a valid date"),
    (
        "valid-to-before-valid-from",
        [{"valid_from": "2024-03-01", "valid_to": "2024-02-01T12:00:00Z"}],
        ALL,
        [(2, "valid_to")],
        "must be after valid_from",
    ),
    ("valid-to-equal", [{"valid_to": "2024-01-01T01:00:00+01:00"}], ALL, [(2, "valid_to")], "after"),
    ("bad-fingerprint", [{"cbtd_sha256": JAN_CBTD + " abc"}], ALL, [(2, "cbtd_sha256")], "64 hexadecimal"),
    ("bad-sc-fingerprint", [{"sc_sha256": JAN_CBTD[:-1] + "g"}], ALL, [(2, "sc_sha256")], "64 hexadecimal"),
    ("fingerprint-twice", [{"cbtd_sha256": f"{JAN_CBTD} {JAN_CBTD}"}], ALL, [(2, "cbtd_sha256")], "twice"),
    (
        "cbtd-and-sc",
        [{"cbtd_sha256": JAN_CBTD, "sc_sha256": JAN_CBTD}],
        ALL,
        [(2, "sc_sha256")],
        "cbtd_sha256 too",
    ),
    (
        "fingerprint-of-two-persons",
        [{"cbtd_sha256": JAN_CBTD}, {**ANNA, "sc_sha256": JAN_CBTD}],
        ALL,
        [(3, "sc_sha256")],
        "already that of PESEL 44051401359 (line 2)",
    ),
    ("short-link-code", [{"link_code": "ABC123"}], ALL, [(2, "link_code")], "at least 8 characters"),
    ("no-link-code", [{"link_code": ""}], ALL, [(2, "link_code")], "required on every row"),
    ("no-surname", [{"surname": " "}], ALL, [(2, "surname")], "required on every row"),
    ("name-too-long", [{"first_name": "J" * 101}], ALL, [(2, "first_name")], "longer than 100"),
    ("unknown-column", [{}], [*ALL, "email"], [(1, "email")], "unknown column"),
    ("column-twice", [{}], [*ALL, "pesel"], [(1, "pesel")], "named twice"),
    ("unnamed-column", [{}], [*ALL, ""], [(1, None)], "has no name"),
    (
        "missing-required-column",
        [{}, ANNA],
        [name for name in ALL if name != "link_code"],
        [(1, "link_code")],
        "required column missing",
    ),
    (
        "inconsistent-person",
        [{}, {"surname": "TEST Kowalsky", "podmiot_nip": "5260250274"}],
        ALL,
        [(3, "surname")],
        "differs from line 2 for PESEL 44051401359 ('TEST Kowalski' there, 'TEST Kowalsky' here)",
    ),
    (
        "inconsistent-fingerprints",
        [{"cbtd_sha256": JAN_CBTD}, NO_PODMIOT],
        ALL,
        [(3, "cbtd_sha256")],
        f"differs from line 2 for PESEL 44051401359 ({JAN_CBTD} there, empty here)",
    ),
    ("podmiot-without-identifier", [{"podmiot_nip": ""}], ALL, [(2, None)], "at least one identifier"),
    (
        "podmiot-without-name",
        [{"podmiot_name": ""}],
        ALL,
        [(2, "podmiot_name")],
        "required when the row names",
    ),
    (
        "podmiot-with-only-a-kind",
        [{**NO_PODMIOT, "podmiot_kind": "company"}],
        ALL,
        [(2, "podmiot_name"), (2, None), (2, "scope"), (2, "systems"), (2, "valid_from")],
        "required when the row names a Podmiot",
    ),
    (
        "representation-without-podmiot",
        [{**NO_PODMIOT, "scope": "basic", "pdr_id": "X-1"}],
        ALL,
        [(2, "scope"), (2, "pdr_id")],
        "given on a row without a Podmiot",
    ),
    (
        "inconsistent-podmiot-name",
        [{}, {**ANNA, "podmiot_name": "TEST Agencja Celna"}],
        ALL,
        [(3, "podmiot_name")],
        "the Podmiot (NIP 9510002221) has podmiot_name 'TEST Agencja Celna Portowa' on line 2, "
        "'TEST Agencja Celna' here",
    ),
    (
        "inconsistent-podmiot-identifiers",
        [{}, {**ANNA, "podmiot_eori": "PL951000222100000"}],
        ALL,
        [(3, "podmiot_eori")],
        "the Podmiot (NIP 9510002221) has podmiot_eori empty on line 2, PL951000222100000 here",
    ),
    (
        "duplicate-representation",
        [{"valid_to": "2025-01-01", "pdr_id": "A"}, {"valid_from": "2024-12-31T23:00:00Z", "pdr_id": "B"}],
        ALL,
        [(3, None)],
        "duplicates the representation on line 2",
    ),
    (
        "duplicate-representation-all-systems",
        [{"systems": "*"}, {"systems": "AES NCTS2", "scope": "extended", "valid_from": "2030-01-01"}],
        ALL,
        [(3, None)],
        "duplicates the representation on line 2",
    ),
    (
        "pdr-id-twice",
        [{"pdr_id": "A"}, {**ANNA, "pdr_id": "A"}],
        ALL,
        [(3, "pdr_id")],
        "already used on line 2",
    ),
    (
        "id-sisc-of-two-persons",
        [{"person_eori": "PL777000111100000"}, {**ANNA, "id_sisc": "pl777000111100000"}],
        ALL,
        [(3, "id_sisc")],
        "ID SISC PL777000111100000 is already that of PESEL 44051401359 (line 2)",
    ),
]


@pytest.mark.parametrize(
    ("rows", "header", "expected", "message"),
    [
        pytest.param(rows, header, expected, message, id=name)
        for name, rows, header, expected, message in ROW_ERRORS
    ],
)
def test_each_error_names_its_line_and_column(
    rows: list[dict[str, str]], header: list[str], expected: list[tuple[int, str | None]], message: str
) -> None:
    errors = errors_of(pdr_text(*rows, header=header))
    assert where(errors) == expected
    assert message in errors[0].message


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        pytest.param("", [(1, None)], "no header", id="empty"),
        pytest.param("# only a comment\n\n", [(3, None)], "no header", id="only-comments"),
        pytest.param(
            pdr_text({}) + "44051401359,Jan\n",
            [(3, None)],
            f"2 fields, the header has {len(COLUMNS)}",
            id="short-row",
        ),
        pytest.param(pdr_text({}) + '44051401359,"Jan\n', [(3, None)], "malformed CSV", id="unclosed-quote"),
        pytest.param('pesel,"first"_name\n', [(1, None)], "malformed CSV", id="text-after-quote"),
    ],
)
def test_file_level_errors(text: str, expected: list[tuple[int, str | None]], message: str) -> None:
    errors = errors_of(text)
    assert where(errors) == expected
    assert message in errors[0].message


def test_every_error_of_the_file_is_reported_in_line_order() -> None:
    text = pdr_text(
        {"pesel": "44051401358", "podmiot_nip": "5260250275"},
        {**ANNA, "systems": "NCTS3", "cbtd_sha256": "xyz"},
        {},
        {"surname": "TEST Kowalsky"},
        header=[*ALL, "notes"],
    )
    assert where(errors_of(text)) == [
        (1, "notes"),
        (2, "pesel"),
        (2, "podmiot_nip"),
        (3, "cbtd_sha256"),
        (3, "systems"),
        (5, "surname"),
    ]


def test_a_row_spanning_lines_is_reported_at_its_first_line_and_later_lines_stay_right() -> None:
    text = pdr_text({"podmiot_name": "TEST Agencja\nCelna"}, {**ANNA, "pesel": "02070803620"})
    assert where(errors_of(text)) == [(2, "podmiot_name"), (4, "pesel")]


def test_comment_lines_count_in_line_numbers() -> None:
    text = "# exported from PDR\n# by TEST\n" + pdr_text({"pesel": "44051401358"})
    assert where(errors_of(text)) == [(4, "pesel")]


def test_the_one_time_code_never_appears_in_errors() -> None:
    secret = "SECRET-CODE-1"
    text = pdr_text({"link_code": secret}, {"link_code": "OTHER-CODE-2", "podmiot_nip": "5260250274"})
    with pytest.raises(PdrFormatError) as raised:
        parse_pdr(text)
    assert where(raised.value.errors) == [(3, "link_code")]
    assert secret not in str(raised.value) and "OTHER-CODE-2" not in str(raised.value)
    assert secret not in repr(parse_pdr(pdr_text({"link_code": secret})))


def test_the_error_report_reads_line_column_message() -> None:
    with pytest.raises(PdrFormatError) as raised:
        parse_pdr(pdr_text({"pesel": "44051401358"}, {"podmiot_nip": ""}))
    assert str(raised.value) == (
        "2 errors in the PDR file:\n"
        "line 2, column pesel: PESEL 44051401358 fails its checksum\n"
        "line 3: a Podmiot needs at least one identifier "
        "(podmiot_eori, podmiot_nip, podmiot_regon, podmiot_pesel, podmiot_excise)"
    )
