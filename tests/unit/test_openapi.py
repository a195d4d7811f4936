"""The OpenAPI description: valid OpenAPI 3.1, the same calls as the application registers (both
ways), every error code a call can answer, and examples that are what the samples get."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from gateway.channels.http.app import create_app
from gateway.channels.http.openapi import errors
from gateway.channels.http.openapi.document import openapi_document
from gateway.channels.http.openapi.examples import load_examples
from gateway.channels.operations import OPERATIONS
from gateway.config import Settings
from gateway.core.errors import ApplicationRejected, DocumentRejected, RegistryError, error_classes
from tests.support.openapi_examples import TARGET, build_examples, render

#: routes that are no call of this REST API: the console (HTML), the page rendering the description,
#: the SEAP channel (SOAP, described by its own WSDL at /ws/pull?wsdl) and what the demo extension
#: adds (the test PKI's CRLs and OCSP)
NOT_API_PREFIXES = ("/console", "/api/v1/docs", "/ws/", "/pki/")


def registered_calls() -> set[tuple[str, str]]:
    app = create_app(Settings())
    calls = set()
    for route in app.router.routes():
        resource = route.resource
        assert resource is not None
        path = resource.canonical
        if route.method == "HEAD" or path.startswith(NOT_API_PREFIXES):
            continue
        calls.add((route.method, path))
    return calls


def described_calls() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item}


def test_the_description_is_valid_openapi_3_1() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)
    json.dumps(document)  # served as JSON as it is


def test_every_registered_call_is_described_and_every_described_call_exists() -> None:
    registered, described = registered_calls(), described_calls()
    assert registered - described == set(), "routes the description lacks"
    assert described - registered == set(), "described calls the application does not serve"
    assert ("POST", "/api/v1/documents") in registered
    assert ("GET", "/api/v1/openapi.json") in registered


def test_the_admin_api_is_described_from_the_operation_table() -> None:
    paths = openapi_document()["paths"]
    for operation in OPERATIONS:
        described = paths[operation.route][operation.method.lower()]
        assert str(operation.status) in described["responses"]
        assert described["security"] == [{"bearer": []}]
        in_path = {p["name"] for p in described.get("parameters", []) if p["in"] == "path"}
        assert in_path == {p.name for p in operation.params if p.in_path}


def codes_of(operation: dict[str, object]) -> set[str]:
    found = set()
    for status, response in operation["responses"].items():  # type: ignore[attr-defined]
        if int(status) >= 400:
            schema = response["content"]["application/problem+json"]["schema"]
            found |= set(schema["properties"]["code"]["enum"])
    return found


def test_a_submission_lists_every_refusal_of_the_error_tree() -> None:
    submit = openapi_document()["paths"]["/api/v1/documents"]["post"]
    refusals = {c.code for c in error_classes() if issubclass(c, DocumentRejected)}
    assert codes_of(submit) >= refusals - {ApplicationRejected.code}
    assert {"UNAUTHENTICATED", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"} <= codes_of(submit)
    # a refusal asked for as XML is answered with the signed NPP at the same status
    assert "application/xml" in submit["responses"]["422"]["content"]
    assert "application/xml" not in submit["responses"]["401"]["content"]
    assert "Retry-After" in submit["responses"]["503"]["headers"]


def test_every_admin_call_lists_the_registry_errors_and_needs_an_operator() -> None:
    registry = {c.code for c in errors.REGISTRY_ERRORS}
    assert registry == {c.code for c in error_classes() if issubclass(c, RegistryError)}
    for path, item in openapi_document()["paths"].items():
        if path.startswith("/api/v1/admin"):
            for operation in item.values():
                assert codes_of(operation) >= registry | {"FORBIDDEN", "UNAUTHENTICATED"}, path


def test_each_error_status_names_exactly_its_codes() -> None:
    by_code = {c.code: c.status for c in error_classes()}
    for item in openapi_document()["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and "application/problem+json" in response["content"]:
                    schema = response["content"]["application/problem+json"]["schema"]
                    for code in schema["properties"]["code"]["enum"]:
                        assert by_code[code] == int(status), (code, status)


def test_the_examples_are_what_the_samples_get() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(build_examples()), (
        "make them again: python -m tests.support.openapi_examples"
    )
    problem = load_examples().problem_documents["SCHEMA_INVALID"]["value"]
    assert [(e["line"], e["column"]) for e in problem["errors"]] == [(9, 5), (42, 5), (60, 11)]


def test_the_examples_are_referenced_where_their_codes_are_answered() -> None:
    document = openapi_document()
    submit = document["paths"]["/api/v1/documents"]["post"]
    examples = submit["responses"]["422"]["content"]["application/problem+json"]["examples"]
    assert examples["SCHEMA_INVALID"] == {"$ref": "#/components/examples/Problem_SCHEMA_INVALID"}
    assert "Problem_SCHEMA_INVALID" in document["components"]["examples"]
    body = submit["requestBody"]["content"]["application/xml"]["examples"]
    assert "CC514C" in body
