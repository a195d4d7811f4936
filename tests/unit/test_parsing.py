"""gateway.core.validation.parsing: one hardened parse; nothing fetched, expanded or kept from a DTD."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import ParsingSettings
from gateway.core.errors import ErrorDetail, GatewayError, XmlForbidden, XmlMalformed
from gateway.core.validation.parsing import ParsedDocument, digest_of, parse

SECRET = "TOP-SECRET-7f3a9c-DO-NOT-LEAK"


def refused(body: bytes, kind: type[GatewayError], limits: ParsingSettings | None = None) -> GatewayError:
    with pytest.raises(kind) as caught:
        parse(body, limits or ParsingSettings())
    error = caught.value
    assert error.code == kind.code
    assert error.status == 400
    assert error.errors, "a refusal carries at least one ErrorDetail"
    for detail in error.errors:
        assert isinstance(detail, ErrorDetail)
        assert detail.code == kind.code
    return error


def everything_said(error: GatewayError) -> str:
    parts = [str(error), error.detail]
    for detail in error.errors:
        parts.extend([detail.message, str(detail.path)])
    return "\n".join(parts)


def nested(levels: int) -> bytes:
    return b"<e>" * levels + b"</e>" * levels


# --- accepted ---------------------------------------------------------------------------------


def test_well_formed_document_is_parsed() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<m:Msg xmlns:m="urn:test:m" id="1">\n  <m:Item>\xc5\xbc\xc3\xb3\xc5\x82w</m:Item>\n</m:Msg>\n'
    )
    parsed = parse(body, ParsingSettings())
    assert isinstance(parsed, ParsedDocument)
    assert parsed.root_qname == "{urn:test:m}Msg"
    assert parsed.root.get("id") == "1"
    assert parsed.root[0].text == "żółw"


def test_digest_is_of_the_exact_bytes() -> None:
    a = b"<r>x</r>"
    b = b"<r>x</r>\n"  # the same infoset, other bytes: another digest
    assert digest_of(a) == "sha256:" + hashlib.sha256(a).hexdigest()
    assert digest_of(b) == "sha256:" + hashlib.sha256(b).hexdigest()
    assert digest_of(a) != digest_of(b)


def test_received_bytes_are_kept_unchanged() -> None:
    body = b"<?xml version='1.0'?>\r\n<r  a='1' >\r\n<!-- kept --><x/>\r\n</r>"
    parsed = parse(body, ParsingSettings())
    assert parsed.body is body or parsed.body == body
    assert parsed.body == b"<?xml version='1.0'?>\r\n<r  a='1' >\r\n<!-- kept --><x/>\r\n</r>"


def test_comments_and_processing_instructions_are_allowed() -> None:
    parsed = parse(b"<r><!-- note --><?app data?><x/></r>", ParsingSettings())
    assert parsed.root.find("x") is not None


def test_exactly_max_depth_is_accepted() -> None:
    parsed = parse(nested(10), ParsingSettings(max_depth=10))
    assert parsed.root.tag == "e"


def test_exactly_max_elements_and_attributes_are_accepted() -> None:
    parse(b"<r><a/><b/></r>", ParsingSettings(max_elements=3))
    parse(b'<r a="1" b="2" c="3"/>', ParsingSettings(max_attributes_per_element=3))


# --- not well-formed: XML_MALFORMED -----------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_body_is_malformed(body: bytes) -> None:
    refused(body, XmlMalformed)


def test_mismatched_tags_are_malformed_with_position() -> None:
    error = refused(b"<r>\n  <a></b>\n</r>", XmlMalformed)
    (detail,) = error.errors
    assert detail.line == 2
    assert detail.column is not None and detail.column > 0


def test_invalid_utf8_is_malformed_with_position() -> None:
    error = refused(b'<?xml version="1.0" encoding="UTF-8"?>\n<r>\n<a>ok\xff\xfe</a></r>', XmlMalformed)
    (detail,) = error.errors
    assert detail.line == 3
    assert detail.column is not None and detail.column > 0


def test_unclosed_document_is_malformed() -> None:
    refused(b"<r><a>", XmlMalformed)


def test_bare_ampersand_is_malformed_not_forbidden() -> None:
    # "Tom & Jerry" is a plain well-formedness error (no entity is referenced or declared).
    refused(b"<r>Tom & Jerry</r>", XmlMalformed)


# --- forbidden constructs: XML_FORBIDDEN ------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def test_billion_laughs_is_forbidden_quickly() -> None:
    began = time.perf_counter()
    refused(BILLION_LAUGHS, XmlForbidden)
    assert time.perf_counter() - began < 2.0


def test_doctype_without_internal_subset_is_forbidden() -> None:
    refused(b"<!DOCTYPE r>\n<r/>", XmlForbidden)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_external_entity_is_forbidden_and_never_read(secret_file: Path) -> None:
    for target in (secret_file.as_uri(), "file:///etc/passwd"):
        body = (
            f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "{target}">]>\n<r>&xxe;</r>'
        ).encode()
        error = refused(body, XmlForbidden)
        said = everything_said(error)
        assert SECRET not in said
        assert "root:" not in said  # first field of /etc/passwd


def test_xxe_in_attribute_default_is_forbidden(secret_file: Path) -> None:
    body = (
        f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}"><!ATTLIST r a CDATA "&xxe;">]><r/>'
    ).encode()
    error = refused(body, XmlForbidden)
    assert SECRET not in everything_said(error)


def test_parameter_entities_are_forbidden(secret_file: Path) -> None:
    internal = b"<!DOCTYPE r [<!ENTITY % p \"<!ENTITY q 'x'>\"> %p;]><r>&q;</r>"
    refused(internal, XmlForbidden)
    external = f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{secret_file.as_uri()}"> %p;]><r/>'.encode()
    error = refused(external, XmlForbidden)
    assert SECRET not in everything_said(error)


def test_undefined_entity_reference_is_forbidden() -> None:
    error = refused(b"<r>before &undefinedThing; after</r>", XmlForbidden)
    assert error.errors[0].line == 1


def test_xinclude_is_forbidden(secret_file: Path) -> None:
    body = (
        '<r xmlns:xi="http://www.w3.org/2001/XInclude">\n'
        f'  <xi:include href="{secret_file.as_uri()}" parse="text"/>\n</r>'
    ).encode()
    error = refused(body, XmlForbidden)
    assert SECRET not in everything_said(error)
    assert error.errors[0].line == 2


def test_xinclude_fallback_alone_is_forbidden() -> None:
    refused(b'<r><x:fallback xmlns:x="http://www.w3.org/2001/XInclude"/></r>', XmlForbidden)


def test_depth_over_the_limit_is_forbidden() -> None:
    refused(nested(11), XmlForbidden, ParsingSettings(max_depth=10))


def test_depth_over_the_default_limit_is_forbidden() -> None:
    limit = ParsingSettings().max_depth
    parse(nested(limit), ParsingSettings())
    refused(nested(limit + 1), XmlForbidden)


def test_depth_bomb_is_forbidden_by_libxml2_limit() -> None:
    # 10000 levels: libxml2 itself stops (without huge_tree) before our own walk is reached.
    began = time.perf_counter()
    refused(nested(10_000), XmlForbidden, ParsingSettings(max_depth=100_000))
    refused(b"<e>" * 10_000, XmlForbidden, ParsingSettings(max_depth=100_000))
    assert time.perf_counter() - began < 2.0


def test_too_many_elements_is_forbidden() -> None:
    refused(b"<r><a/><b/><c/></r>", XmlForbidden, ParsingSettings(max_elements=3))


def test_too_many_attributes_is_forbidden() -> None:
    limits = ParsingSettings(max_attributes_per_element=3)
    refused(b'<r><x a="1" b="2" c="3" d="4"/></r>', XmlForbidden, limits)


# --- no network -------------------------------------------------------------------------------


class Listener:
    """A TCP port that records whether anything connected to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


