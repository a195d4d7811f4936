"""The PDR migration file: persons and their representations exported from the legacy PDR registry.

``parse_pdr`` is a pure function from the file's text to frozen values; it checks the whole file
and raises :class:`PdrFormatError` carrying every error found (line, column, message), so that
one run of ``gateway registry pdr import FILE`` shows everything to fix. The format is described
in docs/registry.md ("PDR migration file").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from gateway.core.domain import SYSTEMS
from gateway.core.registry.model import (
    DATA_SOURCES,
    IDENTIFIER_SCHEMES,
    PODMIOT_KINDS,
    PodmiotData,
    Scope,
    id_sisc_for,
)
from gateway.core.signature.identity import pesel_is_valid
from gateway.core.timefmt import parse_rfc3339

# --- the values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PdrPerson:
    pesel: str
    first_name: str
    surname: str
    eori: str | None
    #: the ID SISC PDR already assigned; None: derive it with ``id_sisc_for``
    id_sisc: str | None
    #: the one-time code, in clear: the importer stores only its hash
    link_code: str
    #: SHA-256 fingerprints (lower-case hex) of the person's CBTD key certificates
    cbtd_sha256: tuple[str, ...]
    #: SHA-256 fingerprints (lower-case hex) of the person's SC certificates
    sc_sha256: tuple[str, ...]
    #: the first line of the file naming the person
    line: int

    def __repr__(self) -> str:  # keeps the one-time code out of logs and tracebacks
        return (
            f"PdrPerson(pesel={self.pesel!r}, first_name={self.first_name!r}, surname={self.surname!r}, "
            f"eori={self.eori!r}, id_sisc={self.id_sisc!r}, link_code='***', "
            f"cbtd_sha256={self.cbtd_sha256!r}, sc_sha256={self.sc_sha256!r}, line={self.line})"
        )


@dataclass(frozen=True, slots=True)
class PdrRepresentation:
    #: the representative (a :class:`PdrPerson` of the same file)
    pesel: str
    podmiot: PodmiotData
    scope: Scope
    #: empty: all systems (``*``)
    systems: tuple[str, ...]
    valid_from: datetime
    #: exclusive; None: open-ended
    valid_to: datetime | None
    granted_by: str | None
    pdr_id: str | None
    line: int


@dataclass(frozen=True, slots=True)
class PdrFile:
    persons: tuple[PdrPerson, ...]
    representations: tuple[PdrRepresentation, ...]


@dataclass(frozen=True, slots=True)
class PdrError:
    #: 1-based line of the file (the first line of a row that spans several)
    line: int
    #: the column at fault; None when the error concerns a whole row or the file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class PdrFormatError(Exception):
    """The file cannot be imported; ``errors`` lists every error found, by line."""

    def __init__(self, errors: Iterable[PdrError]) -> None:
        self.errors: tuple[PdrError, ...] = tuple(sorted(errors, key=lambda error: error.line))
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the PDR file:\n" + self.report())

    def report(self) -> str:
        return "\n".join(str(error) for error in self.errors)


# --- cell formats: each parser normalises a stripped, non-empty cell or raises _Invalid ---------


class _Invalid(ValueError):
    pass


T = TypeVar("T")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MIN_LINK_CODE = 8


def _pesel(value: str) -> str:
    if not re.fullmatch(r"\d{11}", value):
        raise _Invalid(f"a PESEL is 11 digits, not {value!r}")
    if not pesel_is_valid(value):
        raise _Invalid(f"PESEL {value} fails its checksum")
    return value


def nip_is_valid(nip: str) -> bool:
    """10 digits; the weighted sum of the first nine mod 11 is the tenth (a remainder of 10: invalid)."""
    if not re.fullmatch(r"\d{10}", nip):
        return False
    remainder = sum(int(d) * w for d, w in zip(nip[:9], _NIP_WEIGHTS, strict=True)) % 11
    return remainder != 10 and remainder == int(nip[9])


def _nip(value: str) -> str:
    nip = value.replace("-", "")
    if not re.fullmatch(r"\d{10}", nip):
        raise _Invalid(f"a NIP is 10 digits, not {value!r}")
    if not nip_is_valid(nip):
        raise _Invalid(f"NIP {nip} fails its checksum")
    return nip


def _matching(pattern: str, normalise: Callable[[str], str], rule: str) -> Callable[[str], str]:
    """A column parser: the value, normalised, must match ``pattern``; ``rule`` says what it must be."""
    compiled = re.compile(pattern)

    def parse(value: str) -> str:
        normalised = normalise(value)
        if not compiled.fullmatch(normalised):
            raise _Invalid(f"{rule}, not {value!r}")
        return normalised

    return parse


def _as_is(value: str) -> str:
    return value


_regon = _matching(r"\d{9}|\d{14}", _as_is, "a REGON is 9 or 14 digits")
_eori = _matching(
    r"[A-Z]{2}[0-9A-Z]{1,15}", str.upper, "an EORI is a country code and 1 to 15 letters or digits"
)
_id_sisc = _matching(
    r"[A-Z]{2}[0-9A-Z]{15}", str.upper, "an ID SISC is a country code and 15 letters or digits"
)
_sha256 = _matching(r"[0-9a-f]{64}", str.lower, "a SHA-256 fingerprint is 64 hexadecimal digits")
_akcr = _matching(r"PL[0-9A-Z]{11}", str.upper, "an excise number (AKC-R) is PL and 11 letters or digits")


def _link_code(value: str) -> str:
    if len(value) < MIN_LINK_CODE:
        raise _Invalid(f"the one-time code must have at least {MIN_LINK_CODE} characters")
    if _CONTROL.search(value):
        raise _Invalid("the one-time code contains a control character")
    return value


def _listed(item: Callable[[str], str]) -> Callable[[str], tuple[str, ...]]:
    """A space-separated list of ``item`` values, none twice, in the file's order."""

    def parse(value: str) -> tuple[str, ...]:
        items = tuple(item(part) for part in value.split())
        twice = sorted({i for i in items if items.count(i) > 1})
        if twice:
            raise _Invalid(f"listed twice: {' '.join(twice)}")
        return items

    return parse


