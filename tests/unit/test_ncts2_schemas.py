"""The NCTS2 schema sets (1.0 and the expired 0.9), their manifests, the sample builders and samples."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from gateway.config import ParsingSettings, packaged
from gateway.core.errors import ErrorDetail, SchemaNotInbound, SchemaVersionInactive
from gateway.core.validation.catalog import Direction, MessageSchema, load_catalog, load_manifest
from gateway.core.validation.parsing import parse
from gateway.core.validation.xsd import SCHEMA_INVALID
from gateway.demo.samplegen.model import SampleParams
from gateway.demo.samplegen.ncts2 import BUILDERS, BUILDERS_0_9, NS, NS_0_9, check_digit, mrn_for

ROOT = Path(__file__).resolve().parents[2]
SETS = packaged("sxml") / "ncts2"
SAMPLES = ROOT / "samples"
INBOUND = ("CC015C", "CC013C", "CC014C", "CC170C", "CC007C", "CC044C")
OUTBOUND = ("CC028C", "CC029C", "CC056C", "CC928C")
WITH_LRN = ("CC015C", "CC013C", "CC014C", "CC170C", *OUTBOUND)
MRN_ONLY = ("CC007C", "CC044C")
MRN_PATTERN = re.compile(r"[0-9]{2}[A-Z]{2}[A-Z0-9]{12}[J-M][0-9]")
NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

SCHEMAS = {s.message_type: s for s in load_manifest(SETS / "1.0" / "manifest.toml")}
SCHEMAS_0_9 = {s.message_type: s for s in load_manifest(SETS / "0.9" / "manifest.toml")}


def validate(schema: MessageSchema, body: bytes) -> tuple[etree._Element, list[ErrorDetail]]:
    root = parse(body, ParsingSettings()).root
    return root, schema.validator.validate(root, body)


def line_of(body: bytes, xpath: str) -> int:
    """The line of the element at ``xpath`` (relative to the root) in ``body``."""
    found = etree.fromstring(body).xpath(xpath)
    assert isinstance(found, list)
    [element] = found
    assert isinstance(element, etree._Element)
    line = element.sourceline
    assert isinstance(line, int)
    return line


# ----- (a) the manifests -----


def test_manifest_1_0_lists_every_message_type_with_its_direction_and_window() -> None:
    assert set(SCHEMAS) == set(INBOUND) | set(OUTBOUND)
    for message_type, schema in SCHEMAS.items():
        assert (schema.set_id, schema.system, schema.version) == ("ncts2-1.0", "NCTS2", "1.0")
        assert schema.root == f"{{{NS}}}{message_type}"
        expected = Direction.INBOUND if message_type in INBOUND else Direction.OUTBOUND
        assert schema.direction is expected, message_type
        assert schema.valid_from == datetime(2024, 1, 1, tzinfo=UTC)
        assert schema.valid_to is None
        assert schema.in_force(NOW)
        assert (schema.paths.lrn is None) == (message_type in MRN_ONLY), message_type


def test_manifest_0_9_is_expired_and_only_has_the_declaration() -> None:
    [schema] = SCHEMAS_0_9.values()
    assert (schema.set_id, schema.version, schema.message_type) == ("ncts2-0.9", "0.9", "CC015C")
    assert schema.root == f"{{{NS_0_9}}}CC015C"
    assert schema.valid_from == datetime(2022, 1, 1, tzinfo=UTC)
    assert schema.valid_to == datetime(2025, 1, 1, tzinfo=UTC)
    assert schema.in_force(datetime(2024, 12, 31, 23, 59, tzinfo=UTC))
    assert not schema.in_force(datetime(2025, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("message_type", sorted(SCHEMAS))
def test_manifest_paths_find_the_identifiers_and_parties(message_type: str) -> None:
    schema = SCHEMAS[message_type]
    params = SampleParams(
        message_id=f"ID-{message_type}", reference="26PLLRN42", party="PL111", representative="PL222"
    )
    root = parse(BUILDERS[message_type](params), ParsingSettings()).root
    paths = schema.paths
    assert paths.message_id(root) == f"ID-{message_type}"
    if paths.lrn is not None:
        assert paths.lrn(root) == "26PLLRN42"
    parties = {role: str(xpath(root)) for role, xpath in paths.parties}
    if message_type in MRN_ONLY:
        assert parties == {"traderAtDestination": "PL111"}
        assert paths.representative is None
    else:
        assert parties == {"holder": "PL111"}
        assert paths.representative is not None
        assert paths.representative(root) == "PL222"
        assert (
            paths.representative(parse(BUILDERS[message_type](SampleParams()), ParsingSettings()).root) == ""
        )


def test_catalog_resolves_versions_and_refuses_outbound_and_expired() -> None:
    catalog = load_catalog([SETS])
    assert catalog.resolve(f"{{{NS}}}CC015C", NOW).version == "1.0"
    assert catalog.resolve(f"{{{NS_0_9}}}CC015C", datetime(2024, 6, 1, tzinfo=UTC)).version == "0.9"
    with pytest.raises(SchemaVersionInactive):
        catalog.resolve(f"{{{NS_0_9}}}CC015C", NOW)
    for message_type in OUTBOUND:
        with pytest.raises(SchemaNotInbound):
            catalog.resolve(f"{{{NS}}}{message_type}", NOW)


# ----- (b) the builders -----


def test_mrn_is_valid_deterministic_and_has_a_real_check_digit() -> None:
    mrn = mrn_for(SampleParams(reference="26PLTRN0000000001"))
    assert MRN_PATTERN.fullmatch(mrn)
    assert mrn == mrn_for(SampleParams(reference="26PLTRN0000000001"))
    assert mrn != mrn_for(SampleParams(reference="26PLTRN0000000002"))
    assert mrn[-2] == "J"
    # ISO 6346 check digits of two published container numbers
    assert check_digit("CSQU305438") == "3"
    assert check_digit("MSKU907032") == "3"


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
@pytest.mark.parametrize("items", [1, 50])
def test_builder_output_is_valid(message_type: str, items: int) -> None:
    params = SampleParams(items=items, seed=items, representative="PL9876543210000" if items > 1 else None)
    body = BUILDERS[message_type](params)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    root, errors = validate(SCHEMAS[message_type], body)
    assert errors == []
    assert root.tag == f"{{{NS}}}{message_type}"
    assert root.findtext("messageType") == message_type
    assert root.findtext("messageIdentification") == params.message_id
    if message_type == "CC056C":
        assert len(root.findall("FunctionalError")) == items
    else:
        assert len(root.findall("Consignment/HouseConsignment/ConsignmentItem")) == items


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_builder_writes_one_element_per_line(message_type: str) -> None:
    body = BUILDERS[message_type](SampleParams(items=3, filler=1500, representative="PL1"))
    lines = body.split(b"\n")
    starts = sum(len(re.findall(rb"<[A-Za-z]", line)) for line in lines)
    assert all(len(re.findall(rb"<[A-Za-z]", line)) <= 1 for line in lines)
    assert starts == sum(1 for _ in etree.fromstring(body).iter())


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_builder_is_deterministic_and_depends_on_the_seed(message_type: str) -> None:
    builder = BUILDERS[message_type]
    params = SampleParams(items=5, seed=7)
    assert builder(params) == builder(replace(params))
    assert builder(params) != builder(replace(params, seed=8))


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_filler_grows_the_message_and_stays_valid(message_type: str) -> None:
    builder = BUILDERS[message_type]
    small = builder(SampleParams(items=2))
    bigger = builder(SampleParams(items=2, filler=3000))
    assert len(bigger) - len(small) >= 2 * 3000
    assert validate(SCHEMAS[message_type], bigger)[1] == []


@pytest.mark.parametrize("message_type", sorted(BUILDERS))
def test_large_message_of_999_items_is_valid(message_type: str) -> None:
    body = BUILDERS[message_type](SampleParams(items=999, filler=1200, representative="PL9876543210000"))
    assert len(body) > 2_000_000
    assert validate(SCHEMAS[message_type], body)[1] == []


@pytest.mark.parametrize("message_type", MRN_ONLY)
def test_messages_at_destination_carry_the_mrn_and_the_trader(message_type: str) -> None:
    params = SampleParams(reference="26PLTRN0000000001", party="PL5260001234000")
    root = etree.fromstring(BUILDERS[message_type](params))
    assert root.findtext("TransitOperation/MRN") == mrn_for(params)
    assert root.find("TransitOperation/LRN") is None
    assert root.findtext("TraderAtDestination/identificationNumber") == "PL5260001234000"


@pytest.mark.parametrize("items", [1, 40])
def test_builder_0_9_is_valid_for_0_9_and_not_for_1_0(items: int) -> None:
    body = BUILDERS_0_9["CC015C"](SampleParams(items=items, filler=700))
    root, errors = validate(SCHEMAS_0_9["CC015C"], body)
    assert errors == []
    assert root.tag == f"{{{NS_0_9}}}CC015C"
    assert validate(SCHEMAS["CC015C"], body)[1]  # another namespace: refused by 1.0


# ----- (c) the samples -----

VALID = sorted((SAMPLES / "valid" / "NCTS2").glob("*.xml"))
OUTBOUND_SAMPLES = sorted((SAMPLES / "errors" / "SCHEMA_NOT_INBOUND").glob("NCTS2-*.xml"))


def test_the_samples_are_there() -> None:
    assert {p.name for p in VALID} == {f"{t}.xml" for t in INBOUND} | {
        "CC015C-representative.xml",
        "CC015C-large.xml",
    }
    assert {p.name for p in OUTBOUND_SAMPLES} == {f"NCTS2-{t}.xml" for t in OUTBOUND}
    ids = [etree.parse(str(p)).getroot().findtext("messageIdentification") for p in VALID + OUTBOUND_SAMPLES]
    assert len(set(ids)) == len(ids)
    assert 50_000 < (SAMPLES / "valid" / "NCTS2" / "CC015C-large.xml").stat().st_size < 70_000


@pytest.mark.parametrize("path", VALID + OUTBOUND_SAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_sample_is_valid(path: Path) -> None:
    found = re.search(r"CC\d{3}C", path.name)
    assert found is not None
    schema = SCHEMAS[found.group(0)]
    expected = Direction.INBOUND if path.parent.parent.name == "valid" else Direction.OUTBOUND
    assert schema.direction is expected
    root, errors = validate(schema, path.read_bytes())
    assert errors == []
    assert root.tag == schema.root


def test_representative_sample_acts_for_the_representative() -> None:
    root = etree.parse(str(SAMPLES / "valid" / "NCTS2" / "CC015C-representative.xml")).getroot()
    representative = SCHEMAS["CC015C"].paths.representative
    assert representative is not None
    assert representative(root) not in ("", root.findtext("HolderOfTheTransitProcedure/identificationNumber"))


def test_expired_sample_is_valid_against_0_9() -> None:
    body = (SAMPLES / "errors" / "SCHEMA_VERSION_INACTIVE" / "NCTS2-CC015C-0.9.xml").read_bytes()
    root, errors = validate(SCHEMAS_0_9["CC015C"], body)
    assert errors == []
    with pytest.raises(SchemaVersionInactive):
        load_catalog([SETS]).resolve(str(root.tag), NOW)


# ----- (d) broken messages are refused where they are broken -----


def test_bad_holder_eori_is_refused_on_its_line() -> None:
    body = BUILDERS["CC015C"](SampleParams(items=3, party="pl-1234"))
    errors = validate(SCHEMAS["CC015C"], body)[1]
    # the holder is also the consignor of the house consignment
    holder, consignor = errors
    for error in errors:
        assert error.code == SCHEMA_INVALID
        assert "identificationNumber" in error.message and "pattern" in error.message
    assert holder.line == line_of(body, "HolderOfTheTransitProcedure/identificationNumber")
    assert holder.path == "/ncts:CC015C/HolderOfTheTransitProcedure/identificationNumber"
    assert holder.column == 5
    assert consignor.line == line_of(body, "Consignment/HouseConsignment/Consignor/identificationNumber")


def test_bad_representative_eori_is_refused_on_its_line() -> None:
    body = BUILDERS["CC170C"](SampleParams(representative="P1"))
    [error] = validate(SCHEMAS["CC170C"], body)[1]
    assert error.line == line_of(body, "Representative/identificationNumber")


def test_missing_lrn_is_refused_at_the_element_that_came_instead() -> None:
    body = BUILDERS["CC015C"](SampleParams(items=2))
    broken = re.sub(rb"\n *<LRN>[^<]*</LRN>", b"", body, count=1)
    assert broken.count(b"\n") == body.count(b"\n") - 1
    [error] = validate(SCHEMAS["CC015C"], broken)[1]
    assert "LRN" in error.message
    assert error.line == line_of(broken, "TransitOperation/declarationType")
    assert error.path == "/ncts:CC015C/TransitOperation/declarationType"


def test_too_long_lrn_is_refused() -> None:
    body = BUILDERS["CC014C"](SampleParams(reference="L" * 23))
    [error] = validate(SCHEMAS["CC014C"], body)[1]
    assert error.line == line_of(body, "TransitOperation/LRN")


def test_bad_mrn_is_refused_on_its_line() -> None:
    body = BUILDERS["CC007C"](SampleParams(items=2))
    mrn = etree.fromstring(body).findtext("TransitOperation/MRN")
    assert mrn is not None
    broken = body.replace(mrn.encode(), mrn[:-2].encode() + b"A0")  # procedure category A: export
    [error] = validate(SCHEMAS["CC007C"], broken)[1]
    assert error.line == line_of(broken, "TransitOperation/MRN")


def test_mass_with_too_many_decimals_is_refused() -> None:
    body = BUILDERS["CC015C"](SampleParams(items=3))
    gross = etree.fromstring(body).findtext("Consignment/grossMass")
    assert gross is not None
    broken = body.replace(f"<grossMass>{gross}</grossMass>".encode(), b"<grossMass>1.1234567</grossMass>", 1)
    [error] = validate(SCHEMAS["CC015C"], broken)[1]
    assert error.line == line_of(broken, "Consignment/grossMass")


def test_1000_goods_items_are_refused_at_the_1000th() -> None:
    body = BUILDERS["CC015C"](SampleParams(items=1000))
    errors = validate(SCHEMAS["CC015C"], body)[1]
    [error] = errors
    assert "ConsignmentItem" in error.message
    assert error.line == line_of(body, "Consignment/HouseConsignment/ConsignmentItem[1000]")
    assert error.path == "/ncts:CC015C/Consignment/HouseConsignment/ConsignmentItem[1000]"
    assert error.column == 7


def test_100_packagings_in_an_item_are_refused_at_the_100th() -> None:
    body = BUILDERS["CC044C"](SampleParams(items=1, seed=1))
    root = etree.fromstring(body)
    item = root.find("Consignment/HouseConsignment/ConsignmentItem")
    assert item is not None
    packagings = item.findall("Packaging")
    anchor = packagings[-1]
    for number in range(len(packagings) + 1, 101):
        extra = etree.Element("Packaging")
        etree.SubElement(extra, "sequenceNumber").text = str(number)
        etree.SubElement(extra, "typeOfPackages").text = "CT"
        anchor.addnext(extra)
        anchor = extra
    etree.indent(root)
    broken = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8")
    [error] = validate(SCHEMAS["CC044C"], broken)[1]
    assert error.line == line_of(broken, "Consignment/HouseConsignment/ConsignmentItem/Packaging[100]")


def test_signature_place_takes_a_ds_signature_but_nothing_else() -> None:
    body = BUILDERS["CC015C"](SampleParams())
    closing = b"</ncts:CC015C>"
    signed = body.replace(
        closing,
        b'  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:x/></ds:Signature>\n' + closing,
    )
    assert validate(SCHEMAS["CC015C"], signed)[1] == []
    other = body.replace(closing, b'  <x:Signature xmlns:x="urn:not-dsig"/>\n' + closing)
    [error] = validate(SCHEMAS["CC015C"], other)[1]
    assert error.line == body.count(b"\n")
    # outbound messages have no place for a signature
    outbound = BUILDERS["CC028C"](SampleParams())
    closing = b"</ncts:CC028C>"
    signed_outbound = outbound.replace(
        closing, b'  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>\n' + closing
    )
    assert validate(SCHEMAS["CC028C"], signed_outbound)[1]


def test_errors_past_line_65535_point_to_the_right_line() -> None:
    body = BUILDERS["CC015C"](SampleParams(items=1000, filler=5000))
    [error] = validate(SCHEMAS["CC015C"], body)[1]
    lines = body.split(b"\n")
    assert error.line is not None and error.line > 65535
    assert lines[error.line - 1].strip() == b"<ConsignmentItem>"
    assert error.column == 7
