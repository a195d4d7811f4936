"""Decisions about verdicts made in one place: how a refusal is recorded, how a duplicate is told
from a conflict, and how a verdict reads as JSON (the receipt, the dry run and ``gateway check``
all show the same fields under the same names)."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from gateway.core.domain import Receipt, Status, Verdict
from gateway.core.errors import DocumentRejected, DuplicateConflict, ErrorDetail
from gateway.core.timefmt import rfc3339


def refused(verdict: Verdict, refusal: DocumentRejected) -> Verdict:
    """``verdict`` refused by ``refusal``: its code and errors recorded, nothing routed."""
    return replace(
        verdict,
        refusal=refusal.code,
        errors=refusal.errors,
        storable=refusal.store_rejected,
        route=None,
    )


class Resend(Enum):
    #: the same bytes again: answered with the original receipt, nothing routed twice
    DUPLICATE = "duplicate"
    #: the same message identifier for other content: refused with ``DUPLICATE_CONFLICT``
    CONFLICT = "conflict"


def resend_of(verdict: Verdict, original: Receipt) -> Resend:
    """What a document is when ``original`` already holds its message identifier."""
    return Resend.DUPLICATE if original.verdict.digest == verdict.digest else Resend.CONFLICT


def conflict_error(verdict: Verdict, original: str) -> ErrorDetail:
    assert verdict.envelope is not None
    return ErrorDetail(
        DuplicateConflict.code,
        f"message identifier {verdict.envelope.message_id} was already used by this sender for other "
        f"content (document {original})",
    )


def in_conflict(verdict: Verdict, original: str) -> Verdict:
    """``verdict`` refused because ``original`` holds its message identifier with other content."""
    error = conflict_error(verdict, original)
    return refused(verdict, DuplicateConflict(error.message, [error]))


def verdict_json(verdict: Verdict) -> dict[str, object]:
    """The verdict's facts as JSON fields: what was learnt of the document, the signer, the
    evidence, the rights, the route, warnings and errors."""
    envelope, ident = verdict.envelope, verdict.identification
    return {
        "code": verdict.refusal,
        "system": ident.system,
        "message_type": ident.message_type,
        "schema_version": ident.schema_version,
        "message_id": envelope.message_id if envelope else None,
        "lrn": envelope.lrn if envelope else None,
        "arc": envelope.arc if envelope else None,
        "digest": verdict.digest,
        "signer": verdict.signer.as_dict() if verdict.signer else None,
        "revocation": verdict.revocation.as_dict() if verdict.revocation else None,
        "acting_for": envelope.acting_for if envelope else None,
        "rights": verdict.rights.as_dict() if verdict.rights else None,
        "route": verdict.route.as_dict() if verdict.route else None,
        "warnings": list(verdict.warnings),
        "errors": [e.as_dict() for e in verdict.errors],
    }


#: the verdict fields a receipt shows as they are (the others it words its own way)
_RECEIPT_FIELDS = (
    "system",
    "message_type",
    "schema_version",
    "message_id",
    "digest",
    "signer",
    "revocation",
    "acting_for",
)


def receipt_json(receipt: Receipt) -> dict[str, object]:
    """The receipt JSON of SPEC.md section 2: a stored document and the verdict it was stored with."""
    fields = verdict_json(receipt.verdict)
    result: dict[str, object] = {
        "reference": receipt.reference,
        "status": str(receipt.status),
        "received_at": rfc3339(receipt.received_at),
        **{name: fields[name] for name in _RECEIPT_FIELDS},
        "representation": receipt.representation,
        "rights": dict(receipt.rights) if receipt.rights else None,
        "route": fields["route"],
        "warnings": fields["warnings"],
    }
    for optional in ("lrn", "arc"):
        if fields[optional]:
            result[optional] = fields[optional]
    if receipt.status is Status.REJECTED:
        result["errors"] = fields["errors"]
    return result
