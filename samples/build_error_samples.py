"""Writes ``samples/errors/<CODE>/`` from the valid samples, by small edits whose place is known.

Run by ``samples/build_samples.py``.  The folders SCHEMA_NOT_INBOUND and SCHEMA_VERSION_INACTIVE
are written by that script from the builders; SYSTEM_LEGACY_CHANNEL holds hand-written messages.  The expected
errors in each folder's ``expected.toml`` are stated from the edit (which line was changed, which
element lies there), not read back from the gateway, so the tests that compare them can fail.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sample_pki import sign_sample, strip_signature

from gateway.demo.samplegen import SampleParams, build

SAMPLES = Path(__file__).resolve().parent
VALID = SAMPLES / "valid"
ERRORS = SAMPLES / "errors"


@dataclass
class Case:
    code: str
    name: str
    body: bytes
    errors: list[dict[str, object]] | None = None
    before: list[str] = field(default_factory=list)


def line_of(body: bytes, needle: bytes, occurrence: int = 0) -> int:
    position = -1
    for _ in range(occurrence + 1):
        position = body.index(needle, position + 1)
    return body.count(b"\n", 0, position) + 1


def column_of(body: bytes, needle: bytes) -> int:
    position = body.index(needle)
    return position - body.rfind(b"\n", 0, position)


def set_text(body: bytes, element: str, new: str, occurrence: int = 0) -> tuple[bytes, int, int]:
    """Replace the text of the ``occurrence``-th ``<element>``; returns body, line and column."""
    start_tag = f"<{element}>".encode()
    line = line_of(body, start_tag, occurrence)
    position = -1
    for _ in range(occurrence + 1):
        position = body.index(start_tag, position + 1)
    text_start = position + len(start_tag)
    text_end = body.index(b"<", text_start)
    column = position - body.rfind(b"\n", 0, position)
    return body[:text_start] + new.encode() + body[text_end:], line, column


def drop_line(body: bytes, needle: bytes) -> bytes:
    start = body.rfind(b"\n", 0, body.index(needle)) + 1
    end = body.index(b"\n", start) + 1
    return body[:start] + body[end:]


_ROOT_TAG = re.compile(rb"<(?![?!])([A-Za-z_][\w.:-]*)")


def at_root(code: str, body: bytes) -> dict[str, object]:
    """A refusal of the whole message points at its root element's start tag."""
    found = _ROOT_TAG.search(body)
    assert found is not None
    line = body.count(b"\n", 0, found.start()) + 1
    column = found.start() - body.rfind(b"\n", 0, found.start())
    name = found.group(1).decode()
    start_tag = body[found.start() : body.index(b">", found.start())]
    # libxml2's path notation (which the gateway reports) writes an element in a default namespace
    # as "*", having no prefix to name it by.
    path = "/*" if ":" not in name and b'xmlns="' in start_tag else "/" + name
    return {"code": code, "line": line, "column": column, "path": path}


#: folders whose messages are written elsewhere (build_samples.py, or by hand); only their
#: expectations are written here
ROOT_REFUSALS = ("SCHEMA_NOT_INBOUND", "SCHEMA_VERSION_INACTIVE", "SYSTEM_LEGACY_CHANNEL")


def root_refusal_cases() -> list[Case]:
    return [
        Case(code, path.name, path.read_bytes(), [at_root(code, path.read_bytes())])
        for code in ROOT_REFUSALS
        for path in sorted((ERRORS / code).glob("*.xml"))
    ]


def invalid(path: str, line: int, column: int) -> dict[str, object]:
    return {"code": "SCHEMA_INVALID", "line": line, "column": column, "path": path}


