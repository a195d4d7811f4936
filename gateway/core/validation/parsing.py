"""Hardened parsing: one parse of the received bytes, and nothing fetched or expanded.

libxml2 is asked never to load a DTD, substitute an entity or touch the network; whatever it still
sees of those constructs (a DOCTYPE, an entity reference, an XInclude element) refuses the document
with ``XML_FORBIDDEN``.  Depth, element and attribute counts are bounded.  The received bytes are
kept as they are: the tree is for reading, the bytes for storing and forwarding.
"""

from __future__ import annotations

import functools
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


def _parser(long_text: bool) -> etree.XMLParser:
    # A parser holds state: one per call keeps parsing safe across threads.
    return etree.XMLParser(
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


def parse(body: bytes, limits: ParsingSettings, *, long_text: bool = False) -> ParsedDocument:
    """``body`` parsed under ``limits``; ``long_text``: one text node may pass 10 MB (a SOAP
    envelope carries its document as one base64 text, whose size the caller has bounded)."""
    if not body or body.isspace():
        raise XmlMalformed("the request body is empty", [ErrorDetail("XML_MALFORMED", "empty document")])
    try:
        root = etree.fromstring(body, _parser(long_text))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        message = str(exc.msg)
        error_number = getattr(exc, "code", None)  # libxml2's number; the stubs do not declare it
        forbidden = error_number in _FORBIDDEN_ERRORS or any(m in message.lower() for m in _FORBIDDEN_MARKERS)
        code = XmlForbidden if forbidden else XmlMalformed
        raise code(message, [ErrorDetail(code.code, message, line, column, None)]) from None
    except ValueError as exc:  # e.g. a str with an encoding declaration; not reachable from bytes
        raise XmlMalformed(str(exc)) from None
    _refuse_forbidden_constructs(root, limits)
    return ParsedDocument(body=body, root=root)


def _refuse_forbidden_constructs(root: etree._Element, limits: ParsingSettings) -> None:
    # Each check is one XPath evaluated by libxml2: walking a large tree element by element in
    # Python would cost more than the parse itself.
    tree = root.getroottree()
    docinfo: Any = tree.docinfo  # the stubs lack ``doctype``
    if docinfo.doctype or docinfo.internalDTD is not None:
        _forbid("a document type declaration (DTD) is not allowed", 1, None)
    queries = _queries(limits.max_depth, limits.max_attributes_per_element)
    for node in _nodes(queries.too_deep(root)):
        _forbid(f"nesting deeper than {limits.max_depth} levels", node.sourceline, tree.getpath(node))
    for node in _nodes(queries.xinclude(root)):
        _forbid("XInclude is not allowed", node.sourceline, tree.getpath(node))
    for node in _nodes(queries.many_attributes(root)):
        _forbid(
            f"more than {limits.max_attributes_per_element} attributes on one element",
            node.sourceline,
            tree.getpath(node),
        )
    if float(queries.element_count(root)) > limits.max_elements:  # type: ignore[arg-type]
        _forbid(f"more than {limits.max_elements} elements", None, None)


@dataclass(frozen=True, slots=True)
class _Queries:
    too_deep: etree.XPath
    xinclude: etree.XPath
    many_attributes: etree.XPath
    element_count: etree.XPath


@functools.lru_cache(maxsize=8)
def _queries(max_depth: int, max_attributes: int) -> _Queries:
    return _Queries(
        too_deep=etree.XPath("(/" + "/".join(["*"] * (max_depth + 1)) + ")[1]"),
        xinclude=etree.XPath("(//xi:*)[1]", namespaces={"xi": XINCLUDE_NAMESPACE}),
        many_attributes=etree.XPath(f"(//*[count(@*) > {max_attributes}])[1]"),
        element_count=etree.XPath("count(//*)"),
    )


def _nodes(result: Any) -> list[etree._Element]:
    return list(result) if isinstance(result, list) else []


def _forbid(message: str, line: Any, path: str | None) -> None:
    raise XmlForbidden(message, [ErrorDetail(XmlForbidden.code, message, line, None, path)])
