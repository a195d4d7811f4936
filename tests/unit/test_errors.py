"""The error tree against the contract table of SPEC.md section 2, and its problem+json rendering."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from gateway.channels.http.problems import error_response
from gateway.core.errors import (
    CertStatusUnknown,
    ErrorDetail,
    GatewayError,
    SchemaInvalid,
    Unavailable,
    error_class_for,
    error_classes,
)


def shared_dir() -> Path:
    override = os.environ.get("GATEWAY_SHARED_DIR")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[2].parent / "shared"


def spec_codes() -> dict[str, int]:
    """``code -> status`` from the error table of SPEC.md section 2 (rows ``| `CODE` | 4xx | ... |``)."""
    spec = shared_dir() / "SPEC.md"
    if not spec.is_file():
        pytest.fail(
            f"{spec} is missing: the error contract cannot be checked "
            "(set GATEWAY_SHARED_DIR to the folder that contains SPEC.md)",
            pytrace=False,
        )
    text = spec.read_text(encoding="utf-8")
    section = re.search(r"^## 2\..*?(?=^## \d)", text, re.S | re.M)
    assert section is not None, "SPEC.md has no section 2"
    rows = re.findall(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|", section.group(0), re.M)
    codes: dict[str, int] = {}
    for code, status in rows:
        assert code not in codes, f"{code} appears twice in the SPEC table"
        codes[code] = int(status)
    return codes


def test_spec_table_was_read() -> None:
    codes = spec_codes()
    # a sanity check of the parser itself, not of the implementation
    assert len(codes) >= 20
    assert codes["XML_MALFORMED"] == 400
    assert codes["CERT_STATUS_UNKNOWN"] == 503


def test_every_spec_code_has_exactly_one_class_with_its_status() -> None:
    classes = error_classes()
    problems = []
    for code, status in spec_codes().items():
        matching = [cls for cls in classes if cls.code == code]
        if len(matching) != 1:
            problems.append(f"{code}: {len(matching)} classes")
        elif matching[0].status != status:
            problems.append(f"{code}: status {matching[0].status}, SPEC says {status}")
    assert not problems, problems


def test_every_class_has_a_distinct_code() -> None:
    codes = [cls.code for cls in error_classes()]
    assert len(codes) == len(set(codes))
    assert "INTERNAL" not in codes  # abstract bases are not listed


def test_every_class_is_a_gateway_error_with_sane_fields() -> None:
    for cls in error_classes():
        assert issubclass(cls, GatewayError)
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", cls.code), cls
        assert 400 <= cls.status < 600, cls
        assert cls.title and cls.title != GatewayError.title, cls


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.code)
def test_error_class_for_round_trips(cls: type[GatewayError]) -> None:
    assert error_class_for(cls.code) is cls


def test_error_class_for_unknown_code() -> None:
    with pytest.raises(KeyError):
        error_class_for("NO_SUCH_CODE")


def test_retryable_errors_have_retry_after_others_not() -> None:
    retryable = {cls.code for cls in error_classes() if cls.retry_after is not None}
    assert {"UNAVAILABLE", "CERT_STATUS_UNKNOWN"} <= retryable
    assert all(cls.retry_after is None or cls.retry_after > 0 for cls in error_classes())


def test_error_without_details_gets_one_detail_of_its_own() -> None:
    error = SchemaInvalid("bad")
    assert error.errors == (ErrorDetail("SCHEMA_INVALID", "bad"),)


# --- problem+json -----------------------------------------------------------------------------


def render(error: GatewayError, reference: str | None = None) -> tuple[int, str, dict[str, str], dict]:
    response = error_response(error, reference)
    assert response.body is not None
    return response.status, response.content_type, dict(response.headers), json.loads(response.body)


def test_problem_json_carries_every_error_with_its_position() -> None:
    details = [
        ErrorDetail("SCHEMA_INVALID", "first: not expected", 3, 7, "/m:Msg/m:A"),
        ErrorDetail("SCHEMA_INVALID", "second: ‘żółw’ not allowed", 9, 1, "/m:Msg/m:B[2]"),
        ErrorDetail("SCHEMA_INVALID", "third, no position"),
    ]
    status, content_type, headers, body = render(SchemaInvalid("3 schema errors", details))
    assert status == 422
    assert content_type == "application/problem+json"
    assert "Retry-After" not in headers
    assert body["status"] == 422
    assert body["code"] == "SCHEMA_INVALID"
    assert body["title"] == SchemaInvalid.title
    assert body["detail"] == "3 schema errors"
    assert isinstance(body["type"], str) and body["type"]
    assert "reference" not in body
    assert body["errors"] == [
        {
            "code": "SCHEMA_INVALID",
            "message": "first: not expected",
            "line": 3,
            "column": 7,
            "path": "/m:Msg/m:A",
        },
        {
            "code": "SCHEMA_INVALID",
            "message": "second: ‘żółw’ not allowed",
            "line": 9,
            "column": 1,
            "path": "/m:Msg/m:B[2]",
        },
        {
            "code": "SCHEMA_INVALID",
            "message": "third, no position",
            "line": None,
            "column": None,
            "path": None,
        },
    ]


def test_problem_json_has_the_reference_when_stored() -> None:
    _, _, _, body = render(SchemaInvalid("x"), reference="0b6b3f3e-1d1e-4b8e-9a57-3f1f1b8f0c11")
    assert body["reference"] == "0b6b3f3e-1d1e-4b8e-9a57-3f1f1b8f0c11"


@pytest.mark.parametrize("cls", error_classes(), ids=lambda c: c.code)
def test_every_error_renders_as_problem_json(cls: type[GatewayError]) -> None:
    status, content_type, headers, body = render(cls("something went wrong"))
    assert status == cls.status == body["status"]
    assert content_type == "application/problem+json"
    assert body["code"] == cls.code
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(body)
    assert cls.code in body["type"]
    assert body["errors"] == [
        {"code": cls.code, "message": "something went wrong", "line": None, "column": None, "path": None}
    ]
    if cls.retry_after is None:
        assert "Retry-After" not in headers
    else:
        assert headers["Retry-After"] == str(cls.retry_after)


@pytest.mark.parametrize("cls", [Unavailable, CertStatusUnknown])
def test_retry_after_for_retryable_refusals(cls: type[GatewayError]) -> None:
    status, _, headers, _ = render(cls("try again later"))
    assert status == 503
    assert int(headers["Retry-After"]) > 0