def schema_invalid_cases() -> list[Case]:
    cases = []
    cc515c = (VALID / "AES" / "CC515C.xml").read_bytes()
    body, line, column = set_text(cc515c, "LRN", "LRN-WITH-FAR-TOO-MANY-CHARACTERS")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "CC515C-lrn-too-long.xml",
            body,
            [invalid("/aes:CC515C/ExportOperation/LRN", line, column)],
        )
    )

    body = drop_line(cc515c, b"<LRN>")
    line = line_of(body, b"<declarationType>")
    column = column_of(body, b"<declarationType>")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "CC515C-lrn-missing.xml",
            body,
            [invalid("/aes:CC515C/ExportOperation/declarationType", line, column)],
        )
    )

    body, first, first_col = set_text(cc515c, "LRN", "bad lrn with spaces")
    body, second, second_col = set_text(body, "countryOfDestination", "Canada")
    body, third, third_col = set_text(body, "grossMass", "heavy")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "CC515C-three-errors-at-once.xml",
            body,
            [
                invalid("/aes:CC515C/ExportOperation/LRN", first, first_col),
                invalid("/aes:CC515C/GoodsShipment/countryOfDestination", second, second_col),
                invalid(
                    "/aes:CC515C/GoodsShipment/GoodsItem[1]/Commodity/GoodsMeasure/grossMass",
                    third,
                    third_col,
                ),
            ],
        )
    )

    cc015c = (VALID / "NCTS2" / "CC015C.xml").read_bytes()
    body, line, column = set_text(cc015c, "identificationNumber", "not an EORI")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "CC015C-holder-not-an-eori.xml",
            body,
            [invalid("/ncts:CC015C/HolderOfTheTransitProcedure/identificationNumber", line, column)],
        )
    )

    params = SampleParams(
        items=1000, message_id="NCTS2-CC015C-1000", reference="26PLTRN0000001000", seed=1000
    )
    body = build("CC015C", params)
    item = etree.fromstring(body).findall(".//ConsignmentItem")[999]
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "CC015C-1000-goods-items.xml",
            body,
            [
                invalid(item.getroottree().getpath(item), line_of(body, b"<ConsignmentItem>", 999), 7),
            ],
        )
    )

    ie815 = (VALID / "EMCSPL2" / "IE815.xml").read_bytes()
    body, line, column = set_text(ie815, "TraderExciseNumber", "XX-NOT-EXCISE")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "IE815-bad-excise-number.xml",
            body,
            [invalid("/emcs:IE815/ConsignorTrader/TraderExciseNumber", line, column)],
        )
    )

    ie818 = (VALID / "EMCSPL2" / "IE818.xml").read_bytes()
    body, line, column = set_text(ie818, "AadReferenceCode", "NOT-AN-ARC")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "IE818-bad-arc.xml",
            body,
            [invalid("/emcs:IE818/ExciseMovement/AadReferenceCode", line, column)],
        )
    )
    return cases


def xml_cases() -> list[Case]:
    cc515c = (VALID / "AES" / "CC515C.xml").read_bytes()
    truncated = cc515c[: len(cc515c) // 2]
    mismatched = cc515c.replace(b"</LRN>", b"</LRX>", 1)
    latin1 = cc515c.replace("Kraków".encode(), "Kraków".encode("latin-1"), 1)
    malformed = [
        Case("XML_MALFORMED", "truncated.xml", truncated, [{"code": "XML_MALFORMED"}]),
        Case(
            "XML_MALFORMED",
            "mismatched-tag.xml",
            mismatched,
            [{"code": "XML_MALFORMED", "line": line_of(mismatched, b"</LRX>")}],
        ),
        Case(
            "XML_MALFORMED",
            "latin1-bytes-declared-utf8.xml",
            latin1,
            [{"code": "XML_MALFORMED", "line": line_of(latin1, b"Krak")}],
        ),
        Case(
            "XML_MALFORMED",
            "bare-ampersand.xml",
            cc515c.replace(b"Cheese, other", b"Cheese & other", 1),
            [{"code": "XML_MALFORMED", "line": line_of(cc515c, b"Cheese, other")}],
        ),
        Case(
            "XML_MALFORMED",
            "not-xml.xml",
            b"%PDF-1.7 this is not XML\n",
            [{"code": "XML_MALFORMED", "line": 1}],
        ),
    ]
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
            for i in range(1, 10)
        )
        + b"]>\n<lolz>&lol9;</lolz>\n"
    )
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE aes:CC515C [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
        b'<aes:CC515C xmlns:aes="urn:customs-gateway:sxml:aes:1">&xxe;</aes:CC515C>\n'
    )
    external_dtd = b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">\n<r/>\n'
    xinclude = cc515c.replace(
        b"<ExportOperation>",
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>\n'
        b"  <ExportOperation>",
        1,
    )
    deep = b"<a>" * 100 + b"</a>" * 100
    bomb = b"<a>" * 5000 + b"</a>" * 5000
    forbidden = [
        Case("XML_FORBIDDEN", "billion-laughs.xml", laughs, [{"code": "XML_FORBIDDEN", "line": 1}]),
        Case("XML_FORBIDDEN", "external-entity.xml", xxe, [{"code": "XML_FORBIDDEN", "line": 1}]),
        Case("XML_FORBIDDEN", "external-dtd.xml", external_dtd, [{"code": "XML_FORBIDDEN", "line": 1}]),
        Case(
            "XML_FORBIDDEN",
            "xinclude.xml",
            xinclude,
            [{"code": "XML_FORBIDDEN", "line": line_of(xinclude, b"<xi:include")}],
        ),
        Case(
            "XML_FORBIDDEN",
            "nesting-over-the-limit.xml",
            deep,
            [{"code": "XML_FORBIDDEN", "line": 1, "path": "/a" * 65}],
        ),
        Case("XML_FORBIDDEN", "depth-bomb.xml", bomb, [{"code": "XML_FORBIDDEN", "line": 1}]),
        Case(
            "XML_FORBIDDEN",
            "undefined-entity.xml",
            cc515c.replace(b"Cheese, other", b"&cheese;", 1),
            [{"code": "XML_FORBIDDEN", "line": line_of(cc515c, b"Cheese, other")}],
        ),
    ]
    return malformed + forbidden


