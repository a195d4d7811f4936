"""The HTTP API against a real server on both databases (no broker: the outbox holds messages)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes

from gateway.channels.http import keys
from tests.conftest import Gateway, make_settings, start_gateway
from tests.support.messages import signed_build, unique_params
from tests.support.signatures import sample_signer


async def test_accepted_document_answers_202_with_a_receipt(gateway: Gateway) -> None:
    token = await gateway.token()
    params = unique_params()
    body = signed_build("CC015C", params)
    status, receipt, headers = await gateway.post(body, token)
    assert status == 202, receipt
    assert headers["Location"] == f"/api/v1/documents/{receipt['reference']}"
    assert receipt["status"] == "accepted"
    assert receipt["system"] == "NCTS2"
    assert receipt["message_type"] == "CC015C"
    assert receipt["schema_version"] == "1.0"
    assert receipt["message_id"] == params.message_id
    assert receipt["lrn"] == params.reference
    assert receipt["acting_for"] == params.party
    assert receipt["digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
    assert str(receipt["received_at"]).endswith("Z")
    assert "errors" not in receipt
    signer = sample_signer("sc-person")
    assert receipt["signer"] == {
        "kind": "sc",
        "person": "PL440514013590000",  # the ID SISC of the registered person
        "certificate": signer.certificate.fingerprint(hashes.SHA256()).hex(),
        "identifier": "44051401359",  # what the certificate itself carries
        "scheme": "PESEL",
        "issuer": signer.certificate.issuer.rfc4514_string(),
        "serial": f"{signer.certificate.serial_number:X}",
    }
    revocation = receipt["revocation"]
    assert isinstance(revocation, dict)
    assert [revocation[k] for k in ("status", "source", "location")] == ["good", "ocsp", "local:sc"]
    assert revocation["checked_at"]
    assert receipt["warnings"] == []
    code, stored = await gateway.get(f"/api/v1/documents/{receipt['reference']}", token)
    assert code == 200
    assert {k: stored[k] for k in receipt} == receipt
    assert stored["responses"] == []


async def test_text_xml_with_charset_is_accepted(gateway: Gateway) -> None:
    token = await gateway.token()
    status, _, _ = await gateway.post(
        signed_build("CC015C", unique_params()), token, content_type="text/xml; charset=utf-8"
    )
    assert status == 202


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic abc", "Bearer "])
async def test_requests_without_a_valid_token_are_unauthenticated(
    gateway: Gateway, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/xml"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with gateway.http.post(
        f"{gateway.url}/api/v1/documents", data=b"<a/>", headers=headers
    ) as response:
        problem = await response.json(content_type=None)
        assert response.status == 401
        assert response.content_type == "application/problem+json"
    assert problem["code"] == "UNAUTHENTICATED"
    assert problem["status"] == 401


async def test_revoked_token_and_inactive_account_are_refused(gateway: Gateway) -> None:
    accounts = gateway.app[keys.SERVICES].administration.accounts
    token = await gateway.token("revoked@example.test")
    assert (await gateway.get("/api/v1/me", token))[0] == 200
    await accounts.revoke_tokens("revoked@example.test")
    assert (await gateway.get("/api/v1/me", token))[0] == 401
    other = await gateway.token("inactive@example.test")
    await accounts.set_status("inactive@example.test", "inactive")
    status, problem = await gateway.get("/api/v1/me", other)
    assert status == 401 and problem["code"] == "UNAUTHENTICATED"


async def test_wrong_media_type_is_415(gateway: Gateway) -> None:
    token = await gateway.token()
    status, problem, _ = await gateway.post(
        signed_build("CC015C", unique_params()), token, content_type="application/json"
    )
    assert status == 415
    assert problem["code"] == "UNSUPPORTED_MEDIA_TYPE"


@pytest.fixture
async def small_gateway(database_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(database_url, None, server={"max_body_bytes": 4096})):
        yield running


async def test_body_over_the_limit_is_413(small_gateway: Gateway) -> None:
    token = await small_gateway.token()
    body = signed_build("CC015C", unique_params(items=40))
    assert len(body) > 4096
    status, problem, _ = await small_gateway.post(body, token)
    assert status == 413
    assert problem["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_limit_is_413(small_gateway: Gateway) -> None:
    token = await small_gateway.token()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"<a>" + b"x" * 1000 + b"</a>"

    async with small_gateway.http.post(
        f"{small_gateway.url}/api/v1/documents",
        data=chunks(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
    ) as response:
        assert response.status == 413
        assert (await response.json(content_type=None))["code"] == "PAYLOAD_TOO_LARGE"


async def test_oversized_content_length_is_refused_before_the_body_is_sent(small_gateway: Gateway) -> None:
    """The answer comes while the client still holds back the body: it was never read."""
    token = await small_gateway.token()
    reader, writer = await asyncio.open_connection(small_gateway.server.host, small_gateway.server.port)
    request = (
        "POST /api/v1/documents HTTP/1.1\r\n"
        f"Host: {small_gateway.server.host}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/xml\r\n"
        "Content-Length: 900000000\r\n\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
    assert head.startswith(b"HTTP/1.1 413")
    writer.close()


async def test_dry_run_checks_everything_and_stores_nothing(gateway: Gateway) -> None:
    token = await gateway.token()
    body = signed_build("CC015C", unique_params())
    status, verdict, _ = await gateway.post(body, token, query="?dry_run=true")
    assert status == 200
    assert verdict["dry_run"] is True and verdict["status"] == "accepted"
    assert verdict["route"] == {"exchange": "sisc.inbound", "routing_key": "NCTS2.CC015C"}
    assert "reference" not in verdict
    _, page = await gateway.get("/api/v1/documents", token)
    assert page["items"] == []
    # a refused dry run is a verdict too, still 200
    status, verdict, _ = await gateway.post(b"<broken>", token, query="?dry_run=true")
    assert status == 200
    assert verdict["status"] == "rejected" and verdict["code"] == "XML_MALFORMED"
    # after the real submission, the dry run sees the duplicate
    assert (await gateway.post(body, token))[0] == 202
    status, verdict, _ = await gateway.post(body, token, query="?dry_run=true")
    assert verdict["status"] == "accepted"
    assert any(w.startswith("DUPLICATE") for w in verdict["warnings"])


async def test_rejected_document_is_stored_with_its_errors(gateway: Gateway) -> None:
    token = await gateway.token()
    body = signed_build("CC015C", unique_params()).replace(
        b"<LRN>", b"<LRN>\xc5\x81\xc3\xb3d\xc5\xba-" + b"X" * 30, 1
    )
    status, problem, _ = await gateway.post(body, token)
    assert status == 422
    assert problem["code"] == "SCHEMA_INVALID"
    assert problem["errors"] and all(e["line"] for e in problem["errors"])
    code, stored = await gateway.get(f"/api/v1/documents/{problem['reference']}", token)
    assert code == 200
    assert stored["status"] == "rejected"
    assert stored["errors"] == problem["errors"]
    assert stored["digest"] == "sha256:" + hashlib.sha256(body).hexdigest()


async def test_unparseable_document_is_not_stored(gateway: Gateway) -> None:
    token = await gateway.token()
    status, problem, _ = await gateway.post(b"<a><b></a>", token)
    assert status == 400
    assert problem["code"] == "XML_MALFORMED"
    assert "reference" not in problem
    assert (await gateway.get("/api/v1/documents", token))[1]["items"] == []


async def test_other_accounts_cannot_read_a_document(gateway: Gateway) -> None:
    owner, stranger = await gateway.token(), await gateway.token()
    _, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), owner)
    status, problem = await gateway.get(f"/api/v1/documents/{receipt['reference']}", stranger)
    assert status == 403 and problem["code"] == "FORBIDDEN"
    status, problem = await gateway.get("/api/v1/documents/00000000-0000-0000-0000-000000000000", owner)
    assert status == 404 and problem["code"] == "NOT_FOUND"
    assert (await gateway.get("/api/v1/documents", stranger))[1]["items"] == []


async def test_list_filters_and_pages(gateway: Gateway) -> None:
    token = await gateway.token()
    references = []
    for _ in range(5):
        status, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), token)
        references.append(receipt["reference"])
    _, problem, _ = await gateway.post(b"<unknown xmlns='urn:nothing'/>", token)
    assert problem["code"] == "SCHEMA_UNKNOWN"

    seen: list[str] = []
    cursor = None
    while True:
        path = "/api/v1/documents?status=accepted&limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, page = await gateway.get(path, token)
        assert status == 200
        seen.extend(item["reference"] for item in page["items"])
        if not page["has_next"]:
            break
        cursor = page["next_cursor"]
    assert seen == references

    _, rejected = await gateway.get("/api/v1/documents?status=rejected", token)
    assert [item["status"] for item in rejected["items"]] == ["rejected"]
    _, aes = await gateway.get("/api/v1/documents?system=AES", token)
    assert aes["items"] == []
    _, future = await gateway.get("/api/v1/documents?since=2999-01-01T00:00:00Z", token)
    assert future["items"] == []
    for bad in ("system=ECS", "status=lost", "limit=0", "since=yesterday", "cursor=%%%"):
        status, problem = await gateway.get(f"/api/v1/documents?{bad}", token)
        assert status == 400 and problem["code"] == "BAD_REQUEST", bad


async def test_me_shows_the_account(gateway: Gateway) -> None:
    token = await gateway.token("me@example.test")
    status, me = await gateway.get("/api/v1/me", token)
    assert status == 200
    assert me["account"]["login"] == "me@example.test"
    assert me["account"]["status"] == "active"


async def test_health_readiness_and_metrics(gateway: Gateway) -> None:
    assert await gateway.get("/healthz", None) == (200, {"status": "ok"})
    token = await gateway.token()
    await gateway.post(signed_build("CC015C", unique_params()), token)
    status, ready = await gateway.get("/readyz", None)
    assert status == 200
    assert ready["checks"]["database"]["ok"] is True
    assert ready["checks"]["outbox"]["pending"] >= 1  # no broker here: it waits
    async with gateway.http.get(f"{gateway.url}/metrics") as response:
        text = await response.text()
    assert response.status == 200
    assert 'gateway_documents_total{code="",outcome="new",system="NCTS2"}' in text
    assert "gateway_outbox_backlog" in text


async def test_unknown_route_is_a_problem_document(gateway: Gateway) -> None:
    async with gateway.http.get(f"{gateway.url}/api/v1/nothing") as response:
        assert response.status == 404
        assert response.content_type == "application/problem+json"


async def test_database_away_is_503_unavailable_and_nothing_is_accepted() -> None:
    settings = make_settings("postgresql+asyncpg://postgres@127.0.0.1:1/none", None)
    async for gateway in start_gateway(settings):
        async with gateway.http.post(
            f"{gateway.url}/api/v1/documents",
            data=b"<a/>",
            headers={"Authorization": "Bearer x", "Content-Type": "application/xml"},
        ) as response:
            problem = await response.json(content_type=None)
            assert response.status == 503
            assert response.headers["Retry-After"] == "5"
        assert problem["code"] == "UNAVAILABLE"
        status, ready = await gateway.get("/readyz", None)
        assert status == 503 and ready["checks"]["database"]["ok"] is False


async def test_client_disconnect_does_not_break_the_server(gateway: Gateway) -> None:
    token = await gateway.token()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.001)) as session:
            await session.post(
                f"{gateway.url}/api/v1/documents",
                data=signed_build("CC015C", unique_params(items=200)),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
            )
    except (TimeoutError, aiohttp.ClientError):
        pass
    assert (await gateway.get("/healthz", None))[0] == 200
