"""The signature element checked against the XAdES schemas, as signxml checks it.

signxml validates the ``ds:Signature`` against three XAdES schemas (the 1.4.1 one and the two ETSI
EN 319 132 editions, each importing XML-DSig) and accepts it when any of them does; the message
schemas leave the signature unvalidated (``processContents="skip"``).  The same schema files,
taken from the installed signxml, keep the two verifiers' verdicts on malformed signatures alike.
Validating the signature alone costs some 15 microseconds; the document is not revalidated.
"""

from __future__ import annotations

import importlib.resources
import queue
from functools import cache
from typing import Any

from lxml import etree

from gateway.core.errors import ErrorDetail, SignatureProfile

#: the edition that knows SigningCertificateV2 first: what the gateway's signers write
SCHEMA_FILES = ("XAdES01903v141-201601.xsd", "XAdES01903v141-201506.xsd", "XAdESv141.xsd")


class _Schemas:
    """Compiled schemas, one set per validating thread at a time: an ``XMLSchema`` keeps its
    error log on itself.  Idle sets wait in a pool; a set is compiled when all are busy."""

    def __init__(self) -> None:
        folder = importlib.resources.files("signxml.xades.schemas")
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        self._documents = [etree.parse(str(folder / name), parser) for name in SCHEMA_FILES]
        self._idle: queue.SimpleQueue[list[etree.XMLSchema]] = queue.SimpleQueue()
        self._idle.put(self._compiled())

    def _compiled(self) -> list[etree.XMLSchema]:
        return [etree.XMLSchema(document) for document in self._documents]

    def first_error(self, signature: etree._Element) -> str | None:
        """None when one of the schemas accepts ``signature``, else what the first one objects to."""
        try:
            schemas = self._idle.get_nowait()
        except queue.Empty:
            schemas = self._compiled()
        try:
            if any(schema.validate(signature) for schema in schemas):
                return None
            log: Any = schemas[0].error_log  # the stubs lack ``last_error``
            return str(log.last_error)
        finally:
            self._idle.put(schemas)


@cache
def _schemas() -> _Schemas:
    return _Schemas()


def check_structure(signature: etree._Element) -> None:
    error = _schemas().first_error(signature)
    if error is not None:
        message = f"the signature does not follow the XML-DSig/XAdES schema: {error}"
        raise SignatureProfile(message, [ErrorDetail(SignatureProfile.code, message)])
