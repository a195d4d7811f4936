"""The shared, original SEAP description (the contract the gateway must be compatible with) and
small helpers for the SEAP channel's tests."""

from __future__ import annotations

import copy
import functools
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from gateway.core.seap.namespaces import CHANNEL, PULL, PUSH, SOAP

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
XSD_NS = "http://www.w3.org/2001/XMLSchema"


def shared_dir() -> Path:
    override = os.environ.get("GATEWAY_SHARED_DIR")
    return Path(override).resolve() if override else Path(__file__).resolve().parents[3] / "shared"


def shared_file(*parts: str) -> Path:
    path = shared_dir().joinpath("reference", *parts)
    if not path.is_file():
        pytest.fail(
            f"{path} is missing (set GATEWAY_SHARED_DIR to the folder with reference/)", pytrace=False
        )
    return path


def original_wsdl(name: str = "WS_PULL.wsdl") -> Path:
    return shared_file("seap-ws", "ws", name)


@functools.cache
def wsdl_schema(path: Path) -> etree.XMLSchema:
    """The inline schema of a WSDL (with what it imports) as one schema."""
    tree = etree.parse(str(path))
    schema = tree.find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    assert schema is not None
    standalone = etree.ElementTree(copy.deepcopy(schema))
    standalone.docinfo.URL = str(path)
    return etree.XMLSchema(standalone)


def envelopes(path: Path) -> list[bytes]:
    """The SOAP envelopes of a file (one of the real answers holds two, one after the other)."""
    text = path.read_bytes()
    starts = [m.start() for m in re.finditer(rb"(<\?xml[^>]*\?>\s*)?<soap:Envelope", text)]
    return [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]


def payloads(envelope: bytes) -> list[etree._Element]:
    """What a WSDL's schema describes in an envelope: the Body's element, or the fault's detail."""
    root = etree.fromstring(envelope)
    body = root.find(f"{{{SOAP}}}Body")
    assert body is not None
    fault = body.find(f"{{{SOAP}}}Fault")
    if fault is not None:
        detail = fault.find("detail")
        assert detail is not None
        return list(detail)
    return list(body)


def fault_error(envelope: bytes) -> tuple[str, str, str]:
    """``(fault detail element, errorCode, errorDesc)`` of a SEAP fault."""
    (detail,) = payloads(envelope)
    return (
        etree.QName(detail).localname,
        detail.findtext(f"{{{PULL}}}error/{{{CHANNEL}}}errorCode") or "",
        detail.findtext(f"{{{PULL}}}error/{{{CHANNEL}}}errorDesc") or "",
    )


__all__ = [
    "CHANNEL",
    "PULL",
    "PUSH",
    "SOAP",
    "envelopes",
    "fault_error",
    "original_wsdl",
    "payloads",
    "wsdl_schema",
]
