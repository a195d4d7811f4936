"""XSD validation: compiled once, every error reported at once with line, column and path.

XSD 1.0 sets are compiled by libxml2 (through lxml), which is fast enough for multi-megabyte
messages.  Sets that need XSD 1.1 (assertions, conditional types) are compiled by xmlschema.
"""

from __future__ import annotations

import queue
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import xmlschema
from lxml import etree

from gateway.core.errors import ErrorDetail

SCHEMA_INVALID = "SCHEMA_INVALID"


class XsdValidator(Protocol):
    def validate(self, root: etree._Element, body: bytes) -> list[ErrorDetail]:
        """All XSD errors of ``root``; ``body`` is the received text, for columns."""
        ...


def _schema_parser() -> etree.XMLParser:
    # Our own schema files are trusted, but they must still load without the network.
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


class LibxmlValidator:
    """libxml2 validation without serialising threads on one schema.

    An ``XMLSchema`` keeps its error log on itself, so one object validates one document at a
    time; idle copies wait in a pool, and a copy is compiled from the parsed XSD when all are busy
    (at most one per checking thread).  libxml2 validates without holding the GIL.
    """

    def __init__(self, xsd: Path) -> None:
        self._xsd = etree.parse(str(xsd), _schema_parser())
        self._idle: queue.SimpleQueue[etree.XMLSchema] = queue.SimpleQueue()
        self._idle.put(etree.XMLSchema(self._xsd))  # compiled now: a broken XSD fails start-up

    def validate(self, root: etree._Element, body: bytes) -> list[ErrorDetail]:
        try:
            schema = self._idle.get_nowait()
        except queue.Empty:
            schema = etree.XMLSchema(self._xsd)
        try:
            if schema.validate(root):
                return []
            log: Iterable[Any] = schema.error_log  # type: ignore[assignment]
            entries = [(e.line, e.path, e.message) for e in log]
        finally:
            self._idle.put(schema)
        positions = Positions(root, body)
        return [
            ErrorDetail(SCHEMA_INVALID, message, *positions.locate(line, path), path)
            for line, path, message in entries
        ]


class XmlschemaValidator:
    def __init__(self, xsd: Path) -> None:
        self._schema = xmlschema.XMLSchema11(str(xsd), allow="local")

    def validate(self, root: etree._Element, body: bytes) -> list[ErrorDetail]:
        found = []
        positions = Positions(root, body)
        tree = root.getroottree()
        for error in self._schema.iter_errors(root):
            element = error.elem if isinstance(error.elem, etree._Element) else None
            line = element.sourceline if element is not None else None
            path = tree.getpath(element) if element is not None else error.path
            message = str(error.reason or error.message)
            found.append(ErrorDetail(SCHEMA_INVALID, message, *positions.locate(line, path), path))
        return found


def compile_xsd(xsd: Path, xsd_version: str) -> XsdValidator:
    if not xsd.is_file():
        raise FileNotFoundError(f"schema file {xsd} not found")
    if xsd_version == "1.1":
        return XmlschemaValidator(xsd)
    if xsd_version == "1.0":
        return LibxmlValidator(xsd)
    raise ValueError(f"xsd_version must be 1.0 or 1.1, not {xsd_version!r}")


# libxml2 keeps element line numbers in 16 bits.  Past that, an element's line is taken from its
# first text node, which begins on the start tag's line but is dated where it ends: one line later
# for every newline in it.
_LINE_LIMIT = 65535


def line_of(element: etree._Element) -> int | None:
    reported: Any = element.sourceline
    if not isinstance(reported, int):
        return None
    line: int = reported
    if line >= _LINE_LIMIT and element.text:
        line -= element.text.count("\n")
    return line


class Positions:
    """Lines and columns of elements in the received text, indexed on first use.

    libxml2 reports validity errors by node, with a line but no column; the column is found again
    by counting, on that line of the received text, the start tags of the same name before it.
    """

    def __init__(self, root: etree._Element, body: bytes) -> None:
        self._tree = root.getroottree()
        self._body = body
        self._by_line: dict[int, list[etree._Element]] | None = None
        self._lines: list[bytes] | None = None

    def locate(self, line: int | None, path: str | None) -> tuple[int | None, int | None]:
        """The line and column of the element at ``path`` (reported at ``line``)."""
        target = self._element(path, line)
        if target is None:
            return line, None
        line = line_of(target) or line
        return line, self._column(target, line)

    def _element(self, path: str | None, line: int | None) -> etree._Element | None:
        if not path:
            return None
        root = self._tree.getroot()
        namespaces = {prefix: uri for prefix, uri in root.nsmap.items() if prefix}
        try:
            found: Any = self._tree.xpath(path, namespaces=namespaces)
        except etree.XPathError:  # a prefix declared below the root: look on the reported line
            found = [el for el in self._index().get(line or 0, []) if self._tree.getpath(el) == path]
        first = found[0] if isinstance(found, list) and found else None
        return first if isinstance(first, etree._Element) else None

    def _index(self) -> dict[int, list[etree._Element]]:
        if self._by_line is None:
            self._by_line = {}
            for el in self._tree.getroot().iter():
                el_line = line_of(el) if isinstance(el.tag, str) else None
                if el_line is not None:
                    self._by_line.setdefault(el_line, []).append(el)
        return self._by_line

    def _column(self, target: etree._Element, line: int | None) -> int | None:
        if line is None:
            return None
        if self._lines is None:
            self._lines = self._body.split(b"\n")
        on_line = self._index().get(line, [])
        if target not in on_line or line > len(self._lines):
            return None
        occurrence = [el for el in on_line if el.tag == target.tag].index(target)
        text = self._lines[line - 1].decode("utf-8", errors="replace")
        local = etree.QName(target).localname
        name = f"<{target.prefix}:{local}" if target.prefix else f"<{local}"
        position = -1
        for _ in range(occurrence + 1):
            position = text.find(name, position + 1)
            while position >= 0 and not _ends_name(text, position + len(name)):
                position = text.find(name, position + 1)
            if position < 0:
                return None
        return position + 1


def _ends_name(text: str, index: int) -> bool:
    return index >= len(text) or text[index] in " \t\r\n/>"
