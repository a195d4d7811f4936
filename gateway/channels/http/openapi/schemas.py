"""The JSON schemas of the API's bodies (OpenAPI 3.1, i.e. JSON Schema 2020-12).

They describe what the handlers render from the core's values (gateway/core/verdicts.py,
gateway/core/mailbox.py, gateway/services/health.py); the schemathesis run in CI checks every
answer against them, so a field that changes here or there fails it.
"""

from __future__ import annotations

from typing import Any

from gateway.core.domain import SYSTEMS, Status

Schema = dict[str, Any]


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_TEXT_OR_NULL = nullable("string")

ERROR_DETAIL: Schema = {
    "type": "object",
    "description": "One finding, with its place in the received document where it has one.",
    "required": ["code", "message", "line", "column", "path"],
    "properties": {
        "code": {"type": "string", "examples": ["SCHEMA_INVALID"]},
        "message": {"type": "string"},
        "line": nullable("integer", minimum=1),
        "column": nullable("integer", minimum=0),
        "path": _TEXT_OR_NULL,
    },
}

PROBLEM: Schema = {
    "type": "object",
    "description": "RFC 9457 problem details; `code` is the stable error code (SPEC.md section 2).",
    "required": ["type", "title", "status", "detail", "code", "errors"],
    "properties": {
        "type": {"type": "string", "examples": ["urn:customs-gateway:error:SCHEMA_INVALID"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "reference": {"type": "string", "format": "uuid", "description": "the stored document, if kept"},
        "errors": {"type": "array", "items": ref("ErrorDetail")},
    },
}

SIGNER: Schema = {
    "type": "object",
    "required": ["kind", "person", "certificate"],
    "properties": {
        "kind": {"enum": ["sc", "qualified", "epuap", "cbtd"]},
        "person": {"type": "string", "description": "ID SISC, or what the signature carries"},
        "certificate": {"type": "string", "description": "SHA-256 fingerprint"},
        "identifier": _TEXT_OR_NULL,
        "scheme": _TEXT_OR_NULL,
        "issuer": _TEXT_OR_NULL,
        "serial": _TEXT_OR_NULL,
    },
}

ROUTE: Schema = {
    "type": "object",
    "required": ["exchange", "routing_key"],
    "properties": {"exchange": {"type": "string"}, "routing_key": {"type": "string"}},
}

_IDENTIFICATION: dict[str, Schema] = {
    "system": _TEXT_OR_NULL,
    "message_type": _TEXT_OR_NULL,
    "schema_version": _TEXT_OR_NULL,
    "message_id": _TEXT_OR_NULL,
    "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
    "signer": {"oneOf": [ref("Signer"), {"type": "null"}]},
    "revocation": nullable("object", description="what the revocation check relied on"),
    "acting_for": {**_TEXT_OR_NULL, "description": "the identifier of the Podmiot acted for"},
    "route": {"oneOf": [ref("Route"), {"type": "null"}]},
    "warnings": {"type": "array", "items": {"type": "string"}},
}

RECEIPT: Schema = {
    "type": "object",
    "description": "A stored document's receipt (SPEC.md section 2).",
    "required": ["reference", "status", "received_at", *_IDENTIFICATION, "representation", "rights"],
    "properties": {
        "reference": {"type": "string", "format": "uuid"},
        "status": {"enum": [str(s) for s in Status]},
        "received_at": {"type": "string", "format": "date-time"},
        **_IDENTIFICATION,
        "lrn": {"type": "string"},
        "arc": {"type": "string"},
        "representation": {**_TEXT_OR_NULL, "description": "id, or null where none was needed"},
        "rights": nullable("object"),
        "errors": {"type": "array", "items": ref("ErrorDetail"), "description": "rejected only"},
    },
}

DOCUMENT_STATUS: Schema = {
    "allOf": [ref("Receipt")],
    "type": "object",
    "required": ["responses"],
    "properties": {
        "responses": {
            "type": "array",
            "description": "the customs systems' answers to it, oldest first",
            "items": {"type": "object"},
        }
    },
}

DRY_RUN: Schema = {
    "type": "object",
    "description": "The verdict of `?dry_run=true`: nothing was stored or routed.",
    "required": ["dry_run", "status", "code", *_IDENTIFICATION, "errors"],
    "properties": {
        "dry_run": {"const": True},
        "status": {"enum": ["accepted", "rejected"]},
        "code": {**_TEXT_OR_NULL, "description": "the refusal's code, null when accepted"},
        **_IDENTIFICATION,
        "lrn": _TEXT_OR_NULL,
        "arc": _TEXT_OR_NULL,
        "rights": nullable("object"),
        "errors": {"type": "array", "items": ref("ErrorDetail")},
    },
}

DOCUMENT_PAGE: Schema = {
    "type": "object",
    "required": ["items", "has_next", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": ref("Receipt")},
        "has_next": {"type": "boolean"},
        "next_cursor": {**_TEXT_OR_NULL, "description": "pass back as `cursor` for the next page"},
    },
}

MAILBOX_ITEM: Schema = {
    "type": "object",
    "required": ["id", "reference", "message_id", "received_at", "read_at", "first_read", "body_base64"],
    "properties": {
        "id": {"type": "integer"},
        "reference": {"type": "string", "format": "uuid"},
        "message_id": {"type": "string"},
        "system": _TEXT_OR_NULL,
        "message_type": _TEXT_OR_NULL,
        "received_at": {"type": "string", "format": "date-time"},
        "read_at": {"type": "string", "format": "date-time"},
        "first_read": {"type": "boolean"},
        "headers": {"type": "object"},
        "content_type": {"type": "string"},
        "body_base64": {"type": "string", "contentEncoding": "base64"},
    },
}

MAILBOX_PAGE: Schema = {
    "type": "object",
    "required": ["items", "has_next", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": ref("MailboxItem")},
        "has_next": {"type": "boolean"},
        "next_cursor": _TEXT_OR_NULL,
    },
}

ME: Schema = {
    "type": "object",
    "required": ["account", "person", "podmioty"],
    "properties": {
        "account": {"type": "object"},
        "person": nullable("object"),
        "podmioty": {"type": "array", "items": {"type": "object"}},
    },
}

READINESS: Schema = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["ready", "degraded", "unavailable"]},
        "checks": {
            "type": "object",
            "properties": {
                "database": {"type": "object"},
                "broker": {"type": "object"},
                "outbox": {"type": "object"},
                "receipts": {"type": "object"},
            },
        },
    },
}

SCHEMAS: dict[str, Schema] = {
    "ErrorDetail": ERROR_DETAIL,
    "Problem": PROBLEM,
    "Signer": SIGNER,
    "Route": ROUTE,
    "Receipt": RECEIPT,
    "DocumentStatus": DOCUMENT_STATUS,
    "DryRunVerdict": DRY_RUN,
    "DocumentPage": DOCUMENT_PAGE,
    "MailboxItem": MAILBOX_ITEM,
    "MailboxPage": MAILBOX_PAGE,
    "Me": ME,
    "Readiness": READINESS,
}

SYSTEM_PARAM: Schema = {"type": "string", "enum": list(SYSTEMS)}
