"""Our AES and EMCS PL2 schema sets, the legacy-systems file, the sample builders and the samples."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.config import ParsingSettings, packaged
from gateway.core.errors import ErrorDetail, SchemaNotInbound, SystemLegacyChannel
from gateway.core.validation.catalog import Catalog, Direction, MessageSchema, load_catalog, load_manifest
from gateway.core.validation.parsing import parse
from gateway.demo.samplegen import aes, emcspl2
from gateway.demo.samplegen.model import Builder, SampleParams

ROOT = Path(__file__).resolve().parents[2]
SXML = packaged("sxml")
AES_MANIFEST = SXML / "aes" / "1.0" / "manifest.toml"
EMCS_MANIFEST = SXML / "emcspl2" / "1.0" / "manifest.toml"
LEGACY = SXML / "legacy.toml"
SAMPLES = ROOT / "samples"
AES_NS = "urn:customs-gateway:sxml:aes:1"
EMCS_NS = "urn:customs-gateway:sxml:emcspl2:1"
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

EXCISE = "PL00000000001"
ARC = "26PL00000000000123457"
BUILDERS: dict[str, tuple[str, Builder]] = {
    **{t: (AES_NS, b) for t, b in aes.BUILDERS.items()},
    **{t: (EMCS_NS, b) for t, b in emcspl2.BUILDERS.items()},
}
#: the repeated goods part of every message type
ITEMS = (
    "GoodsShipment/GoodsItem | BodyEadEsad | BodyReportOfReceipt | CancelledBodyRecord"
    " | ChangedBodyRecord | FunctionalError"
)
INBOUND = {"CC515C", "CC513C", "CC514C", "IE815", "IE818", "IE810", "IE813"}
OUTBOUND = {"CC528C", "CC529C", "IE801", "IE704"}
LEGACY_SAMPLES = {
    "ECS-IE515.xml": "ECS",
    "ICS-IE315.xml": "ICS",
    "CELINA-ZC215.xml": "CELINA",
    "INTRASTAT-INSTAT.xml": "INTRASTAT",
}


def params_for(message_type: str, **changes: Any) -> SampleParams:
    """Parameters that fit the type: an excise number for EMCS, an ARC where the message has one."""
    if message_type.startswith("CC"):
        base = SampleParams(party="PL1234567890000", reference="26PLEXP0000000001")
    elif message_type in {"IE818", "IE810", "IE813"}:
        base = SampleParams(party=EXCISE, reference=ARC)
    else:
        base = SampleParams(party=EXCISE, reference="LRN-2026-000001")
    return replace(base, **changes)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    # Only our own manifests and the legacy file: other sets under gateway/schemas/sxml are not ours to test.
    return load_catalog([AES_MANIFEST, EMCS_MANIFEST, LEGACY])


@pytest.fixture(scope="module")
def schemas(catalog: Catalog) -> dict[str, MessageSchema]:
    return {schema.message_type: schema for schema in catalog}


def validate(schema: MessageSchema, body: bytes) -> list[ErrorDetail]:
    document = parse(body, ParsingSettings())
    return schema.validator.validate(document.root, body)


def line_of(body: bytes, marker: str, occurrence: int = 1) -> int:
    found = [n for n, line in enumerate(body.decode("utf-8").split("\n"), 1) if marker in line]
    return found[occurrence - 1]


# ---------------------------------------------------------------- (a) manifests and legacy systems


def test_manifests_load_with_their_types_roots_and_directions() -> None:
    aes_set = {s.message_type: s for s in load_manifest(AES_MANIFEST)}
    emcs_set = {s.message_type: s for s in load_manifest(EMCS_MANIFEST)}
    assert set(aes_set) == {"CC515C", "CC513C", "CC514C", "CC528C", "CC529C"}
    assert set(emcs_set) == {"IE815", "IE818", "IE810", "IE813", "IE801", "IE704"}
    for message_type, schema in {**aes_set, **emcs_set}.items():
        namespace = AES_NS if message_type.startswith("CC") else EMCS_NS
        assert schema.root == f"{{{namespace}}}{message_type}"
        expected = Direction.INBOUND if message_type in INBOUND else Direction.OUTBOUND
        assert schema.direction is expected
        assert schema.valid_from == datetime(2024, 1, 1, tzinfo=UTC)
        assert schema.valid_to is None
    assert {s.set_id for s in aes_set.values()} == {"aes-1.0"}
    assert {s.system for s in aes_set.values()} == {"AES"}
    assert {s.set_id for s in emcs_set.values()} == {"emcspl2-1.0"}
    assert {s.system for s in emcs_set.values()} == {"EMCSPL2"}
    assert {s.version for s in [*aes_set.values(), *emcs_set.values()]} == {"1.0"}


def test_paths_and_parties_are_declared_per_type(schemas: dict[str, MessageSchema]) -> None:
    for message_type in ("CC515C", "CC513C", "CC514C"):
        paths = schemas[message_type].paths
        assert paths.lrn is not None and paths.arc is None
        assert [role for role, _ in paths.parties] == ["declarant"]
        assert paths.representative is not None
    assert schemas["IE815"].paths.lrn is not None and schemas["IE815"].paths.arc is None
    for message_type in ("IE818", "IE810", "IE813", "IE801"):
        assert schemas[message_type].paths.arc is not None
    for message_type in ("IE815", "IE810", "IE813"):
        assert [role for role, _ in schemas[message_type].paths.parties] == ["consignor"]
    assert [role for role, _ in schemas["IE818"].paths.parties] == ["consignee"]
    for message_type in ("IE815", "IE818", "IE810", "IE813", "IE801", "IE704"):
        assert schemas[message_type].paths.representative is None


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_envelope_paths_read_the_builder_values(message_type: str, schemas: dict[str, MessageSchema]) -> None:
    params = params_for(message_type, items=2, message_id="ID-0042", representative="PL9876543210000")
    root = etree.fromstring(BUILDERS[message_type][1](params))
    paths = schemas[message_type].paths
    assert paths.message_id(root) == "ID-0042"
    if paths.lrn is not None:
        assert paths.lrn(root) == params.reference
    if paths.arc is not None:
        assert paths.arc(root) == emcspl2.arc_for(params)
    if paths.parties:
        assert paths.parties[0][1](root) == params.party
    if message_type.startswith("CC"):
        assert paths.representative is not None
        assert paths.representative(root) == "PL9876543210000"
        no_representative = etree.fromstring(BUILDERS[message_type][1](replace(params, representative=None)))
        assert paths.representative(no_representative) == ""


@pytest.mark.parametrize(("sample", "system"), sorted(LEGACY_SAMPLES.items()))
def test_legacy_samples_are_sent_to_the_legacy_channel(catalog: Catalog, sample: str, system: str) -> None:
    root = etree.parse(str(SAMPLES / "errors" / "SYSTEM_LEGACY_CHANNEL" / sample)).getroot()
    with pytest.raises(SystemLegacyChannel) as raised:
        catalog.resolve(str(root.tag), NOW)
    assert str(raised.value).startswith(f"{system} messages are not handled by this gateway")
    assert "PUESC" in str(raised.value)


def test_legacy_patterns_match_any_namespace(catalog: Catalog) -> None:
    roots = ("{urn:whatever}IE513", "IE590", "{urn:x}IE344", "{urn:y}ZC299", "{urn:z}DeklaracjaINTRASTAT")
    for root in roots:
        with pytest.raises(SystemLegacyChannel):
            catalog.resolve(root, NOW)


def test_no_legacy_name_collides_with_a_root_of_any_set() -> None:
    legacy = tomllib.loads(LEGACY.read_text(encoding="utf-8"))
    names = {pattern.rsplit("}", 1)[-1] for system in legacy["system"] for pattern in system["roots"]}
    assert {"IE515", "IE315", "ZC215", "INSTAT"} <= names
    roots: set[str] = set()
    for manifest in SXML.rglob("manifest.toml"):
        try:  # other sets may be unfinished while they are written
            data = tomllib.loads(manifest.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue
        entries = data.get("message", [])
        roots |= {etree.QName(entry["root"]).localname for entry in entries if "root" in entry}
    assert {"CC515C", "IE815", "IE704"} <= roots
    assert not names & roots


def test_our_roots_resolve_inbound_and_refuse_outbound(catalog: Catalog) -> None:
    for message_type in INBOUND:
        namespace = AES_NS if message_type.startswith("CC") else EMCS_NS
        assert catalog.resolve(f"{{{namespace}}}{message_type}", NOW).message_type == message_type
    for message_type in OUTBOUND:
        namespace = AES_NS if message_type.startswith("CC") else EMCS_NS
        with pytest.raises(SchemaNotInbound):
            catalog.resolve(f"{{{namespace}}}{message_type}", NOW)


# ---------------------------------------------------------------- (b) builders


@pytest.mark.parametrize("items", [1, 50])
@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_builder_output_is_valid(message_type: str, items: int, schemas: dict[str, MessageSchema]) -> None:
    namespace, builder = BUILDERS[message_type]
    body = builder(params_for(message_type, items=items, filler=700 if items == 50 else 0, seed=items))
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert validate(schemas[message_type], body) == []
    root = etree.fromstring(body)
    assert root.tag == f"{{{namespace}}}{message_type}"
    assert root.xpath(f"count({ITEMS})") == items


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_builder_output_over_2_mb_is_valid(message_type: str, schemas: dict[str, MessageSchema]) -> None:
    _, builder = BUILDERS[message_type]
    body = builder(params_for(message_type, items=999, filler=2400))
    assert len(body) > 2_000_000
    assert validate(schemas[message_type], body) == []


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_builder_is_deterministic_and_one_element_per_line(message_type: str) -> None:
    _, builder = BUILDERS[message_type]
    params = params_for(message_type, items=5, filler=1200, seed=7)
    body = builder(params)
    assert builder(params) == body
    assert builder(replace(params, seed=8)) != body
    # 1000 more filler characters per item: 5000 more characters, plus the elements that hold them
    assert 5 * 1000 <= len(builder(replace(params, filler=2200))) - len(body) < 5 * 1000 * 1.4
    for line in body.decode("utf-8").split("\n")[1:]:
        assert len(re.findall(r"<[A-Za-z]", line)) <= 1, line
    lines = [el.sourceline for el in etree.fromstring(body).iter()]
    assert len(lines) == len(set(lines))


def test_emcs_party_that_is_no_excise_number_is_derived(schemas: dict[str, MessageSchema]) -> None:
    assert emcspl2.excise_number_for("PL00000000001") == "PL00000000001"
    assert emcspl2.excise_number_for("PL1234567890000") == "PL12345678900"
    assert emcspl2.excise_number_for("de-77") == "PLDE770000000"
    body = emcspl2.build_ie815(SampleParams(party="PL1234567890000"))
    assert validate(schemas["IE815"], body) == []
    paths = schemas["IE815"].paths
    assert paths.parties[0][1](etree.fromstring(body)) == "PL12345678900"


def test_arc_is_the_reference_or_derived_from_it() -> None:
    assert emcspl2.arc_for(SampleParams(reference=ARC)) == ARC
    derived = emcspl2.arc_for(SampleParams(reference="LRN-1"))
    assert re.fullmatch(r"[0-9]{2}[A-Z]{2}[A-Z0-9]{16}[0-9]", derived)
    assert derived == emcspl2.arc_for(SampleParams(reference="LRN-1"))
    assert derived != emcspl2.arc_for(SampleParams(reference="LRN-2"))


# ---------------------------------------------------------------- (c) samples


def _sample_files() -> list[Path]:
    found = [path for folder in ("valid/AES", "valid/EMCSPL2") for path in (SAMPLES / folder).glob("*.xml")]
    outbound = SAMPLES / "errors" / "SCHEMA_NOT_INBOUND"
    found += [*outbound.glob("AES-*.xml"), *outbound.glob("EMCSPL2-*.xml")]
    return sorted(found)


def test_every_expected_sample_exists() -> None:
    names = {f"{p.parent.parent.name}/{p.parent.name}/{p.name}" for p in _sample_files()}
    assert names >= {
        "valid/AES/CC515C.xml",
        "valid/AES/CC513C.xml",
        "valid/AES/CC514C.xml",
        "valid/AES/CC515C-representative.xml",
        "valid/EMCSPL2/IE815.xml",
        "valid/EMCSPL2/IE818.xml",
        "valid/EMCSPL2/IE810.xml",
        "valid/EMCSPL2/IE813.xml",
        "valid/EMCSPL2/IE815-large.xml",
        "errors/SCHEMA_NOT_INBOUND/AES-CC528C.xml",
        "errors/SCHEMA_NOT_INBOUND/AES-CC529C.xml",
        "errors/SCHEMA_NOT_INBOUND/EMCSPL2-IE801.xml",
        "errors/SCHEMA_NOT_INBOUND/EMCSPL2-IE704.xml",
    }
    assert 50_000 < (SAMPLES / "valid/EMCSPL2/IE815-large.xml").stat().st_size < 80_000


def _sample_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", _sample_files(), ids=_sample_id)
def test_sample_is_valid(path: Path, catalog: Catalog) -> None:
    body = path.read_bytes()
    root_tag = str(etree.fromstring(body).tag)
    if path.parent.parent.name == "valid":
        schema = catalog.resolve(root_tag, NOW)
    else:
        (schema,) = catalog.by_root[root_tag]
        assert schema.direction is Direction.OUTBOUND
    assert schema.message_type in path.stem.split("-")
    assert validate(schema, body) == []


def test_representative_sample_acts_for_the_representative(schemas: dict[str, MessageSchema]) -> None:
    root = etree.parse(str(SAMPLES / "valid/AES/CC515C-representative.xml")).getroot()
    paths = schemas["CC515C"].paths
    assert paths.representative is not None
    assert paths.representative(root) == "PL9876543210000"
    plain = etree.parse(str(SAMPLES / "valid/AES/CC515C.xml")).getroot()
    assert paths.representative(plain) == ""


# ---------------------------------------------------------------- (d) broken variants


def _first_error_at(errors: list[ErrorDetail], line: int, name: str) -> ErrorDetail:
    assert errors, "the broken message was accepted"
    first = errors[0]
    assert first.line == line, errors
    assert f"Element '{name}'" in first.message, first.message
    return first


def test_bad_arc_is_refused_at_its_line(schemas: dict[str, MessageSchema]) -> None:
    body = emcspl2.build_ie818(params_for("IE818", items=3))
    broken = body.replace(f"<AadReferenceCode>{ARC}<".encode(), b"<AadReferenceCode>26PL0000123<")
    assert broken != body
    line = line_of(broken, "<AadReferenceCode>")
    error = _first_error_at(validate(schemas["IE818"], broken), line, "AadReferenceCode")
    assert error.path == "/emcs:IE818/ExciseMovement/AadReferenceCode"
    assert error.column == 5


def test_bad_excise_number_is_refused_at_its_line(schemas: dict[str, MessageSchema]) -> None:
    body = emcspl2.build_ie815(params_for("IE815", items=3))
    broken = body.replace(f"<TraderExciseNumber>{EXCISE}<".encode(), b"<TraderExciseNumber>DE00000000001<")
    assert broken != body
    line = line_of(broken, "<TraderExciseNumber>")
    error = _first_error_at(validate(schemas["IE815"], broken), line, "TraderExciseNumber")
    assert error.path == "/emcs:IE815/ConsignorTrader/TraderExciseNumber"


def test_bad_consignee_in_report_of_receipt_is_refused(schemas: dict[str, MessageSchema]) -> None:
    body = emcspl2.build_ie818(params_for("IE818", items=1))
    broken = body.replace(f"<Traderid>{EXCISE}<".encode(), b"<Traderid>PL0000000000<", 1)
    line = line_of(broken, "<Traderid>PL0000000000<")
    _first_error_at(validate(schemas["IE818"], broken), line, "Traderid")


def test_missing_lrn_is_refused_at_the_next_element(schemas: dict[str, MessageSchema]) -> None:
    body = aes.build_cc515c(params_for("CC515C", items=2))
    lines = body.decode("utf-8").split("\n")
    broken = "\n".join(line for line in lines if "<LRN>" not in line).encode("utf-8")
    assert len(broken.split(b"\n")) == len(lines) - 1
    error = _first_error_at(
        validate(schemas["CC515C"], broken), line_of(broken, "<declarationType>"), "declarationType"
    )
    assert "LRN" in error.message


def test_missing_local_reference_number_is_refused(schemas: dict[str, MessageSchema]) -> None:
    body = emcspl2.build_ie815(params_for("IE815", items=2))
    lines = body.decode("utf-8").split("\n")
    broken = "\n".join(line for line in lines if "<LocalReferenceNumber>" not in line).encode("utf-8")
    line = line_of(broken, "<InvoiceNumber>")
    error = _first_error_at(validate(schemas["IE815"], broken), line, "InvoiceNumber")
    assert "LocalReferenceNumber" in error.message


@pytest.mark.parametrize(
    ("message_type", "item_tag"),
    [("CC515C", "<GoodsItem>"), ("IE815", "<BodyEadEsad>"), ("IE818", "<BodyReportOfReceipt>")],
)
def test_1000_items_are_refused_at_the_1000th(
    message_type: str, item_tag: str, schemas: dict[str, MessageSchema]
) -> None:
    _, builder = BUILDERS[message_type]
    body = builder(params_for(message_type, items=1000))
    assert validate(schemas[message_type], builder(params_for(message_type, items=999))) == []
    errors = validate(schemas[message_type], body)
    error = _first_error_at(errors, line_of(body, item_tag, 1000), item_tag.strip("<>"))
    assert "not expected" in error.message
    assert error.path is not None and error.path.endswith(f"{item_tag.strip('<>')}[1000]")


def test_too_long_free_text_is_refused(schemas: dict[str, MessageSchema]) -> None:
    body = emcspl2.build_ie815(params_for("IE815", items=2, filler=10))
    marks = re.search(rb"<ShippingMarks>([^<]*)</ShippingMarks>", body)
    assert marks is not None
    broken = body.replace(marks.group(0), b"<ShippingMarks>" + b"x" * 1000 + b"</ShippingMarks>", 1)
    _first_error_at(validate(schemas["IE815"], broken), line_of(broken, "x" * 1000), "ShippingMarks")


def test_signature_place_only_in_inbound_messages(schemas: dict[str, MessageSchema]) -> None:
    signature = (
        b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>\n'
    )
    inbound = aes.build_cc515c(params_for("CC515C"))
    signed = inbound.replace(b"</aes:CC515C>", signature + b"</aes:CC515C>")
    assert validate(schemas["CC515C"], signed) == []
    other = inbound.replace(b"</aes:CC515C>", b"<x:Signature xmlns:x='urn:not-dsig'/>\n</aes:CC515C>")
    assert validate(schemas["CC515C"], other)
    outbound = emcspl2.build_ie801(params_for("IE801"))
    assert validate(schemas["IE801"], outbound.replace(b"</emcs:IE801>", signature + b"</emcs:IE801>"))
    emcs_inbound = emcspl2.build_ie810(params_for("IE810"))
    emcs_signed = emcs_inbound.replace(b"</emcs:IE810>", signature + b"</emcs:IE810>")
    assert validate(schemas["IE810"], emcs_signed) == []
