"""The one table from the gateway's error codes to SEAP faults.

SEAP answers a refusal with a ``soap:Fault`` whose ``detail`` holds ``techErrorFault`` or
``businessErrorFault`` with an ``errorCode`` (``E…`` technical, ``B…`` business) and an
``errorDesc``.  The real service gives ``E003`` for content it cannot process or has no schema
for; the gateway keeps that and groups its other codes the same way.  ``errorDesc`` always begins
with the gateway's own code, so nothing is lost by the grouping.  docs/seap.md shows this table
(``python -m gateway.channels.seap.faults`` prints it; a test keeps the two the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.core.errors import error_class_for, error_classes


class FaultKind(StrEnum):
    TECHNICAL = "techErrorFault"
    BUSINESS = "businessErrorFault"


@dataclass(frozen=True, slots=True)
class SeapFault:
    code: str
    kind: FaultKind
    meaning: str


_GROUPS: tuple[tuple[SeapFault, tuple[str, ...]], ...] = (
    (SeapFault("E001", FaultKind.TECHNICAL, "authentication failed"), ("UNAUTHENTICATED",)),
    (
        SeapFault("E002", FaultKind.TECHNICAL, "the request itself cannot be taken"),
        (
            "BAD_REQUEST",
            "INVALID_PARAMETER",
            "UNSUPPORTED_MEDIA_TYPE",
            "PAYLOAD_TOO_LARGE",
            "NOT_FOUND",
            "REQUEST_TIMEOUT",
        ),
    ),
    (
        SeapFault(
            "E003", FaultKind.TECHNICAL, "content that cannot be processed, or no active schema for it"
        ),
        (
            "XML_MALFORMED",
            "XML_FORBIDDEN",
            "SCHEMA_UNKNOWN",
            "SCHEMA_NOT_INBOUND",
            "SCHEMA_VERSION_INACTIVE",
            "SCHEMA_INVALID",
            "SYSTEM_LEGACY_CHANNEL",
            "TARGET_SYSTEM_MISMATCH",
        ),
    ),
    (
        SeapFault("E004", FaultKind.TECHNICAL, "unavailable for now: send again later"),
        ("UNAVAILABLE", "OUTCOME_UNKNOWN", "CERT_STATUS_UNKNOWN", "RATE_LIMITED"),
    ),
    (
        SeapFault("B001", FaultKind.BUSINESS, "the signature or its certificate is not accepted"),
        (
            "SIGNATURE_MISSING",
            "SIGNATURE_INVALID",
            "SIGNATURE_PROFILE",
            "SIGNATURE_STALE",
            "CERT_UNTRUSTED",
            "CERT_EXPIRED",
            "CERT_REVOKED",
        ),
    ),
    (
        SeapFault("B002", FaultKind.BUSINESS, "no right to send or to read this"),
        ("SIGNER_UNKNOWN", "RIGHTS_DENIED", "SUBMITTER_NOT_ENTITLED", "FORBIDDEN"),
    ),
    (
        SeapFault("B003", FaultKind.BUSINESS, "message identifier used for other content"),
        ("DUPLICATE_CONFLICT",),
    ),
    (SeapFault("B004", FaultKind.BUSINESS, "rejected by the customs office"), ("APPLICATION_REJECTED",)),
    (
        SeapFault("B005", FaultKind.BUSINESS, "registry administration (not reached through SEAP)"),
        ("REGISTRY_INVALID", "REGISTRY_CONFLICT", "REGISTRY_NOT_FOUND", "REGISTRY_FIELD_EXTERNAL"),
    ),
)

FAULTS: dict[str, SeapFault] = {code: fault for fault, codes in _GROUPS for code in codes}
#: anything unexpected (the gateway's own failure, logged)
INTERNAL_FAULT = SeapFault("E999", FaultKind.TECHNICAL, "unexpected error in the gateway")


def fault_for(code: str) -> SeapFault:
    return FAULTS.get(code, INTERNAL_FAULT)


def soap_faultcode(status: int) -> str:
    """``soap:Client`` for what the request must change, ``soap:Server`` for what may pass."""
    return "soap:Server" if status >= 500 else "soap:Client"


def fault_table() -> str:
    """The Markdown table of docs/seap.md: every code of the error tree, and INTERNAL."""
    lines = [
        "| gateway code | SEAP errorCode | fault detail | faultcode | meaning |",
        "|---|---|---|---|---|",
    ]
    for cls in error_classes():
        fault = fault_for(cls.code)
        faultcode = soap_faultcode(cls.status)
        lines.append(f"| `{cls.code}` | `{fault.code}` | `{fault.kind}` | `{faultcode}` | {fault.meaning} |")
    lines.append(
        f"| `INTERNAL` | `{INTERNAL_FAULT.code}` | `{INTERNAL_FAULT.kind}` | `soap:Server` "
        f"| {INTERNAL_FAULT.meaning} |"
    )
    return "\n".join(lines)


def status_of(code: str) -> int:
    try:
        return error_class_for(code).status
    except KeyError:
        return 500


if __name__ == "__main__":
    print(fault_table())
