"""The OpenAPI 3.1 description of the HTTP API, built from the code it describes: the error tree
(which codes a call answers), the operation table (the admin API) and the samples (examples).

``tests/integration/test_openapi.py`` compares its paths with the routes the application registers,
both ways, and CI runs schemathesis over it against a live gateway.
"""

from __future__ import annotations

from typing import Any

from gateway.channels.http.openapi import errors
from gateway.channels.http.openapi.admin import admin_paths
from gateway.channels.http.openapi.examples import load_examples
from gateway.channels.http.openapi.outbox import outbox_paths
from gateway.channels.http.openapi.responses import error_responses
from gateway.channels.http.openapi.schemas import SCHEMAS, SYSTEM_PARAM, Schema, ref
from gateway.core.domain import Status
from gateway.core.paging import DEFAULT_PAGE, MAX_PAGE

OPENAPI_PATH = "/api/v1/openapi.json"
DOCS_PATH = "/api/v1/docs"
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
NO_AUTH: list[dict[str, list[str]]] = []


def _json(schema_name: str, description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": ref(schema_name)}},
        **extra,
    }


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_REFERENCE_PARAM = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
    "description": "the document's reference (the `reference` of its receipt)",
}
_LIMIT = _query(
    "limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, f"page size (default {DEFAULT_PAGE})"
)
_DOCUMENT_LINKS = {
    "Location": {"description": "the stored document", "schema": {"type": "string"}},
    "Link": {"description": "the signed receipt (`rel=receipt`)", "schema": {"type": "string"}},
}
_XML_RECEIPT = {"application/xml": {"schema": {"type": "string", "description": "the signed UPO"}}}
_STATUS_LINKS = {
    "GetDocument": {
        "operationId": "getDocument",
        "parameters": {"reference": "$response.body#/reference"},
        "description": "the stored document's status",
    },
    "GetReceipt": {
        "operationId": "getReceipt",
        "parameters": {"reference": "$response.body#/reference"},
        "description": "its signed UPO or NPP",
    },
}


