"""The console over HTTP (no browser), on both databases: sessions, CSRF, headers, roles."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from yarl import URL

from gateway.channels.http import keys
from tests.conftest import SAMPLES, Gateway, make_settings, start_gateway
from tests.integration.test_mailbox import add_response, send

PASSWORD = "a-password-for-tests"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Visitor:
    """A browser-like client: keeps its cookies, reads the forms' CSRF tokens."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def get(self, path: str) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.get(self.gateway.url + path, allow_redirects=False) as response:
            return response.status, await response.text(), response

    async def csrf(self, path: str = "/console/signin") -> str:
        _, page, _ = await self.get(path)
        found = CSRF.search(page)
        assert found, page
        return found.group(1)

    async def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, aiohttp.ClientResponse]:
        async with self.http.post(self.gateway.url + path, data=fields, allow_redirects=False) as response:
            return response.status, await response.text(), response

    def session_cookie(self) -> str:
        return self.http.cookie_jar.filter_cookies(URL(self.gateway.url + "/console"))["gw_console"].value

    async def sign_in(self, login: str, password: str = PASSWORD) -> int:
        status, _, _ = await self.post(
            "/console/signin", {"csrf": await self.csrf(), "login": login, "password": password}
        )
        return status


@pytest.fixture
async def visitor(gateway: Gateway) -> AsyncIterator[Visitor]:
    client = Visitor(gateway)
    yield client
    await client.http.close()


async def account(gateway: Gateway, *, operator: bool = False) -> str:
    login = f"console-{uuid.uuid4().hex[:8]}@example.test"
    role = "operator" if operator else "user"
    await gateway.app[keys.SERVICES].administration.accounts.add(login, role=role, password=PASSWORD)
    return login


async def test_pages_carry_a_strict_policy_and_a_locked_cookie(visitor: Visitor) -> None:
    status, _, response = await visitor.get("/console/signin")
    assert status == 200
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie, "served over http here; Secure is set over https"


async def test_a_visitor_is_sent_to_sign_in_and_back(visitor: Visitor) -> None:
    status, _, response = await visitor.get("/console/documents?status=rejected")
    assert status == 303
    location = URL(response.headers["Location"])
    assert (location.path, location.query["next"]) == (
        "/console/signin",
        "/console/documents?status=rejected",
    )


async def test_signing_in_takes_the_password_and_starts_a_new_session(visitor: Visitor) -> None:
    login = await account(visitor.gateway)
    assert await visitor.sign_in(login, "not-the-password") == 401
    before = visitor.session_cookie()
    assert await visitor.sign_in(login) == 303
    after = visitor.session_cookie()
    assert before != after, "a new session on sign-in (no fixation)"
    status, page, _ = await visitor.get("/console/check")
    assert status == 200 and login in page


async def test_a_form_without_its_own_csrf_token_is_refused(visitor: Visitor, gateway: Gateway) -> None:
    login = await account(gateway)
    status, page, _ = await visitor.post("/console/signin", {"login": login, "password": PASSWORD})
    assert status == 403 and "CSRF_TOKEN_INVALID" in page
    other = Visitor(gateway)
    try:
        foreign_token = await other.csrf()
    finally:
        await other.http.close()
    status, page, _ = await visitor.post(
        "/console/signin", {"csrf": foreign_token, "login": login, "password": PASSWORD}
    )
    assert status == 403 and "CSRF_TOKEN_INVALID" in page, "another session's token"
    assert (await visitor.get("/console/check"))[0] == 303, "not signed in"


async def test_operator_pages_are_for_operators(visitor: Visitor, gateway: Gateway) -> None:
    await visitor.sign_in(await account(gateway))
    for path in ("/console/operator", "/console/operator/applications", "/console/operator/registry"):
        status, page, _ = await visitor.get(path)
        assert status == 403 and "FORBIDDEN" in page, path
    operator = Visitor(gateway)
    try:
        await operator.sign_in(await account(gateway, operator=True))
        status, page, _ = await operator.get("/console/operator/registry/person-list?run=1")
        assert status == 200 and 'data-testid="result"' in page
    finally:
        await operator.http.close()


async def test_a_disabled_account_and_a_signed_out_session_end(visitor: Visitor, gateway: Gateway) -> None:
    login = await account(gateway)
    await visitor.sign_in(login)
    cookie = visitor.session_cookie()
    await gateway.app[keys.SERVICES].administration.accounts.set_status(login, "inactive")
    assert (await visitor.get("/console/check"))[0] == 303
    await gateway.app[keys.SERVICES].administration.accounts.set_status(login, "active")
    await visitor.sign_in(login)
    cookie = visitor.session_cookie()
    status, _, _ = await visitor.post("/console/signout", {"csrf": await visitor.csrf("/console/check")})
    assert status == 303
    async with gateway.http.get(
        gateway.url + "/console/check", headers={"Cookie": f"gw_console={cookie}"}, allow_redirects=False
    ) as replayed:
        assert replayed.status == 303, "the signed-out cookie, sent again, is no session"


