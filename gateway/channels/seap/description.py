"""The gateway's own WSDL and schema (gateway/schemas/seap): served with the gateway's address,
and the schema every request's Body is validated against."""

from __future__ import annotations

import copy
import functools
from pathlib import Path

from lxml import etree

from gateway.config import packaged

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
CHANNEL_SCHEMA = "WS_CHANNEL.xsd"
PULL_WSDL = "WS_PULL.wsdl"
PUSH_WSDL = "WS_PUSH.wsdl"


def description_file(name: str) -> Path:
    return packaged("seap", name)


@functools.cache
def _tree(name: str) -> etree._ElementTree:
    # our own files, shipped in the package: trusted, but parsed without network all the same
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.parse(str(description_file(name)), parser)


@functools.cache
def body_schema() -> etree.XMLSchema:
    """WS_PULL's types (and WS_CHANNEL's, which they import) as one schema."""
    schema = _tree(PULL_WSDL).find(f"{{{WSDL}}}types/{{{XSD}}}schema")
    assert schema is not None
    # a document of its own whose base is the WSDL's, so that the import finds WS_CHANNEL.xsd
    standalone = etree.ElementTree(copy.deepcopy(schema))
    standalone.docinfo.URL = str(description_file(PULL_WSDL))
    return etree.XMLSchema(standalone)


def served_wsdl(name: str, base_url: str, address: str | None) -> bytes:
    """The WSDL ``name`` with ``address`` in ``soap:address`` (None: left as shipped) and the
    schema it imports named by its URL under ``base_url``."""
    tree = copy.deepcopy(_tree(name))
    for imported in tree.iter(f"{{{XSD}}}import"):
        if imported.get("schemaLocation") == CHANNEL_SCHEMA:
            imported.set("schemaLocation", f"{base_url}/ws/{CHANNEL_SCHEMA}")
    if address is not None:
        for location in tree.iter(f"{{{WSDL_SOAP}}}address"):
            location.set("location", address)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def channel_schema() -> bytes:
    return description_file(CHANNEL_SCHEMA).read_bytes()
