"""The one place where refusals become HTTP answers: ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from aiohttp import web

from gateway.core.domain import Verdict
from gateway.core.errors import ErrorDetail, GatewayError, error_class_for
from gateway.services.submission import Outcome, Submitted

PROBLEM_TYPE_BASE = "urn:customs-gateway:error:"
PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(
    code: str,
    status: int,
    title: str,
    detail: str,
    errors: Iterable[ErrorDetail],
    reference: str | None = None,
) -> dict[str, object]:
    """The problem document's fields (RFC 9457, with the gateway's ``code`` and ``errors``)."""
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [e.as_dict() for e in errors],
    }
    if reference is not None:
        body["reference"] = reference
    return body


def problem_response(
    code: str,
    status: int,
    title: str,
    detail: str,
    errors: Iterable[ErrorDetail],
    *,
    reference: str | None = None,
    retry_after: int | None = None,
) -> web.Response:
    body = problem_body(code, status, title, detail, errors, reference)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def error_response(error: GatewayError, reference: str | None = None) -> web.Response:
    return problem_response(
        error.code,
        error.status,
        error.title,
        error.detail,
        error.errors,
        reference=reference,
        retry_after=error.retry_after,
    )


def submission_status(submitted: Submitted) -> int:
    """The HTTP status of a submission's answer, JSON or receipt alike."""
    if submitted.outcome.refused:
        assert submitted.verdict.refusal is not None
        return error_class_for(submitted.verdict.refusal).status
    return 202 if submitted.outcome is Outcome.NEW else 200


def refusal_body(verdict: Verdict, reference: str | None) -> dict[str, object]:
    """The problem document of a refused document, stored (with its reference) or not."""
    assert verdict.refusal is not None
    cls = error_class_for(verdict.refusal)
    detail = verdict.errors[0].message if len(verdict.errors) == 1 else f"{len(verdict.errors)} errors"
    return problem_body(cls.code, cls.status, cls.title, detail, verdict.errors, reference)


def refusal_response(verdict: Verdict, reference: str | None) -> web.Response:
    """A refused document, stored (with its reference) or not."""
    assert verdict.refusal is not None
    cls = error_class_for(verdict.refusal)
    headers = {"Retry-After": str(cls.retry_after)} if cls.retry_after is not None else None
    return web.Response(
        status=cls.status,
        body=json.dumps(refusal_body(verdict, reference), ensure_ascii=False).encode(),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )
