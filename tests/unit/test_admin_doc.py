"""docs/admin-api.md is the generated reference of the admin API, as the OpenAPI description has it."""

from __future__ import annotations

from pathlib import Path

from gateway.channels.http.openapi.admin_doc import admin_operations, admin_reference, schema_text
from gateway.channels.http.openapi.document import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "admin-api.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == admin_reference(), (
        "docs/admin-api.md is stale: python -m gateway.channels.http.openapi.admin_doc > docs/admin-api.md"
    )


def test_every_admin_call_and_its_error_codes_are_in_the_reference() -> None:
    reference = admin_reference()
    operations = admin_operations(openapi_document())
    assert len(operations) > 30
    for method, path, operation in operations:
        assert path.startswith("/api/v1/admin/")
        assert f"### `{method.upper()} {path}`" in reference
        for response in operation["responses"].values():
            for code in (
                response.get("content", {})
                .get("application/problem+json", {})
                .get("schema", {})
                .get("properties", {})
                .get("code", {})
                .get("enum", [])
            ):
                assert f"`{code}`" in reference


def test_schemas_read_as_words() -> None:
    assert schema_text({"type": "integer", "minimum": 1, "maximum": 1000}) == "integer 1..1000"
    assert schema_text({"type": "array", "items": {"type": "string"}}) == "array of string"
    assert schema_text({"enum": ["basic", "operator"]}) == "one of `basic`, `operator`"
    assert schema_text({"oneOf": [{"type": "string"}, {"const": True}]}) == "string or `true`"
