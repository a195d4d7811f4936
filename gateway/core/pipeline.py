"""The checks every inbound document passes, top to bottom, without I/O.

``check`` is a plain function over frozen values: it can be called from a test, from ``gateway
check`` or, in the server, from a worker thread.  Storing, routing and answering happen around it,
at the edges (:mod:`gateway.services.submission`).

    parse (hardened) -> classify (catalog) -> addressed (SEAP only) -> XSD -> signature
        -> envelope (+ application) -> route

The signature stage hands on only what it verified; the envelope is read from that and nothing
else.  The rights check needs the registry, so it runs after ``check``, in the service
(:mod:`gateway.services.rights`), before anything is stored.

Revocation statuses are looked up, not fetched: when one is not at hand, ``check`` raises
:class:`~gateway.core.signature.model.RevocationNeeded` (not a refusal) naming the certificates.
Callers run it through ``RevocationStatuses.settle`` (:mod:`gateway.adapters.revocation`), which
obtains them and runs ``check`` once more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from lxml import etree

from gateway.config import ParsingSettings
from gateway.core.domain import REGISTRY_SYSTEM, Envelope, Identification, Route, Verdict
from gateway.core.errors import DocumentRejected, ErrorDetail, SchemaInvalid, TargetSystemMismatch
from gateway.core.registry.applications import read_application
from gateway.core.registry.model import Application
from gateway.core.signature.stage import SignatureStage, SignedContent
from gateway.core.validation.catalog import Catalog, MessageSchema
from gateway.core.validation.parsing import ParsedDocument, digest_of, parse
from gateway.core.validation.xsd import Positions
from gateway.core.verdicts import refused


@dataclass(frozen=True, slots=True)
class Checks:
    """Everything the checks need, built once at start-up."""

    catalog: Catalog
    signature: SignatureStage
    parsing: ParsingSettings


def check(
    body: bytes, received_at: datetime, checks: Checks, addressed_to: frozenset[str] = frozenset()
) -> Verdict:
    """The verdict of ``body``; ``addressed_to``: the systems the sender named (the SEAP channel's
    ``targetSystems``), of which the document's must be one (none named: no such check)."""
    known = Verdict(digest=digest_of(body), identification=Identification())
    try:
        parsed = parse(body, checks.parsing)
    except DocumentRejected as refusal:
        return refused(known, refusal)
    if (kind := checks.catalog.identify(parsed.root_qname)) is not None:
        known = replace(known, identification=Identification(*kind))
    try:
        schema = classify(parsed, checks.catalog, received_at)
        known = replace(known, identification=_identify(schema))
        check_addressed(schema, addressed_to)
        validate(parsed, schema)
        signed = checks.signature.verify(parsed, schema, received_at)
        known = replace(known, signer=signed.signer, warnings=signed.warnings, revocation=signed.revocation)
        envelope = read_envelope(signed, schema)
        known = replace(known, envelope=envelope, application=read_content(signed, schema))
    except DocumentRejected as refusal:
        return refused(known, refusal)
    if not schema.routed:
        return known
    return replace(known, route=Route.inbound(envelope.system, envelope.message_type))


def classify(parsed: ParsedDocument, catalog: Catalog, received_at: datetime) -> MessageSchema:
    """The schema in force for the message's root; a refusal points at the root element."""
    try:
        return catalog.resolve(parsed.root_qname, received_at)
    except DocumentRejected as refusal:
        root = parsed.root
        path = root.getroottree().getpath(root)
        line, column = Positions(root, parsed.body).locate(None, path)
        raise type(refusal)(
            refusal.detail, [ErrorDetail(refusal.code, refusal.detail, line, column, path)]
        ) from None


def check_addressed(schema: MessageSchema, addressed_to: frozenset[str]) -> None:
    if addressed_to and schema.system not in addressed_to:
        named = ", ".join(sorted(addressed_to))
        raise TargetSystemMismatch(
            f"the document is a {schema.system} {schema.message_type} message, but it was sent to {named}"
        )


def validate(parsed: ParsedDocument, schema: MessageSchema) -> None:
    errors = schema.validator.validate(parsed.root, parsed.body)
    if errors:
        raise SchemaInvalid(
            f"{len(errors)} schema error(s) against {schema.system} {schema.message_type} {schema.version}",
            errors,
        )


def read_envelope(signed: SignedContent, schema: MessageSchema) -> Envelope:
    paths = schema.paths

    def text(xpath: object) -> str | None:
        if xpath is None:
            return None
        value = str(xpath(signed.root)).strip()  # type: ignore[operator]
        return value or None

    acting_for = text(paths.representative)
    acting_role: str | None = "representative"
    if acting_for is None:
        acting_role = None
        for role, xpath in paths.parties:
            if (acting_for := text(xpath)) is not None:
                acting_role = role
                break
    return Envelope(
        system=schema.system,
        message_type=schema.message_type,
        schema_version=schema.version,
        message_id=text(paths.message_id) or "",
        lrn=text(paths.lrn),
        arc=text(paths.arc),
        acting_for=acting_for,
        acting_role=acting_role,
    )


#: systems whose messages carry content the gateway itself acts on, and how it is read
CONTENT_READERS: Mapping[str, Callable[[etree._Element], Application]] = {
    REGISTRY_SYSTEM: read_application,
}


def read_content(signed: SignedContent, schema: MessageSchema) -> Application | None:
    reader = CONTENT_READERS.get(schema.system)
    return reader(signed.root) if reader is not None else None


def _identify(schema: MessageSchema) -> Identification:
    return Identification(schema.system, schema.message_type, schema.version)
