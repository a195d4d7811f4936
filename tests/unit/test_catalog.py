"""gateway.core.validation.catalog (resolve order, windows, manifests) and xsd (errors with positions)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from gateway.config import ParsingSettings
from gateway.core.errors import (
    GatewayError,
    SchemaNotInbound,
    SchemaUnknown,
    SchemaVersionInactive,
    SystemLegacyChannel,
)
from gateway.core.validation.catalog import Catalog, CatalogError, Direction, load_catalog
from gateway.core.validation.parsing import parse
from gateway.core.validation.xsd import SCHEMA_INVALID, Positions, compile_xsd

NS = "urn:test:gw:1"
ROOT = f"{{{NS}}}TST001"

XSD = f"""\
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NS}"
           xmlns="{NS}" elementFormDefault="qualified">
  <xs:element name="TST001">
    <xs:complexType><xs:sequence>
      <xs:element name="messageIdentification" type="xs:string"/>
      <xs:element name="Item" type="xs:int" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
"""

JAN_2025 = datetime(2025, 1, 1, tzinfo=UTC)


def write_set(
    folder: Path,
    *,
    set_id: str = "tst-1.0",
    system: str = "NCTS2",
    version: str = "1.0",
    valid_from: str = "2024-01-01T00:00:00Z",
    valid_to: str | None = "2027-01-01T00:00:00Z",
    root: str = ROOT,
    message_type: str = "TST001",
    direction: str = "inbound",
    xsd_version: str = "1.0",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tst.xsd").write_text(XSD, encoding="utf-8")
    window = f"valid_from = {valid_from}\n" + (f"valid_to = {valid_to}\n" if valid_to else "")
    manifest = folder / "manifest.toml"
    manifest.write_text(
        textwrap.dedent(
            f"""\
            [set]
            id = "{set_id}"
            system = "{system}"
            version = "{version}"
            xsd_version = "{xsd_version}"
            """
        )
        + window
        + textwrap.dedent(
            f"""\

            [set.namespaces]
            t = "{NS}"

            [[message]]
            type = "{message_type}"
            root = "{root}"
            xsd = "tst.xsd"
            direction = "{direction}"

            [message.paths]
            message_id = "t:messageIdentification"
            """
        ),
        encoding="utf-8",
    )
    return manifest


def write_legacy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "legacy.toml"
    path.write_text(
        textwrap.dedent(
            """\
            [[system]]
            name = "ECS"
            pointer = "ECS messages go through the legacy PUESC channel"
            roots = ["{*}IE515", "{urn:ecs}IE513"]

            [[system]]
            name = "ICS"
            pointer = "ICS: use the old channel"
            roots = ["{urn:ics}IE315"]
            """
        ),
        encoding="utf-8",
    )
    return path


def refusal(catalog: Catalog, root: str, at: datetime, kind: type[GatewayError]) -> GatewayError:
    with pytest.raises(kind) as caught:
        catalog.resolve(root, at)
    assert caught.value.code == kind.code
    return caught.value


# --- resolve ----------------------------------------------------------------------------------


def test_inbound_in_force_resolves(tmp_path: Path) -> None:
    write_set(tmp_path / "a")
    schema = load_catalog([tmp_path]).resolve(ROOT, JAN_2025)
    assert (schema.system, schema.message_type, schema.version) == ("NCTS2", "TST001", "1.0")
    assert schema.root == ROOT
    assert schema.direction is Direction.INBOUND
    assert schema.set_id == "tst-1.0"


def test_legacy_roots_are_refused_with_the_pointer(tmp_path: Path) -> None:
    write_set(tmp_path / "a")
    write_legacy(tmp_path / "legacy")
    catalog = load_catalog([tmp_path])
    any_ns = refusal(catalog, "{urn:whatever}IE515", JAN_2025, SystemLegacyChannel)
    assert "ECS" in any_ns.detail and "legacy PUESC channel" in any_ns.detail
    refusal(catalog, "IE515", JAN_2025, SystemLegacyChannel)  # no namespace at all
    refusal(catalog, "{urn:ecs}IE513", JAN_2025, SystemLegacyChannel)
    ics = refusal(catalog, "{urn:ics}IE315", JAN_2025, SystemLegacyChannel)
    assert "ICS" in ics.detail
    # an exact-namespace pattern does not match other namespaces
    refusal(catalog, "{urn:not-ecs}IE513", JAN_2025, SchemaUnknown)


def test_a_legacy_root_that_is_also_a_live_root_is_refused_at_load(tmp_path: Path) -> None:
    """Otherwise the legacy check, which comes first, would quietly take a live message type."""
    write_set(tmp_path / "a", root="{urn:ecs}IE513", message_type="IE513")
    write_legacy(tmp_path / "legacy")
    with pytest.raises(CatalogError, match="IE513"):
        load_catalog([tmp_path])


def test_unknown_root(tmp_path: Path) -> None:
    write_set(tmp_path / "a")
    catalog = load_catalog([tmp_path])
    refusal(catalog, "{urn:test:gw:1}NOPE", JAN_2025, SchemaUnknown)
    # same local name, other namespace: still unknown
    refusal(catalog, "{urn:test:gw:2}TST001", JAN_2025, SchemaUnknown)
    refusal(catalog, "TST001", JAN_2025, SchemaUnknown)


def test_outbound_only_root(tmp_path: Path) -> None:
    write_set(tmp_path / "a", direction="outbound")
    refusal(load_catalog([tmp_path]), ROOT, JAN_2025, SchemaNotInbound)


def test_outbound_only_is_checked_before_the_window(tmp_path: Path) -> None:
    write_set(tmp_path / "a", direction="outbound")
    refusal(load_catalog([tmp_path]), ROOT, datetime(2030, 1, 1, tzinfo=UTC), SchemaNotInbound)


def test_outside_window(tmp_path: Path) -> None:
    write_set(tmp_path / "a", valid_from="2024-01-01T00:00:00Z", valid_to="2027-01-01T00:00:00Z")
    catalog = load_catalog([tmp_path])
    refusal(catalog, ROOT, datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC), SchemaVersionInactive)
    refusal(catalog, ROOT, datetime(2030, 1, 1, tzinfo=UTC), SchemaVersionInactive)


def test_valid_from_inclusive_valid_to_exclusive(tmp_path: Path) -> None:
    write_set(tmp_path / "a", valid_from="2024-01-01T00:00:00Z", valid_to="2027-01-01T00:00:00Z")
    catalog = load_catalog([tmp_path])
    start = datetime(2024, 1, 1, tzinfo=UTC)
    end = datetime(2027, 1, 1, tzinfo=UTC)
    assert catalog.resolve(ROOT, start).version == "1.0"
    assert catalog.resolve(ROOT, end - timedelta(microseconds=1)).version == "1.0"
    refusal(catalog, ROOT, end, SchemaVersionInactive)
    refusal(catalog, ROOT, start - timedelta(microseconds=1), SchemaVersionInactive)


def test_window_bounds_in_other_offsets_and_dates(tmp_path: Path) -> None:
    # 2025-01-01T01:00+01:00 is midnight UTC; a bare date is midnight UTC
    write_set(tmp_path / "a", valid_from="2025-01-01T01:00:00+01:00", valid_to="2026-01-01")
    catalog = load_catalog([tmp_path])
    refusal(catalog, ROOT, datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC), SchemaVersionInactive)
    assert catalog.resolve(ROOT, datetime(2025, 1, 1, tzinfo=UTC)).version == "1.0"
    # the same instant given in another zone
    warsaw = timezone(timedelta(hours=1))
    assert catalog.resolve(ROOT, datetime(2025, 12, 31, 23, 59, tzinfo=UTC)).version == "1.0"
    # 00:30 in +01:00 is 2025-12-31T23:30Z, still inside; 01:00 in +01:00 is the (excluded) end
    assert catalog.resolve(ROOT, datetime(2026, 1, 1, 0, 30, tzinfo=warsaw)).version == "1.0"
    refusal(catalog, ROOT, datetime(2026, 1, 1, 1, 0, tzinfo=warsaw), SchemaVersionInactive)


def test_open_ended_window(tmp_path: Path) -> None:
    write_set(tmp_path / "a", valid_to=None)
    assert load_catalog([tmp_path]).resolve(ROOT, datetime(2099, 1, 1, tzinfo=UTC)).version == "1.0"


def test_newest_valid_from_in_force_wins(tmp_path: Path) -> None:
    # written so that the newer set is found first: the choice must not depend on load order
    write_set(
        tmp_path / "a-new", set_id="tst-2.0", version="2.0", valid_from="2025-06-01T00:00:00Z", valid_to=None
    )
    write_set(
        tmp_path / "b-old",
        set_id="tst-1.0",
        version="1.0",
        valid_from="2024-01-01T00:00:00Z",
        valid_to="2027-01-01T00:00:00Z",
    )
    catalog = load_catalog([tmp_path])
    assert catalog.resolve(ROOT, datetime(2025, 5, 31, tzinfo=UTC)).version == "1.0"
    assert catalog.resolve(ROOT, datetime(2025, 6, 1, tzinfo=UTC)).version == "2.0"  # overlap
    assert catalog.resolve(ROOT, datetime(2026, 6, 1, tzinfo=UTC)).version == "2.0"  # overlap
    assert catalog.resolve(ROOT, datetime(2028, 1, 1, tzinfo=UTC)).version == "2.0"
    refusal(catalog, ROOT, datetime(2023, 1, 1, tzinfo=UTC), SchemaVersionInactive)
    assert sorted(s.version for s in catalog) == ["1.0", "2.0"]


def test_older_version_still_in_force_after_newer_ends(tmp_path: Path) -> None:
    write_set(tmp_path / "old", set_id="old", version="1.0", valid_from="2024-01-01T00:00:00Z", valid_to=None)
    write_set(
        tmp_path / "pilot",
        set_id="pilot",
        version="2.0-pilot",
        valid_from="2025-01-01T00:00:00Z",
        valid_to="2025-02-01T00:00:00Z",
    )
    catalog = load_catalog([tmp_path])
    assert catalog.resolve(ROOT, datetime(2025, 1, 15, tzinfo=UTC)).version == "2.0-pilot"
    assert catalog.resolve(ROOT, datetime(2025, 3, 1, tzinfo=UTC)).version == "1.0"


def test_outbound_version_is_ignored_when_an_inbound_one_exists(tmp_path: Path) -> None:
    write_set(tmp_path / "in", set_id="in", version="1.0", valid_from="2024-01-01T00:00:00Z", valid_to=None)
    write_set(
        tmp_path / "out",
        set_id="out",
        version="2.0",
        direction="outbound",
        valid_from="2025-01-01T00:00:00Z",
        valid_to=None,
    )
    assert load_catalog([tmp_path]).resolve(ROOT, datetime(2026, 1, 1, tzinfo=UTC)).version == "1.0"


# --- loading ----------------------------------------------------------------------------------


def test_duplicate_root_and_version_is_refused(tmp_path: Path) -> None:
    write_set(tmp_path / "a", set_id="one")
    write_set(tmp_path / "b", set_id="two", valid_from="2030-01-01T00:00:00Z", valid_to=None)
    with pytest.raises(CatalogError, match=r"1\.0"):
        load_catalog([tmp_path])


def test_same_version_of_different_roots_is_fine(tmp_path: Path) -> None:
    write_set(tmp_path / "a", set_id="one")
    write_set(tmp_path / "b", set_id="two", root=f"{{{NS}}}TST002", message_type="TST002")
    assert len(list(load_catalog([tmp_path]))) == 2


def test_missing_catalog_path(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        load_catalog([tmp_path / "does-not-exist"])


def test_manifest_file_given_directly(tmp_path: Path) -> None:
    manifest = write_set(tmp_path / "a")
    assert load_catalog([manifest]).resolve(ROOT, JAN_2025).version == "1.0"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('system = "NCTS2"\n', ""),  # missing key in [set]
        ('id = "tst-1.0"\n', ""),
        ("valid_from = 2024-01-01T00:00:00Z\n", ""),
        ('type = "TST001"\n', ""),  # missing key in [[message]]
        ('root = "' + ROOT + '"\n', ""),
        ('direction = "inbound"\n', ""),
        ('message_id = "t:messageIdentification"\n', ""),
        ('message_id = "t:messageIdentification"\n', 'message_id = ""\n'),  # present but empty
        ('direction = "inbound"', 'direction = "sideways"'),
        ('xsd = "tst.xsd"', 'xsd = "missing.xsd"'),
        ('message_id = "t:messageIdentification"', 'message_id = "t:[broken"'),
        ('xsd_version = "1.0"', 'xsd_version = "2.0"'),
        ("[set]\n", "[sett]\n"),
        ("[[message]]", "[[messages]]"),
        ('[set]\nid = "tst-1.0"', '[set]\nid = "tst-1.0"\nid = "dup"'),  # not valid TOML
    ],
)
def test_broken_manifest_names_the_file(tmp_path: Path, old: str, new: str) -> None:
    manifest = write_set(tmp_path / "broken-set")
    text = manifest.read_text(encoding="utf-8")
    assert old in text, "the test's own replacement must apply"
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    assert str(manifest) in str(caught.value)


@pytest.mark.parametrize("xsd_version", ["1.0", "1.1"])
def test_broken_xsd_is_a_catalog_error_naming_the_manifest(tmp_path: Path, xsd_version: str) -> None:
    manifest = write_set(tmp_path / "s", xsd_version=xsd_version)
    (tmp_path / "s" / "tst.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<xs:element name="A" type="xs:noSuchType"/></xs:schema>',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    assert str(manifest) in str(caught.value)


def test_broken_legacy_manifest_names_the_file(tmp_path: Path) -> None:
    write_set(tmp_path / "a")
    legacy = write_legacy(tmp_path / "legacy")
    legacy.write_text('[[system]]\nname = "ECS"\nroots = ["{*}IE515"]\n', encoding="utf-8")  # no pointer
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path])
    assert str(legacy) in str(caught.value)


# --- XSD errors and their positions -----------------------------------------------------------


def validate(tmp_path: Path, body: bytes, xsd_version: str = "1.0") -> list:
    xsd = tmp_path / "v.xsd"
    xsd.write_text(XSD, encoding="utf-8")
    parsed = parse(body, ParsingSettings())
    return compile_xsd(xsd, xsd_version).validate(parsed.root, parsed.body)


def test_valid_document_has_no_errors(tmp_path: Path) -> None:
    body = f'<t:TST001 xmlns:t="{NS}"><t:messageIdentification>M1</t:messageIdentification></t:TST001>'
    assert validate(tmp_path, body.encode()) == []


def test_second_of_two_same_named_elements_on_one_line(tmp_path: Path) -> None:
    line3 = "  <t:Item>1</t:Item><t:Item>oops</t:Item>"
    body = (
        f'<?xml version="1.0"?>\n<t:TST001 xmlns:t="{NS}"><t:messageIdentification>M1'
        f"</t:messageIdentification>\n{line3}\n</t:TST001>"
    )
    lines = body.split("\n")
    assert lines[2] == line3
    errors = validate(tmp_path, body.encode())
    assert len(errors) == 1
    (error,) = errors
    assert error.code == SCHEMA_INVALID
    assert error.line == 3
    assert error.path == "/t:TST001/t:Item[2]"
    assert error.column == line3.index("<t:Item>oops") + 1  # 1-based: 21
    assert error.column == 21


def test_every_error_reported_at_once(tmp_path: Path) -> None:
    body = (
        f'<t:TST001 xmlns:t="{NS}">\n'
        "<t:messageIdentification>M</t:messageIdentification>\n"
        "<t:Item>a</t:Item>\n"
        "<t:Item>2</t:Item>\n"
        "<t:Item>c</t:Item>\n"
        "</t:TST001>"
    )
    errors = validate(tmp_path, body.encode())
    assert [(e.line, e.path, e.column) for e in errors] == [
        (3, "/t:TST001/t:Item[1]", 1),
        (5, "/t:TST001/t:Item[3]", 1),
    ]


def test_prefixed_root_error_has_its_column(tmp_path: Path) -> None:
    # an empty root lacks its required child: the error is on the (prefixed) root itself
    body = f'<?xml version="1.0"?>\n   <ns1:TST001 xmlns:ns1="{NS}"></ns1:TST001>'
    (error,) = validate(tmp_path, body.encode())
    assert (error.line, error.path, error.column) == (2, "/ns1:TST001", 4)


def test_prefixed_child_after_prefixed_root_on_one_line(tmp_path: Path) -> None:
    line = f'<ns1:TST001 xmlns:ns1="{NS}"><ns1:Item>1</ns1:Item></ns1:TST001>'
    (error,) = validate(tmp_path, f'<?xml version="1.0"?>\n{line}'.encode())
    assert (error.line, error.path) == (2, "/ns1:TST001/ns1:Item")
    assert error.column == line.index("<ns1:Item") + 1


def test_default_namespace_element_columns(tmp_path: Path) -> None:
    line = "<messageIdentification>M</messageIdentification><Item>1</Item><Item>x</Item>"
    body = f'<TST001 xmlns="{NS}">\n{line}\n</TST001>'
    (error,) = validate(tmp_path, body.encode())
    assert error.line == 2
    assert error.column == line.index("<Item>x") + 1


def test_positions_directly() -> None:
    body = b'<r>\n  <a/><a/><ab/><a x="1"/>\n  <p:a xmlns:p="urn:p"/>\n</r>'
    root = etree.fromstring(body)
    tree = root.getroottree()
    positions = Positions(root, body)
    line2 = '  <a/><a/><ab/><a x="1"/>'
    a_elements = root.findall("a")
    assert [positions.locate(2, tree.getpath(el)) for el in a_elements] == [
        (2, line2.index("<a/>") + 1),
        (2, line2.index("<a/>", line2.index("<a/>") + 1) + 1),
        (2, line2.index('<a x="1"/>') + 1),
    ]
    assert positions.locate(2, tree.getpath(root.find("ab"))) == (2, line2.index("<ab/>") + 1)
    prefixed = root.find("{urn:p}a")
    assert positions.locate(3, tree.getpath(prefixed)) == (3, 3)
    assert positions.locate(1, "/r") == (1, 1)
    # the element, not the reported line, decides where it is
    assert positions.locate(None, "/r") == (1, 1)
    assert positions.locate(99, "/r") == (1, 1)
    # nothing to locate: the reported line stays, without a column
    assert positions.locate(2, None) == (2, None)
    assert positions.locate(2, "/r/nope") == (2, None)


def test_positions_count_characters_not_bytes() -> None:
    line = "<r><n>żółw</n><n>x</n></r>"
    body = line.encode("utf-8")
    root = etree.fromstring(body)
    second = root.getroottree().getpath(root[1])
    assert Positions(root, body).locate(1, second) == (1, line.index("<n>x") + 1)


def test_xsd_11_errors_have_positions(tmp_path: Path) -> None:
    line = "<t:Item>1</t:Item><t:Item>oops</t:Item>"
    body = (
        f'<t:TST001 xmlns:t="{NS}">\n<t:messageIdentification>M</t:messageIdentification>\n'
        f"{line}\n</t:TST001>"
    )
    errors = validate(tmp_path, body.encode(), xsd_version="1.1")
    assert len(errors) == 1
    (error,) = errors
    assert error.code == SCHEMA_INVALID
    assert error.line == 3
    assert error.column == line.index("<t:Item>oops") + 1
