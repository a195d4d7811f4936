"""The admin API's description, generated from the operation table (gateway/channels/operations.py)
exactly as gateway/channels/http/admin.py serves it: a parameter is in the path, the query string
(GET, DELETE), the JSON body (POST, PUT, PATCH), or is the whole body."""

from __future__ import annotations

import re
from typing import Any

from gateway.channels.http.openapi import errors
from gateway.channels.http.openapi.responses import error_responses
from gateway.channels.operations import INT_RANGE, OPERATIONS, Operation, Param
from gateway.core.registry.model import IDENTIFIER_SCHEMES

_KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "secret": {"type": "string", "format": "password"},
    "int": {"type": "integer", "format": "int64", "minimum": INT_RANGE[0], "maximum": INT_RANGE[1]},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "description": "RFC 3339, or a date meaning 00:00 UTC"},
    "identifier": {"type": "string", "pattern": f"^({'|'.join(IDENTIFIER_SCHEMES)})=.+$"},
    "file": {"type": "string"},
}


def param_schema(param: Param) -> dict[str, Any]:
    schema = dict(_KIND_SCHEMAS[param.kind])
    if param.choices:
        schema = {"type": "string", "enum": list(param.choices)}
    if param.many:
        schema = {"type": "array", "items": schema}
    if param.help:
        schema["description"] = param.help
    return schema


def operation_id(operation: Operation) -> str:
    words = re.split(r"[-_ ]", " ".join(operation.command))
    return "admin" + "".join(word.capitalize() for word in words)


def _admin_operation(operation: Operation) -> dict[str, Any]:
    path_params = [p for p in operation.params if p.in_path]
    other = [p for p in operation.params if not p.in_path]
    parameters: list[dict[str, Any]] = [
        {"name": p.name, "in": "path", "required": True, "schema": param_schema(p), "description": p.help}
        for p in path_params
    ]
    described: dict[str, Any] = {
        "operationId": operation_id(operation),
        "tags": ["admin"],
        "summary": operation.help,
        "description": f"`gateway registry {' '.join(operation.command)}`; needs an operator's token.",
        "security": [{"bearer": []}],
    }
    body_params = [p for p in other if p.body]
    if body_params:
        described["requestBody"] = {
            "required": True,
            "content": {operation.media_type: {"schema": {"type": "string"}}},
        }
    elif operation.method in ("GET", "DELETE"):
        parameters += [
            {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "schema": param_schema(p),
                **({"style": "form", "explode": True} if p.many else {}),
            }
            for p in other
        ]
    elif other:
        described["requestBody"] = {
            "required": any(p.required for p in other),
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {p.name: param_schema(p) for p in other},
                        "required": [p.name for p in other if p.required],
                    }
                }
            },
        }
    if parameters:
        described["parameters"] = parameters
    codes = errors.ADMIN_WITH_BODY if body_params else errors.ADMIN
    described["responses"] = {
        str(operation.status): {
            "description": "the result, as `gateway registry ... --json` prints it",
            "content": {"application/json": {"schema": {}}},
        },
        **error_responses(codes),
    }
    return described


def admin_paths() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.route, {})[operation.method.lower()] = _admin_operation(operation)
    return paths
