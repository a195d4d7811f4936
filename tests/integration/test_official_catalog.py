"""The catalog loads the OFFICIAL EU schema sets unchanged, with a manifest of its own.

The XSDs are read in place from the shared reference folder (never copied into the project):
``<repo>/../shared/reference/`` or ``$GATEWAY_SHARED_DIR/reference/``.  A missing folder fails the
tests: a skip would hide that the proof was never run.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config import ParsingSettings
from gateway.core.errors import ErrorDetail, SchemaNotInbound, SchemaVersionInactive
from gateway.core.validation.catalog import Catalog, CatalogError, MessageSchema, load_catalog
from gateway.core.validation.parsing import ParsedDocument, parse
from gateway.core.validation.xsd import SCHEMA_INVALID

DATA = Path(__file__).resolve().parents[1] / "data" / "official"

NCTS_ROOT = "{http://ncts.dgtaxud.ec}CC015C"
NCTS_XSD_DIR = ("reference", "ncts-p5", "conf", "v2_1", "xsd")
EMCS_NS = "urn:publicid:-:EC:DGTAXUD:EMCS:PHASE4:IE815:V3.23"
EMCS_ROOT = f"{{{EMCS_NS}}}IE815"
EMCS_XSD_DIR = ("reference", "emcs-p4", "app", "xsd", "v2")

#: Inside the window written in the manifests below ([2025-01-01, 2027-01-01)).
IN_2026 = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def shared_dir() -> Path:
    """The folder that contains ``reference/``."""
    override = os.environ.get("GATEWAY_SHARED_DIR")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2].parent / "shared"


def official_xsd_dir(*parts: str) -> Path:
    folder = shared_dir().joinpath(*parts)
    if not folder.is_dir():
        pytest.fail(
            f"official schema folder {folder} is missing: these tests need the shared reference "
            "XSDs (set GATEWAY_SHARED_DIR to the folder that contains reference/)",
            pytrace=False,
        )
    return folder


def ncts_manifest(
    *,
    set_id: str = "ncts-p5-official",
    version: str = "5.15.2",
    xsd_version: str = "1.0",
    direction: str = "inbound",
) -> str:
    schema_dir = official_xsd_dir(*NCTS_XSD_DIR)
    # A TOML literal string: the absolute path is taken as it is (no escapes, Windows included).
    return f"""\
[set]
id = "{set_id}"
system = "NCTS2"
version = "{version}"
valid_from = 2025-01-01T00:00:00Z
valid_to = 2027-01-01T00:00:00Z
xsd_version = "{xsd_version}"
schema_dir = '{schema_dir}'

[[message]]
type = "CC015C"
root = "{NCTS_ROOT}"
xsd = "cc015c.xsd"
direction = "{direction}"

[message.paths]
message_id = "messageIdentification"
lrn = "TransitOperation/LRN"

[message.parties]
holder = "HolderOfTheTransitProcedure/identificationNumber"
representative = "Representative/identificationNumber"
"""


def emcs_manifest(*, xsd_version: str = "1.0") -> str:
    schema_dir = official_xsd_dir(*EMCS_XSD_DIR)
    return f"""\
[set]
id = "emcs-p4-official"
system = "EMCSPL2"
version = "3.23"
valid_from = 2025-01-01
valid_to = 2027-01-01
xsd_version = "{xsd_version}"
schema_dir = '{schema_dir}'

[set.namespaces]
ie = "{EMCS_NS}"
tms = "urn:publicid:-:EC:DGTAXUD:EMCS:PHASE4:TMS:V3.23"

[[message]]
type = "IE815"
root = "{EMCS_ROOT}"
xsd = "ie815.xsd"
direction = "inbound"

[message.paths]
message_id = "ie:Header/tms:MessageIdentifier"
lrn = "ie:Body/ie:SubmittedDraftOfEADESAD/ie:EadEsadDraft/ie:LocalReferenceNumber"