def catalog_cases() -> list[Case]:
    cc515c = (VALID / "AES" / "CC515C.xml").read_bytes()
    cases = [
        Case(
            "SCHEMA_UNKNOWN",
            "foreign-namespace.xml",
            cc515c.replace(b"urn:customs-gateway:sxml:aes:1", b"urn:example:not-a-customs-schema"),
            None,
        ),
        Case(
            "SCHEMA_UNKNOWN",
            "unknown-message-type.xml",
            cc515c.replace(b"aes:CC515C", b"aes:CC599C"),
            None,
        ),
        Case(
            "SCHEMA_UNKNOWN",
            "no-namespace.xml",
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b"<CC515C>\n  <messageSender>X</messageSender>\n</CC515C>\n",
            None,
        ),
    ]
    conflict, _, _ = set_text(strip_signature(cc515c), "countryOfDestination", "US")
    conflict = sign_sample(conflict, "qualified-person", token="AES-CC515C-0001-conflict")
    cases.append(
        Case(
            "DUPLICATE_CONFLICT",
            "CC515C-same-id-other-content.xml",
            conflict,
            [{"code": "DUPLICATE_CONFLICT"}],
            before=["../../valid/AES/CC515C.xml"],
        )
    )
    return cases


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def write(cases: list[Case]) -> None:
    by_code: dict[str, list[Case]] = {}
    for case in cases:
        by_code.setdefault(case.code, []).append(case)
    for code, found in by_code.items():
        folder = ERRORS / code
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"# Expected errors per file (written by samples/{Path(__file__).name}).", ""]
        for case in found:
            (folder / case.name).write_bytes(case.body)
            if case.errors is None and not case.before:
                continue
            lines.append(f'["{case.name}"]')
            if case.before:
                lines.append(f"before = {toml_value(case.before)}")
            if case.errors is not None:
                lines.append("errors = [")
                lines.extend(f"  {toml_value(error)}," for error in case.errors)
                lines.append("]")
            lines.append("")
        (folder / "expected.toml").write_text("\n".join(lines), encoding="utf-8")


def _with_root_positions(cases: list[Case]) -> list[Case]:
    return [
        Case(c.code, c.name, c.body, [at_root(c.code, c.body)], c.before)
        if c.code == "SCHEMA_UNKNOWN"
        else c
        for c in cases
    ]


BUILDERS: list[Callable[[], list[Case]]] = [
    schema_invalid_cases,
    xml_cases,
    lambda: _with_root_positions(catalog_cases()),
    root_refusal_cases,
]


def main() -> None:
    cases = [case for builder in BUILDERS for case in builder()]
    for code in {case.code for case in cases}:  # folders this script owns, written anew
        if (ERRORS / code).exists():
            shutil.rmtree(ERRORS / code)
    write(cases)
    print(f"{len(cases)} error samples in {len({c.code for c in cases})} folders")


if __name__ == "__main__":
    main()
