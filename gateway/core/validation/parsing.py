"""Hardened parsing: one parse of the received bytes, and nothing fetched or expanded.

libxml2 is asked never to load a DTD, substitute an entity or touch the network; whatever it still
sees of those constructs (a DOCTYPE, an entity reference, an XInclude element) refuses the document
with ``XML_FORBIDDEN``.  Depth, element and attribute counts are bounded while the document is
parsed: past a limit the parse is abandoned, not finished first.  The received bytes are
kept as they are: the tree is for reading, the bytes for storing and forwarding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from gateway.config import ParsingSettings
from gateway.core.errors import ErrorDetail, XmlForbidden, XmlMalformed

XINCLUDE_NAMESPACE = "http://www.w3.org/2001/XInclude"

# libxml2 reports entity use and its own safety limits as syntax errors; they are refusals of a
# construct, not of well-formedness.  By libxml2 error number: undeclared entity (26, 27),
# unparsed, external and parameter entities (28, 29, 30), entity loop and boundary (89, 90),
# resource limit (114: depth, size, amplification).
_FORBIDDEN_ERRORS = frozenset({26, 27, 28, 29, 30, 89, 90, 114})
_FORBIDDEN_MARKERS = ("excessive depth", "amplification", "xml_parse_huge")


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    body: bytes
    root: etree._Element

    @property
    def root_qname(self) -> str:
        return str(self.root.tag)


def digest_of(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


#: bytes fed to libxml2 at a time: the limits are looked at after each piece, so a document past
#: one of them is abandoned with at most this much more of it parsed
FEED_BYTES = 64 * 1024


def _parser(long_text: bool) -> etree.XMLPullParser:
    # A parser holds state: one per call keeps parsing safe across threads.  Its events (elements
    # opened and closed) let the limits be counted while the tree is built, not after.
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        # libxml2 keeps its entity amplification limit either way; ``huge_tree`` lifts the 10 MB
        # bound of one text node (and its own depth bound, below which ours stays)
        huge_tree=long_text,
        remove_blank_text=False,
        remove_comments=False,
    )


def _parse_within_limits(body: bytes, limits: ParsingSettings, long_text: bool) -> etree._Element:
    """The tree of ``body``, abandoned (``XML_FORBIDDEN``) as soon as it passes a limit: an element
    bomb costs the memory of ``max_elements`` elements at most, never that of the whole body."""
    try:
        return _feed(_parser(long_text), body, limits)
    except etree.XMLSyntaxError as exc:
        # A feed parser reports only its last complaint ("no element found"); the one-shot parse
        # of the same bytes (bounded: the limits were not passed before the error) names the cause
        # with its libxml2 number and position, as clients have always been told.
        try:
            etree.fromstring(body, _one_shot_parser(long_text))
        except etree.XMLSyntaxError as cause:
            raise _refusal(getattr(cause, "code", None), str(cause.msg), *cause.position) from None
        raise _refusal(getattr(exc, "code", None), str(exc.msg), *exc.position) from None


def _one_shot_parser(long_text: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=long_text
    )


def _refusal(error_number: object, message: str, line: int, column: int) -> XmlMalformed | XmlForbidden:
    forbidden = error_number in _FORBIDDEN_ERRORS or any(m in message.lower() for m in _FORBIDDEN_MARKERS)
    code = XmlForbidden if forbidden else XmlMalformed
    return code(message, [ErrorDetail(code.code, message, line, column, None)])


def _feed(parser: etree.XMLPullParser, body: bytes, limits: ParsingSettings) -> etree._Element:
    elements = depth = 0
    for start in range(0, len(body), FEED_BYTES):
        parser.feed(body[start : start + FEED_BYTES])
        events: Any = parser.read_events()  # (event, element): the stubs allow other shapes
        for event, element in events:
            if event == "end":
                depth -= 1
                continue
            elements += 1
            depth += 1
            if elements > limits.max_elements:
                _forbid(f"more than {limits.max_elements} elements", element.sourceline, None)
            if depth > limits.max_depth:
                _forbid(f"nesting deeper than {limits.max_depth} levels", element.sourceline, _path(element))
            if len(element.attrib) > limits.max_attributes_per_element:
                _forbid(
                    f"more than {limits.max_attributes_per_element} attributes on one element",
                    element.sourceline,
                    _path(element),
                )
    root: etree._Element = parser.close()
    return root


def _path(element: etree._Element) -> str:
    """Where ``element`` stands in the part of the tree built so far (only for the refusal)."""
    return str(element.getroottree().getpath(element))


def parse(body: bytes, limits: ParsingSettings, *, long_text: bool = False) -> ParsedDocument:
    """``body`` parsed under ``limits``; ``long_text``: one text node may pass 10 MB (a SOAP
    envelope carries its document as one base64 text, whose size the caller has bounded)."""
    if not body or body.isspace():
        raise XmlMalformed("the request body is empty", [ErrorDetail("XML_MALFORMED", "empty document")])
    try:
        root = _parse_within_limits(body, limits, long_text)
    except ValueError as exc:  # e.g. a str with an encoding declaration; not reachable from bytes
        raise XmlMalformed(str(exc)) from None
    _refuse_forbidden_constructs(root)
    return ParsedDocument(body=body, root=root)


def _refuse_forbidden_constructs(root: etree._Element) -> None:
    # Each check is one XPath evaluated by libxml2: walking a large tree element by element in
    # Python would cost more than the parse itself.
    tree = root.getroottree()
    docinfo: Any = tree.docinfo  # the stubs lack ``doctype``
    if docinfo.doctype or docinfo.internalDTD is not None:
        _forbid("a document type declaration (DTD) is not allowed", 1, None)
    for node in _nodes(_XINCLUDE(root)):
        _forbid("XInclude is not allowed", node.sourceline, tree.getpath(node))


_XINCLUDE = etree.XPath("(//xi:*)[1]", namespaces={"xi": XINCLUDE_NAMESPACE})


def _nodes(result: Any) -> list[etree._Element]:
    return list(result) if isinstance(result, list) else []


def _forbid(message: str, line: Any, path: str | None) -> None:
    raise XmlForbidden(message, [ErrorDetail(XmlForbidden.code, message, line, None, path)])