[message.parties]
consignor = "ie:Body/ie:SubmittedDraftOfEADESAD/ie:ConsignorTrader/ie:TraderExciseNumber"
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.toml"
    manifest.write_text(text, encoding="utf-8")
    return manifest


def document(name: str) -> ParsedDocument:
    # The gateway's own hardened parser: line numbers come from the received bytes, as in service.
    return parse((DATA / name).read_bytes(), ParsingSettings())


def validate(schema: MessageSchema, doc: ParsedDocument) -> list[ErrorDetail]:
    return schema.validator.validate(doc.root, doc.body)


def ncts_catalog(tmp_path: Path, **manifest: str) -> Catalog:
    write(tmp_path, ncts_manifest(**manifest))
    return load_catalog([tmp_path])


# --- NCTS phase 5, CC015C ---------------------------------------------------------------------


XSD_VERSIONS = pytest.mark.parametrize("xsd_version", ["1.0", "1.1"])


@XSD_VERSIONS
def test_official_ncts_set_resolves_cc015c(tmp_path: Path, xsd_version: str) -> None:
    catalog = ncts_catalog(tmp_path, xsd_version=xsd_version)

    schema = catalog.resolve(NCTS_ROOT, IN_2026)

    assert (schema.set_id, schema.system, schema.message_type) == ("ncts-p5-official", "NCTS2", "CC015C")
    assert schema.version == "5.15.2"
    assert schema.root == NCTS_ROOT
    assert [s.root for s in catalog] == [NCTS_ROOT]


@XSD_VERSIONS
def test_valid_cc015c_has_no_errors(tmp_path: Path, xsd_version: str) -> None:
    schema = ncts_catalog(tmp_path, xsd_version=xsd_version).resolve(NCTS_ROOT, IN_2026)
    doc = document("ncts-p5-CC015C.xml")

    assert doc.root_qname == NCTS_ROOT
    assert validate(schema, doc) == []
    # The manifest's paths read the official (unqualified-children) layout.
    assert schema.paths.message_id(doc.root) == "MSG-2026-000001"
    assert schema.paths.lrn is not None
    assert schema.paths.lrn(doc.root) == "LRN2026PL000001"
    assert [(role, xpath(doc.root)) for role, xpath in schema.paths.parties] == [
        ("holder", "PL1234567890000")
    ]
    assert schema.paths.representative is not None
    assert schema.paths.representative(doc.root) == ""


# (line, column, path, fragments of the message) of each error in ncts-p5-CC015C-invalid.xml:
# line 9 holds an LRN of 31 characters (at most 22), and <security> (required between
# <additionalDeclarationType> and <reducedDatasetIndicator>) is missing, so line 12 is unexpected.
OPERATION = "/ncts:CC015C/TransitOperation"
EXPECTED_INVALID = {
    # libxml2 reports the missing element at the element found in its place.
    "1.0": [
        (9, 5, f"{OPERATION}/LRN", ("LRN", "maxLength", "22")),
        (12, 5, f"{OPERATION}/reducedDatasetIndicator", ("reducedDatasetIndicator", "security")),
    ],
    # xmlschema reports it at the parent whose content is incomplete.
    "1.1": [
        (9, 5, f"{OPERATION}/LRN", ("22",)),
        (8, 3, OPERATION, ("reducedDatasetIndicator", "security")),
    ],
}


@XSD_VERSIONS
def test_invalid_cc015c_reports_each_error_with_its_position(tmp_path: Path, xsd_version: str) -> None:
    schema = ncts_catalog(tmp_path, xsd_version=xsd_version).resolve(NCTS_ROOT, IN_2026)
    doc = document("ncts-p5-CC015C-invalid.xml")

    errors = validate(schema, doc)

    expected = EXPECTED_INVALID[xsd_version]
    assert [(e.code, e.line, e.path) for e in errors] == [
        (SCHEMA_INVALID, line, path) for line, _, path, _ in expected
    ], errors
    for error, (_, column, _, fragments) in zip(errors, expected, strict=True):
        if error.column is not None:
            assert error.column == column, error
        for fragment in fragments:
            assert fragment in error.message, error