def _documents() -> dict[str, Any]:
    examples = load_examples()
    submit_receipt = {
        "application/json": {"schema": ref("Receipt")},
        **_XML_RECEIPT,
    }
    return {
        "/api/v1/documents": {
            "post": {
                "operationId": "submitDocument",
                "tags": ["documents"],
                "summary": "Submit a signed XML document (or check it: `dry_run=true`)",
                "description": (
                    "The full checks run (parse, schema, XSD, XAdES signature, revocation, rights). "
                    "With `dry_run=true` nothing is stored or routed and the verdict is answered "
                    "with `200` whatever it is. With `Accept: application/xml` the answer is the "
                    "signed receipt itself: the UPO, or the NPP at the refusal's status."
                ),
                "security": BEARER,
                "parameters": [
                    _query("dry_run", {"type": "boolean"}, "check only: nothing stored or routed"),
                    {
                        "name": "Accept",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "enum": ["application/json", "application/xml"]},
                        "description": "`application/xml`: answer with the signed UPO/NPP",
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        media: {
                            "schema": {"type": "string", "description": "the signed XML document"},
                            **({"examples": examples.requests()} if examples.requests() else {}),
                        }
                        for media in ("application/xml", "text/xml")
                    },
                },
                "responses": {
                    "202": {
                        "description": "received and stored: its receipt",
                        "headers": _DOCUMENT_LINKS,
                        "content": submit_receipt,
                        "links": _STATUS_LINKS,
                    },
                    "200": {
                        "description": (
                            "the same document sent again: the original receipt; or the verdict of a dry run"
                        ),
                        "content": {
                            "application/json": {"schema": {"oneOf": [ref("Receipt"), ref("DryRunVerdict")]}},
                            **_XML_RECEIPT,
                        },
                    },
                    **error_responses(errors.SUBMIT, xml_receipt=True),
                },
            },
            "get": {
                "operationId": "listDocuments",
                "tags": ["documents"],
                "summary": "The documents the caller may read, oldest first, a page at a time",
                "security": BEARER,
                "parameters": [
                    _query("system", SYSTEM_PARAM, "only this system's"),
                    _query("status", {"type": "string", "enum": [str(s) for s in Status]}, "only these"),
                    _query("since", {"type": "string", "format": "date-time"}, "received at or after"),
                    _query("acting_for", {"type": "string"}, "only those acting for this Podmiot"),
                    _LIMIT,
                    _query("cursor", {"type": "string"}, "`next_cursor` of the previous page"),
                ],
                "responses": {
                    "200": _json("DocumentPage", "a page of receipts"),
                    **error_responses(errors.READ_LIST),
                },
            },
        },
        "/api/v1/documents/{reference}": {
            "get": {
                "operationId": "getDocument",
                "tags": ["documents"],
                "summary": "A document's status, with the customs systems' answers to it",
                "security": BEARER,
                "parameters": [_REFERENCE_PARAM],
                "responses": {
                    "200": _json("DocumentStatus", "its status", headers={"Link": _DOCUMENT_LINKS["Link"]}),
                    **error_responses(errors.READ_ONE),
                },
            }
        },
        "/api/v1/documents/{reference}/upo": {
            "get": {
                "operationId": "getReceipt",
                "tags": ["receipts"],
                "summary": "The document's signed receipt: UPO (received) or NPP (refused)",
                "description": "Verify it offline with `gateway upo verify` and the receipt certificate.",
                "security": BEARER,
                "parameters": [_REFERENCE_PARAM],
                "responses": {
                    "200": {
                        "description": "the signed UPO or NPP, the same bytes every time",
                        "headers": {"X-Reference": {"schema": {"type": "string"}}},
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **error_responses(errors.READ_ONE),
                },
            }
        },
        "/receipts/certificate.pem": {
            "get": {
                "operationId": "getReceiptCertificate",
                "tags": ["receipts"],
                "summary": "The certificate (and chain) receipts are signed with",
                "security": NO_AUTH,
                "responses": {
                    "200": {
                        "description": "PEM certificates",
                        "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    }


def _mailbox() -> dict[str, Any]:
    return {
        "/api/v1/mailbox": {
            "get": {
                "operationId": "takeMailbox",
                "tags": ["mailbox"],
                "summary": "The customs systems' responses, oldest unread first; those answered are now read",
                "security": BEARER,
                "parameters": [
                    _query("reference", {"type": "string", "format": "uuid"}, "answers to this document"),
                    _query("acting_for", {"type": "string"}, "for this Podmiot"),
                    _query("system", SYSTEM_PARAM, "from this system"),
                    _query("state", {"type": "string", "enum": ["unread", "all"]}, "default unread"),
                    _query("after", {"type": "integer", "minimum": 0}, "`state=all`: `next_cursor`"),
                    _LIMIT,
                ],
                "responses": {
                    "200": _json(
                        "MailboxPage",
                        "a page of responses",
                        headers={"Cache-Control": {"schema": {"type": "string"}}},
                    ),
                    **error_responses(errors.READ_LIST),
                },
            }
        },
        "/api/v1/mailbox/{id}": {
            "get": {
                "operationId": "getMailboxResponse",
                "tags": ["mailbox"],
                "summary": "One response's bytes, as the customs system sent them",
                "security": BEARER,
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 0},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "the response",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **error_responses(errors.MAILBOX_ONE),
                },
            }
        },
    }


def _me() -> dict[str, Any]:
    return {
        "/api/v1/me": {
            "get": {
                "operationId": "getMe",
                "tags": ["me"],
                "summary": "The calling account, its person, the Podmioty it acts for and its rights",
                "security": BEARER,
                "responses": {"200": _json("Me", "the account"), **error_responses(errors.ME)},
            }
        },
        "/api/v1/me/link": {
            "post": {
                "operationId": "linkMe",
                "tags": ["me"],
                "summary": "Link the calling account to the person migrated from PDR",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["pesel", "code"],
                                "properties": {"pesel": {"type": "string"}, "code": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {"200": _json("Me", "the account, now linked"), **error_responses(errors.LINK)},
            }
        },
    }


def _health() -> dict[str, Any]:
    return {
        "/healthz": {
            "get": {
                "operationId": "liveness",
                "tags": ["health"],
                "summary": "Liveness",
                "security": NO_AUTH,
                "responses": {
                    "200": {
                        "description": "the process runs",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"status": {"const": "ok"}}}
                            }
                        },
                    }
                },
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readiness",
                "tags": ["health"],
                "summary": "Readiness: database, broker, outbox backlog, receipt key",
                "security": NO_AUTH,
                "responses": {
                    "200": _json("Readiness", "documents can be accepted (`ready` or `degraded`)"),
                    "503": _json("Readiness", "the database does not answer"),
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "tags": ["health"],
                "summary": "Prometheus metrics",
                "security": NO_AUTH,
                "responses": {
                    "200": {
                        "description": "the Prometheus text format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        OPENAPI_PATH: {
            "get": {
                "operationId": "openapi",
                "tags": ["health"],
                "summary": "This description",
                "security": NO_AUTH,
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every call of the HTTP API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "customs-gateway",
            "version": "1",
            "description": (
                "Signed XML (SXML) messages to the Polish customs systems NCTS2, AES and EMCS PL2. "
                "Errors are `application/problem+json` (RFC 9457) with a stable `code`."
            ),
        },
        "servers": [{"url": "/"}],
        "security": BEARER,
        "tags": [{"name": name} for name in ("documents", "receipts", "mailbox", "me", "admin", "health")],
        "paths": {**_documents(), **_mailbox(), **_me(), **admin_paths(), **outbox_paths(), **_health()},
        "components": {
            "schemas": SCHEMAS,
            "examples": load_examples().components(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API token of an active account (`gateway registry token`)",
                }
            },
        },
    }