def test_external_dtd_on_a_dead_port_is_refused_quickly() -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd">\n<r/>'
    began = time.perf_counter()
    refused(body, XmlForbidden)
    assert time.perf_counter() - began < 1.0


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd"><r/>',
        '<!DOCTYPE r PUBLIC "-//X//Y//EN" "http://127.0.0.1:{port}/x.dtd"><r/>',
        '<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e.xml">]><r>&e;</r>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]><r/>',
        '<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="http://127.0.0.1:{port}/i.xml"/></r>',
        '<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:x http://127.0.0.1:{port}/s.xsd"><x/></r>',
    ],
)
def test_parse_never_connects(listener: Listener, template: str) -> None:
    body = template.format(port=listener.port).encode()
    with contextlib.suppress(XmlForbidden, XmlMalformed):
        parse(body, ParsingSettings())
    time.sleep(0.3)  # let a connection, had there been one, be accepted
    assert listener.connections == 0


def test_an_element_bomb_is_abandoned_at_the_limit_not_parsed_to_its_end() -> None:
    # malformed past the first pieces fed: only a parse that stops at the limit calls it forbidden
    bomb = b"<r>" + b"<a/>" * 40_000 + b"<<< not xml"
    error = refused(bomb, XmlForbidden, ParsingSettings(max_elements=100))
    assert "more than 100 elements" in error.detail


def test_depth_and_attributes_are_counted_while_parsing() -> None:
    deep = b"<e>" * 20 + b"<x/>" * 40_000 + b"<<< not xml"
    refused(deep, XmlForbidden, ParsingSettings(max_depth=10))
    attributes = b" ".join(f'a{i}="1"'.encode() for i in range(5))
    crowded = b"<r><a " + attributes + b"/>" + b"<b/>" * 40_000 + b"<<<"
    refused(crowded, XmlForbidden, ParsingSettings(max_attributes_per_element=3))