def _choice(choices: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        normalised = value.upper() if upper else value.lower()
        if normalised not in choices:
            raise _Invalid(f"{value!r} is not one of {', '.join(choices)}")
        return normalised

    return parse


def _scope(value: str) -> Scope:
    try:
        return Scope(value.lower())
    except ValueError:
        raise _Invalid(f"{value!r} is not one of {', '.join(Scope)}") from None


def _systems(value: str) -> tuple[str, ...]:
    """``*``: all systems (the empty tuple); else some of SYSTEMS, returned in SYSTEMS' order."""
    if value == "*":
        return ()
    named = _listed(lambda part: part.upper())(value)
    unknown = [s for s in named if s not in SYSTEMS]
    if unknown:
        raise _Invalid(f"unknown system {' '.join(unknown)}: use * for all, or some of {' '.join(SYSTEMS)}")
    return tuple(s for s in SYSTEMS if s in named)


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time (with its offset), or a date meaning 00:00 UTC; returned in UTC.
    Also what the registry's CLI and admin API take (gateway/channels/operations.py)."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            return parse_rfc3339(value, date_only=True)
        normalised = value.upper().replace(" ", "T", 1)
        if _DATE_TIME.fullmatch(normalised):
            return parse_rfc3339(normalised)
    except ValueError:
        raise _Invalid(f"{value!r} is not a valid date or time") from None
    raise _Invalid(
        f"{value!r} is neither a date (2024-05-01) nor an RFC 3339 date-time (2024-05-01T08:00:00Z)"
    )


def _text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise _Invalid(f"longer than {max_length} characters")
        if _CONTROL.search(value):
            raise _Invalid("contains a control character (line break, tab, ...)")
        return value

    return parse


# --- the columns --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column(Generic[T]):
    name: str
    parse: Callable[[str], T]
    #: required in the header and on every row
    required: bool = False
    #: never shown in error messages (the one-time code)
    secret: bool = False


PESEL = _Column("pesel", _pesel, required=True)
FIRST_NAME = _Column("first_name", _text(100), required=True)
SURNAME = _Column("surname", _text(100), required=True)
PERSON_EORI = _Column("person_eori", _eori)
ID_SISC = _Column("id_sisc", _id_sisc)
LINK_CODE = _Column("link_code", _link_code, required=True, secret=True)
CBTD_SHA256 = _Column("cbtd_sha256", _listed(_sha256))
SC_SHA256 = _Column("sc_sha256", _listed(_sha256))
PODMIOT_NAME = _Column("podmiot_name", _text(300))
PODMIOT_KIND = _Column("podmiot_kind", _choice(PODMIOT_KINDS))
PODMIOT_DATA_SOURCE = _Column("podmiot_data_source", _choice(DATA_SOURCES, upper=True))
PODMIOT_EORI = _Column("podmiot_eori", _eori)
PODMIOT_NIP = _Column("podmiot_nip", _nip)
PODMIOT_REGON = _Column("podmiot_regon", _regon)
PODMIOT_PESEL = _Column("podmiot_pesel", _pesel)
PODMIOT_EXCISE = _Column("podmiot_excise", _listed(_akcr))
SCOPE = _Column("scope", _scope)
SYSTEMS_COLUMN = _Column("systems", _systems)
VALID_FROM = _Column("valid_from", parse_instant)
VALID_TO = _Column("valid_to", parse_instant)
GRANTED_BY = _Column("granted_by", _text(200))
PDR_ID = _Column("pdr_id", _text(64))

#: every column of the format, by name, in the documented order
COLUMNS: Mapping[str, _Column[Any]] = {
    column.name: column
    for column in (
        PESEL,
        FIRST_NAME,
        SURNAME,
        PERSON_EORI,
        ID_SISC,
        LINK_CODE,
        CBTD_SHA256,
        SC_SHA256,
        PODMIOT_NAME,
        PODMIOT_KIND,
        PODMIOT_DATA_SOURCE,
        PODMIOT_EORI,
        PODMIOT_NIP,
        PODMIOT_REGON,
        PODMIOT_PESEL,
        PODMIOT_EXCISE,
        SCOPE,
        SYSTEMS_COLUMN,
        VALID_FROM,
        VALID_TO,
        GRANTED_BY,
        PDR_ID,
    )
}
PERSON_COLUMNS: tuple[_Column[Any], ...] = (
    PESEL,
    FIRST_NAME,
    SURNAME,
    PERSON_EORI,
    ID_SISC,
    LINK_CODE,
    CBTD_SHA256,
    SC_SHA256,
)
_IDENTIFIER_COLUMN: dict[str, _Column[Any]] = {
    "EORI": PODMIOT_EORI,
    "NIP": PODMIOT_NIP,
    "REGON": PODMIOT_REGON,
    "PESEL": PODMIOT_PESEL,
    "AKCR": PODMIOT_EXCISE,
}
#: the identifier columns of a Podmiot, by scheme, in IDENTIFIER_SCHEMES' order (no IDSISC column:
#: a Podmiot's ID SISC is assigned by the registry)
IDENTIFIER_COLUMNS: Mapping[str, _Column[Any]] = {
    scheme: _IDENTIFIER_COLUMN[scheme] for scheme in IDENTIFIER_SCHEMES if scheme in _IDENTIFIER_COLUMN
}
PODMIOT_COLUMNS: tuple[_Column[Any], ...] = (
    PODMIOT_NAME,
    PODMIOT_KIND,
    PODMIOT_DATA_SOURCE,
    *IDENTIFIER_COLUMNS.values(),
)
REPRESENTATION_COLUMNS: tuple[_Column[Any], ...] = (
    SCOPE,
    SYSTEMS_COLUMN,
    VALID_FROM,
    VALID_TO,
    GRANTED_BY,
    PDR_ID,
)


# --- one row ------------------------------------------------------------------------------------


class _Row:
    """One data row: every cell present parsed through its column's format, errors collected."""

    def __init__(self, line: int, cells: Mapping[str, str], errors: list[PdrError]) -> None:
        self.line = line
        self._errors = errors
        self._raw = {name: cells.get(name, "").strip() for name in COLUMNS}
        self._values: dict[str, object] = {}
        self._bad: set[str] = set()
        for name, value in self._raw.items():
            if value:
                try:
                    self._values[name] = COLUMNS[name].parse(value)
                except _Invalid as invalid:
                    self.error(name, str(invalid))
                    self._bad.add(name)

    def error(self, column: str | None, message: str) -> None:
        self._errors.append(PdrError(self.line, column, message))

    def given(self, column: _Column[Any]) -> bool:
        """The cell is not empty (valid or not)."""
        return bool(self._raw[column.name])

    def get(self, column: _Column[T]) -> T | None:
        """The parsed value; None when the cell is empty or invalid."""
        return cast("T | None", self._values.get(column.name))

    def valid(self, columns: Iterable[_Column[Any]]) -> bool:
        return not any(column.name in self._bad for column in columns)

    def require(self, columns: Iterable[_Column[Any]], why: str) -> bool:
        missing = [column for column in columns if not self.given(column)]
        for column in missing:
            self.error(column.name, f"required {why}")
        return not missing


# --- the whole file -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Seen:
    line: int
    pesel: str


@dataclass(slots=True)
class _SeenPodmiot:
    line: int
    podmiot: PodmiotData


class _Parser:
    def __init__(self) -> None:
        self.errors: list[PdrError] = []
        self.persons: dict[str, tuple[PdrPerson, dict[str, object]]] = {}
        self.representations: list[PdrRepresentation] = []
        #: by person and Podmiot (rows sharing an identifier have the same identifiers, else an error)
        self.by_pair: dict[tuple[str, tuple[tuple[str, str], ...]], list[PdrRepresentation]] = {}
        self.fingerprints: dict[str, _Seen] = {}
        self.id_siscs: dict[str, _Seen] = {}
        self.podmioty: dict[tuple[str, str], _SeenPodmiot] = {}
        self.pdr_ids: dict[str, int] = {}

    # -- header

    def header(self, line: int, names: list[str]) -> list[str]:
        names = [name.strip() for name in names]
        for index, name in enumerate(names):
            if not name:
                self.errors.append(PdrError(line, None, f"column {index + 1} of the header has no name"))
            elif names.index(name) < index:
                self.errors.append(PdrError(line, name, "column named twice in the header"))
            elif name not in COLUMNS:
                self.errors.append(
                    PdrError(line, name, f"unknown column; the columns are: {', '.join(COLUMNS)}")
                )
        for column in COLUMNS.values():
            if column.required and column.name not in names:
                self.errors.append(PdrError(line, column.name, "required column missing from the header"))
        return names

    # -- a data row

    def row(self, line: int, header: list[str], cells: list[str]) -> None:
        if len(cells) != len(header):
            self.errors.append(PdrError(line, None, f"{len(cells)} fields, the header has {len(header)}"))
            return
        # a column missing from the header was reported once there, not on every row
        named = {name: value for name, value in zip(header, cells, strict=True) if name in COLUMNS}
        row = _Row(line, named, self.errors)
        required = [column for column in PERSON_COLUMNS if column.required]
        complete = row.require([c for c in required if c.name in header], "on every row")
        complete = complete and all(column.name in header for column in required)
        person = self.person(row) if complete and row.valid(PERSON_COLUMNS) else None

        if any(row.given(column) for column in PODMIOT_COLUMNS):
            self.representation(row, person)
        else:
            for column in REPRESENTATION_COLUMNS:
                if row.given(column):
                    row.error(column.name, "given on a row without a Podmiot")

    def person(self, row: _Row) -> PdrPerson | None:
        pesel = row.get(PESEL)
        if pesel is None:
            return None
        values = {column.name: row.get(column) for column in PERSON_COLUMNS}
        if pesel in self.persons:
            first, first_values = self.persons[pesel]
            consistent = True
            for column in PERSON_COLUMNS:
                mine, theirs = values[column.name], first_values[column.name]
                if _comparable(mine) != _comparable(theirs):
                    consistent = False
                    shown = "" if column.secret else f" ({_shown(theirs)} there, {_shown(mine)} here)"
                    row.error(column.name, f"differs from line {first.line} for PESEL {pesel}{shown}")
            return first if consistent else None
        person = PdrPerson(
            pesel=pesel,
            first_name=cast(str, values["first_name"]),
            surname=cast(str, values["surname"]),
            eori=row.get(PERSON_EORI),
            id_sisc=row.get(ID_SISC),
            link_code=cast(str, values["link_code"]),
            cbtd_sha256=row.get(CBTD_SHA256) or (),
            sc_sha256=row.get(SC_SHA256) or (),
            line=row.line,
        )
        self.persons[pesel] = (person, values)
        self.check_unique_person(row, person)
        return person

    def check_unique_person(self, row: _Row, person: PdrPerson) -> None:
        """Fingerprints and ID SISC name one person each."""
        for column, fingerprints in ((CBTD_SHA256, person.cbtd_sha256), (SC_SHA256, person.sc_sha256)):
            for fingerprint in fingerprints:
                seen = self.fingerprints.setdefault(fingerprint, _Seen(row.line, person.pesel))
                if seen.line != row.line:
                    whose = "this person" if seen.pesel == person.pesel else f"PESEL {seen.pesel}"
                    row.error(
                        column.name,
                        f"fingerprint {fingerprint} is already that of {whose} (line {seen.line})",
                    )
                elif column is SC_SHA256 and fingerprint in person.cbtd_sha256:
                    row.error(column.name, f"fingerprint {fingerprint} is in cbtd_sha256 too")
        if person.id_sisc:
            id_sisc, column_name = person.id_sisc, ID_SISC.name
        else:
            id_sisc = id_sisc_for(pesel=person.pesel, eori=person.eori)
            column_name = PERSON_EORI.name if person.eori else PESEL.name
        seen = self.id_siscs.setdefault(id_sisc, _Seen(row.line, person.pesel))
        if seen.pesel != person.pesel:
            row.error(
                column_name, f"ID SISC {id_sisc} is already that of PESEL {seen.pesel} (line {seen.line})"
            )

    def representation(self, row: _Row, person: PdrPerson | None) -> None:
        why = "when the row names a Podmiot"
        complete = row.require((PODMIOT_NAME, PODMIOT_KIND), why)
        if not any(row.given(column) for column in IDENTIFIER_COLUMNS.values()):
            names = ", ".join(column.name for column in IDENTIFIER_COLUMNS.values())
            row.error(None, f"a Podmiot needs at least one identifier ({names})")
            complete = False
        complete = row.require((SCOPE, SYSTEMS_COLUMN, VALID_FROM), why) and complete
        valid_from, valid_to = row.get(VALID_FROM), row.get(VALID_TO)
        if valid_from is not None and valid_to is not None and valid_to <= valid_from:
            row.error(VALID_TO.name, f"must be after valid_from ({valid_from.isoformat()})")
            complete = False
        pdr_id = row.get(PDR_ID)
        if pdr_id is not None:
            first = self.pdr_ids.setdefault(pdr_id, row.line)
            if first != row.line:
                row.error(PDR_ID.name, f"pdr_id {pdr_id!r} is already used on line {first}")
        if not complete or not row.valid(PODMIOT_COLUMNS):
            return
        podmiot = self.podmiot(row)
        if podmiot is None or person is None or not row.valid(REPRESENTATION_COLUMNS):
            return
        representation = PdrRepresentation(
            pesel=person.pesel,
            podmiot=podmiot,
            scope=cast(Scope, row.get(SCOPE)),
            systems=cast("tuple[str, ...]", row.get(SYSTEMS_COLUMN)),
            valid_from=cast(datetime, valid_from),
            valid_to=valid_to,
            granted_by=row.get(GRANTED_BY),
            pdr_id=pdr_id,
            line=row.line,
        )
        pair = self.by_pair.setdefault((person.pesel, podmiot.identifiers), [])
        for other in pair:
            if _overlap(other, representation):
                row.error(
                    None,
                    f"duplicates the representation on line {other.line} "
                    "(same person and Podmiot, overlapping validity and systems)",
                )
                return
        pair.append(representation)
        self.representations.append(representation)

    def podmiot(self, row: _Row) -> PodmiotData | None:
        """The row's Podmiot, checked against every earlier row sharing one of its identifiers."""
        identifiers: list[tuple[str, str]] = []
        for scheme, column in IDENTIFIER_COLUMNS.items():
            value = row.get(column)
            if isinstance(value, tuple):
                identifiers.extend((scheme, v) for v in sorted(value))
            elif value is not None:
                identifiers.append((scheme, value))
        podmiot = PodmiotData(
            name=cast(str, row.get(PODMIOT_NAME)),
            kind=cast(str, row.get(PODMIOT_KIND)),
            identifiers=tuple(identifiers),
            data_source=row.get(PODMIOT_DATA_SOURCE),
        )
        earlier: list[_SeenPodmiot] = []
        for identifier in podmiot.identifiers:
            seen = self.podmioty.get(identifier)
            if seen is not None and seen not in earlier:
                earlier.append(seen)
        consistent = True
        for seen in earlier:
            consistent = _compare_podmioty(row, seen, podmiot) and consistent
        if not consistent:
            return None
        if not earlier:
            entry = _SeenPodmiot(row.line, podmiot)
            for identifier in podmiot.identifiers:
                self.podmioty[identifier] = entry
        return podmiot

    def result(self) -> PdrFile:
        if self.errors:
            raise PdrFormatError(self.errors)
        return PdrFile(
            persons=tuple(person for person, _ in self.persons.values()),
            representations=tuple(self.representations),
        )


def _comparable(value: object) -> object:
    """Lists of fingerprints compare as sets: their order carries no meaning."""
    return frozenset(value) if isinstance(value, tuple) else value


def _shown(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, tuple):
        return " ".join(value) or "empty"
    return repr(value)


def _compare_podmioty(row: _Row, seen: _SeenPodmiot, podmiot: PodmiotData) -> bool:
    first = seen.podmiot
    key = " ".join(f"{scheme} {value}" for scheme, value in first.identifiers)
    differences: list[tuple[str, object, object]] = [
        (PODMIOT_NAME.name, first.name, podmiot.name),
        (PODMIOT_KIND.name, first.kind, podmiot.kind),
        (PODMIOT_DATA_SOURCE.name, first.data_source, podmiot.data_source),
    ]
    for scheme, column in IDENTIFIER_COLUMNS.items():
        differences.append(
            (
                column.name,
                tuple(v for s, v in first.identifiers if s == scheme),
                tuple(v for s, v in podmiot.identifiers if s == scheme),
            )
        )
    consistent = True
    for column_name, theirs, mine in differences:
        if theirs != mine:
            consistent = False
            row.error(
                column_name,
                f"the Podmiot ({key}) has {column_name} {_shown(theirs)} on line {seen.line}, "
                f"{_shown(mine)} here",
            )
    return consistent


def _overlap(a: PdrRepresentation, b: PdrRepresentation) -> bool:
    """Validity overlapping, and at least one system in common (no systems: all of them)."""
    overlap = (b.valid_to is None or a.valid_from < b.valid_to) and (
        a.valid_to is None or b.valid_from < a.valid_to
    )
    systems = not a.systems or not b.systems or not set(a.systems).isdisjoint(b.systems)
    return overlap and systems


def _top_lines(text: str) -> tuple[int, list[str]]:
    """Skips the comment (``#``) and blank lines before the header: returns how many, and the rest."""
    lines = io.StringIO(text, newline="").readlines()
    skipped = 0
    for line in lines:
        if line.startswith("#") or not line.strip():
            skipped += 1
        else:
            break
    return skipped, lines[skipped:]


def parse_pdr(text: str) -> PdrFile:
    """The persons and representations of a PDR migration file; raises :class:`PdrFormatError`
    listing every error of the file."""
    parser = _Parser()
    offset, lines = _top_lines(text.removeprefix("\ufeff"))
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    broken = False
    while True:
        line = offset + reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            # the reader cannot resynchronise after broken quoting: report it and stop
            found = offset + reader.line_num
            at = "" if found == line else f" (found on line {found})"
            parser.errors.append(PdrError(line, None, f"malformed CSV{at}: {error}"))
            broken = True
            break
        if header is None:
            header = parser.header(line, cells)
        elif any(cell.strip() for cell in cells):
            parser.row(line, header, cells)
    if header is None and not broken:
        parser.errors.append(PdrError(offset + 1, None, "the file has no header row"))
    return parser.result()
