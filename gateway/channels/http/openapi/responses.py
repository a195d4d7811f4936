"""Error answers in the description: one response per HTTP status, with the codes it carries."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from gateway.channels.http.openapi import errors
from gateway.channels.http.openapi.examples import load_examples
from gateway.channels.http.openapi.schemas import Schema, ref

PROBLEM_JSON = "application/problem+json"

_RETRY_AFTER = {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}


def error_responses(codes: errors.Errors, *, xml_receipt: bool = False) -> dict[str, Any]:
    """One response per HTTP status, naming every code it can carry; ``xml_receipt``: a client that
    asked for ``application/xml`` gets the signed NPP at a document refusal's status instead."""
    by_status: dict[int, list[type[Any]]] = defaultdict(list)
    for cls in codes:
        by_status[cls.status].append(cls)
    responses: dict[str, Any] = {}
    for status, classes in sorted(by_status.items()):
        listed = sorted({cls.code for cls in classes})
        problem: Schema = {"allOf": [ref("Problem")], "properties": {"code": {"enum": listed}}}
        content: dict[str, Any] = {PROBLEM_JSON: {"schema": problem}}
        examples = load_examples().problems(listed)
        if examples:
            content[PROBLEM_JSON]["examples"] = examples
        if xml_receipt and status in errors.NPP_STATUSES:
            content["application/xml"] = {"schema": {"type": "string", "description": "the signed NPP"}}
        response: dict[str, Any] = {
            "description": ", ".join(f"`{code}`" for code in listed),
            "content": content,
        }
        if any(cls.retry_after is not None for cls in classes):
            response["headers"] = {"Retry-After": _RETRY_AFTER}
        responses[str(status)] = response
    return responses