@pytest.mark.parametrize(
    "at",
    [
        datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),  # valid_to is exclusive
        datetime(2030, 6, 1, tzinfo=UTC),
    ],
)
def test_resolve_outside_the_window_is_inactive(tmp_path: Path, at: datetime) -> None:
    catalog = ncts_catalog(tmp_path)

    with pytest.raises(SchemaVersionInactive) as raised:
        catalog.resolve(NCTS_ROOT, at)

    assert raised.value.code == "SCHEMA_VERSION_INACTIVE"
    assert "5.15.2" in raised.value.detail


def test_window_bounds(tmp_path: Path) -> None:
    catalog = ncts_catalog(tmp_path)

    assert catalog.resolve(NCTS_ROOT, datetime(2025, 1, 1, tzinfo=UTC)).version == "5.15.2"
    assert catalog.resolve(NCTS_ROOT, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)).version == "5.15.2"


def test_outbound_only_root_is_not_inbound(tmp_path: Path) -> None:
    catalog = ncts_catalog(tmp_path, direction="outbound")

    with pytest.raises(SchemaNotInbound) as raised:
        catalog.resolve(NCTS_ROOT, IN_2026)

    assert raised.value.code == "SCHEMA_NOT_INBOUND"


def test_the_same_set_declared_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a", ncts_manifest())
    write(tmp_path / "b", ncts_manifest())

    with pytest.raises(CatalogError, match="defined twice"):
        load_catalog([tmp_path])


def test_the_same_set_id_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a", ncts_manifest(version="5.15.2"))
    write(tmp_path / "b", ncts_manifest(version="5.15.3"))

    with pytest.raises(CatalogError, match="set id ncts-p5-official is declared twice"):
        load_catalog([tmp_path])


def test_missing_shared_folder_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_SHARED_DIR", str(tmp_path / "nowhere"))

    with pytest.raises(pytest.fail.Exception, match="GATEWAY_SHARED_DIR"):
        ncts_manifest()


# --- EMCS phase 4, IE815 ----------------------------------------------------------------------


@XSD_VERSIONS
def test_official_emcs_set_validates_ie815(tmp_path: Path, xsd_version: str) -> None:
    write(tmp_path, emcs_manifest(xsd_version=xsd_version))
    catalog = load_catalog([tmp_path])
    doc = document("emcs-p4-IE815.xml")

    schema = catalog.resolve(doc.root_qname, IN_2026)

    assert (schema.system, schema.message_type, schema.version) == ("EMCSPL2", "IE815", "3.23")
    assert validate(schema, doc) == []
    assert schema.paths.message_id(doc.root) == "MSG-2026-IE815-000001"
    assert schema.paths.lrn is not None
    assert schema.paths.lrn(doc.root) == "LRN2026PL815000001"
    assert [(role, xpath(doc.root)) for role, xpath in schema.paths.parties] == [
        ("consignor", "PL00000001234")
    ]
    with pytest.raises(SchemaVersionInactive):
        catalog.resolve(EMCS_ROOT, datetime(2027, 1, 1, tzinfo=UTC))


def test_both_official_sets_in_one_catalog(tmp_path: Path) -> None:
    write(tmp_path / "ncts", ncts_manifest())
    write(tmp_path / "emcs", emcs_manifest())

    catalog = load_catalog([tmp_path])

    assert {s.root for s in catalog} == {NCTS_ROOT, EMCS_ROOT}
    for name in ("ncts-p5-CC015C.xml", "emcs-p4-IE815.xml"):
        doc = document(name)
        assert validate(catalog.resolve(doc.root_qname, IN_2026), doc) == []