async def test_the_description_and_its_page_need_no_token(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url + "/api/v1/openapi.json") as response:
        assert response.status == 200
        document = await response.json()
    assert document["openapi"] == "3.1.0" and "/api/v1/documents" in document["paths"]
    async with gateway.http.get(gateway.url + "/api/v1/docs") as response:
        page = await response.text()
        assert response.status == 200 and "swagger-ui-bundle.js" in page
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    async with gateway.http.get(gateway.url + "/api/v1/docs/static/swagger-ui-bundle.js") as response:
        assert response.status == 200 and len(await response.read()) > 100_000
    async with gateway.http.get(gateway.url + "/api/v1/docs/static/..%2Fapidocs.html") as response:
        assert response.status == 404


async def test_the_console_can_be_turned_off(sqlite_url: str) -> None:
    async for running in start_gateway(make_settings(sqlite_url, None, console={"enabled": False})):
        async with running.http.get(running.url + "/console/signin") as response:
            assert response.status == 404


async def test_the_mailbox_and_a_documents_answers_are_shown(visitor: Visitor, gateway: Gateway) -> None:
    login = await account(gateway)
    token = await gateway.app[keys.SERVICES].administration.accounts.issue_token(login)
    receipt = await send(gateway, token)
    response_id = await add_response(gateway, str(receipt["reference"]), body=b"<Answer>ok</Answer>")
    await visitor.sign_in(login)
    status, page, _ = await visitor.get("/console/mailbox")
    assert status == 200 and f'href="/console/mailbox/{response_id}"' in page and "CC028C" in page
    async with visitor.http.get(f"{gateway.url}/console/mailbox/{response_id}") as answer:
        assert answer.status == 200 and await answer.read() == b"<Answer>ok</Answer>"
        assert answer.headers["Content-Disposition"] == f'attachment; filename="CC028C-{response_id}.xml"'
    status, page, _ = await visitor.get(f"/console/documents/{receipt['reference']}")
    assert status == 200 and "CC028C" in page and 'data-testid="receipt-verified"' in page
    foreign = Visitor(gateway)
    try:
        await foreign.sign_in(await account(gateway))
        status, page, _ = await foreign.get("/console/mailbox")
        assert f"/console/mailbox/{response_id}" not in page
        assert (await foreign.get(f"/console/mailbox/{response_id}"))[0] in (403, 404)
    finally:
        await foreign.http.close()


async def test_registry_work_runs_through_the_operation_table(empty_database_url: str) -> None:
    async for gateway in start_gateway(make_settings(empty_database_url, None)):
        visitor = Visitor(gateway)
        try:
            await _import_pdr_and_add_a_person(visitor, gateway)
        finally:
            await visitor.http.close()


async def _import_pdr_and_add_a_person(visitor: Visitor, gateway: Gateway) -> None:
    operator = await account(gateway, operator=True)
    await visitor.sign_in(operator)
    token = await visitor.csrf("/console/operator/registry/pdr-import")
    form = aiohttp.FormData()
    form.add_field("csrf", token)
    pdr = SAMPLES / "registry" / "pdr-example.csv"
    form.add_field("file", pdr.read_bytes(), filename=pdr.name, content_type="text/csv")
    async with visitor.http.post(
        f"{gateway.url}/console/operator/registry/pdr-import", data=form
    ) as response:
        page = await response.text()
        assert response.status == 200, page
    assert 'data-testid="result"' in page and "persons" in page
    status, page, _ = await visitor.get("/console/operator/audit")
    assert status == 200 and "pdr.import" in page and operator in page
    status, page, _ = await visitor.post(
        "/console/operator/registry/person-add", {"csrf": token, "first_name": "Ewa"}
    )
    assert status == 400 and "surname is required" in page, "the operation's own checks answer"


async def test_without_script_a_dry_run_streams_the_whole_page(visitor: Visitor, gateway: Gateway) -> None:
    await visitor.sign_in(await account(gateway))
    sample = SAMPLES / "errors" / "SCHEMA_INVALID" / "CC515C-lrn-too-long.xml"
    form = aiohttp.FormData()
    form.add_field("csrf", await visitor.csrf("/console/check"))
    form.add_field("mode", "dry-run")
    form.add_field("document", sample.read_bytes(), filename=sample.name, content_type="application/xml")
    async with visitor.http.post(f"{gateway.url}/console/check", data=form) as response:
        page = await response.text()
    assert response.status == 200 and page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert page.index('data-phase="checking"') < page.index('data-testid="verdict"')
    assert 'id="L9" class="marked"' in page and "SCHEMA_INVALID" in page


async def test_a_sample_is_tried_by_its_code_and_name_only(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, None, console={"samples_dir": SAMPLES / "errors"})
    async for gateway in start_gateway(settings):
        visitor = Visitor(gateway)
        try:
            await visitor.sign_in(await account(gateway))
            status, page, _ = await visitor.get("/console/samples")
            assert status == 200 and "XML_FORBIDDEN" in page and "billion-laughs.xml" in page
            token = await visitor.csrf("/console/samples")
            status, page, _ = await visitor.post(
                "/console/samples/check", {"csrf": token, "code": "XML_MALFORMED", "name": "truncated.xml"}
            )
            assert status == 200 and 'data-testid="verdict-code">XML_MALFORMED' in page
            status, _, _ = await visitor.post(
                "/console/samples/check", {"csrf": token, "code": "XML_MALFORMED", "name": "../../README.md"}
            )
            assert status == 404
        finally:
            await visitor.http.close()
