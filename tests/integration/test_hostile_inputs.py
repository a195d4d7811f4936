"""Bytes and text a client can send that once made the gateway answer 500 (issue 16, point 6): a
body whose Content-Encoding cannot be decoded, and text PostgreSQL cannot hold (a NUL character, a
lone surrogate) in a path, a query, a JSON field or a form.  Each is a 400 with a stable code,
on PostgreSQL (which refuses NUL where SQLite would keep it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from gateway.channels.http import keys
from tests.conftest import Gateway, make_settings, start_gateway
from tests.integration.test_admin_api import ADMIN, call, operator_token
from tests.integration.test_console import Visitor
from tests.integration.test_seap import envelope, post_envelope

pytestmark = pytest.mark.postgres

CORRUPT_GZIP = b"\x1f\x8bgarbage"


@pytest.fixture
async def on_postgresql(postgresql_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(postgresql_url, None)):
        yield running


async def problem_of(
    gateway: Gateway, method: str, path: str, token: str | None, **kwargs: object
) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[call-overload]
    async with gateway.http.request(method, gateway.url + path, headers=headers, **kwargs) as response:  # type: ignore[arg-type]
        body = await response.json(content_type=None)
        return response.status, str(body.get("code"))


async def test_a_corrupt_gzip_body_is_malformed_xml(on_postgresql: Gateway) -> None:
    token = await on_postgresql.token()
    headers = {"Content-Type": "application/xml", "Content-Encoding": "gzip"}
    for query in ("", "?dry_run=true"):
        got = await problem_of(
            on_postgresql, "POST", f"/api/v1/documents{query}", token, data=CORRUPT_GZIP, headers=headers
        )
        assert got == (400, "XML_MALFORMED")


async def test_a_corrupt_gzip_json_body_is_an_invalid_parameter(on_postgresql: Gateway) -> None:
    token = await on_postgresql.token()
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    got = await problem_of(
        on_postgresql, "POST", "/api/v1/me/link", token, data=CORRUPT_GZIP, headers=headers
    )
    assert got == (400, "INVALID_PARAMETER")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/%00",
        "/api/v1/documents/%00/upo",
        "/api/v1/documents?acting_for=%00",
        "/api/v1/documents?system=%00",
        "/api/v1/documents?cursor=%00",
        "/api/v1/mailbox?acting_for=%00",
        "/api/v1/mailbox?system=%00",
        "/api/v1/mailbox/%00",
        "/api/v1/documents?acting_for=%ED%A0%80",  # a lone surrogate, as UTF-8 would have it
        "/api/v1/documents/x%00y",
    ],
)
async def test_a_nul_in_a_path_or_query_is_an_invalid_parameter(on_postgresql: Gateway, path: str) -> None:
    token = await on_postgresql.token()
    status, code = await problem_of(on_postgresql, "GET", path, token)
    assert status < 500
    if "%00" in path:
        assert (status, code) == (400, "INVALID_PARAMETER")


async def test_a_nul_in_a_json_field_is_an_invalid_parameter(on_postgresql: Gateway) -> None:
    token = await on_postgresql.token()
    for body in (
        {"pesel": "9\x00", "code": "x"},
        {"pesel": "90010112345", "code": "\x00"},
        {"pesel": "\ud800", "code": "x"},
    ):
        got = await problem_of(on_postgresql, "POST", "/api/v1/me/link", token, json=body)
        assert got == (400, "INVALID_PARAMETER"), body


async def test_admin_paths_and_logins_with_a_nul_are_invalid_parameters(on_postgresql: Gateway) -> None:
    token = await operator_token(on_postgresql)
    assert await problem_of(on_postgresql, "GET", f"{ADMIN}/accounts/%00", token) == (
        400,
        "INVALID_PARAMETER",
    )
    status, problem = await call(on_postgresql, "POST", "/accounts", token, {"login": "a\x00b@example.test"})
    assert (status, problem["code"]) == (400, "INVALID_PARAMETER"), problem


async def test_a_console_sign_in_with_a_nul_is_refused_without_a_500(on_postgresql: Gateway) -> None:
    visitor = Visitor(on_postgresql)
    try:
        status, page, _ = await visitor.post(
            "/console/signin", {"csrf": await visitor.csrf(), "login": "a\x00b", "password": "x\x00"}
        )
        assert status == 400 and "INVALID_PARAMETER" in page
        status, _, _ = await visitor.get("/console/documents/%00")
        assert status == 400
    finally:
        await visitor.http.close()


async def test_a_seap_login_with_a_nul_is_a_fault_not_a_500(on_postgresql: Gateway) -> None:
    for login in ("a&#0;b", "a\x00b", f"x-{uuid.uuid4().hex}&#xD800;"):
        status, answer = await post_envelope(on_postgresql, envelope(login, "pw"))
        assert status == 500 and b"Fault" in answer  # SOAP 1.1 faults travel as HTTP 500
        assert b"INTERNAL" not in answer, answer
    assert on_postgresql.app[keys.SETTINGS].database.url.startswith("postgresql")
