"""The outbox administration calls (``/api/v1/admin/outbox``) in the description."""

from __future__ import annotations

from typing import Any

from gateway.channels.http.openapi import errors
from gateway.channels.http.openapi.responses import error_responses
from gateway.channels.http.openapi.schemas import Schema
from gateway.core.errors import NotFound
from gateway.services.outbox import MAX_LIST

_DEAD_LETTER: Schema = {
    "type": "object",
    "required": ["reference", "exchange", "routing_key", "attempts", "created_at", "dead_at"],
    "properties": {
        "reference": {"type": "string"},
        "exchange": {"type": "string"},
        "routing_key": {"type": "string"},
        "attempts": {"type": "integer"},
        "last_error": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "dead_at": {"type": "string", "format": "date-time"},
    },
}
_REQUEUED: Schema = {
    "type": "object",
    "required": ["requeued", "missing"],
    "properties": {
        "requeued": {"type": "array", "items": {"type": "string"}},
        "missing": {"type": "array", "items": {"type": "string"}},
    },
}


def _answer(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def outbox_paths() -> dict[str, Any]:
    requeued = _answer(_REQUEUED, "what was put back in the queue, and what named was no dead letter")
    return {
        "/api/v1/admin/outbox/dead": {
            "get": {
                "operationId": "outbox_dead_letters",
                "tags": ["admin"],
                "summary": "The outbox's dead letters (past the retry cap), oldest first",
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIST},
                        "description": "at most this many (default 100)",
                    }
                ],
                "responses": {
                    "200": _answer(
                        {
                            "type": "object",
                            "required": ["items", "count"],
                            "properties": {
                                "items": {"type": "array", "items": _DEAD_LETTER},
                                "count": {"type": "integer"},
                            },
                        },
                        "the dead letters",
                    ),
                    **error_responses(errors.ADMIN),
                },
            }
        },
        "/api/v1/admin/outbox/dead/{reference}/requeue": {
            "post": {
                "operationId": "outbox_requeue_one",
                "tags": ["admin"],
                "summary": "Put one dead letter back in the queue (its document `accepted` again)",
                "parameters": [
                    {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": requeued, **error_responses((*errors.ADMIN, NotFound))},
            }
        },
        "/api/v1/admin/outbox/requeue": {
            "post": {
                "operationId": "outbox_requeue",
                "tags": ["admin"],
                "summary": "Put named dead letters, or all of them, back in the queue",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {
                                        "type": "object",
                                        "required": ["references"],
                                        "properties": {
                                            "references": {
                                                "type": "array",
                                                "items": {"type": "string"},
                                                "minItems": 1,
                                            }
                                        },
                                    },
                                    {
                                        "type": "object",
                                        "required": ["all"],
                                        "properties": {"all": {"const": True}},
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {"200": requeued, **error_responses((*errors.ADMIN, NotFound))},
            }
        },
    }
