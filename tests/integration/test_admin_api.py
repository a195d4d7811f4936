"""The registry administration API (``/api/v1/admin``) against a real server, on both databases."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from gateway.adapters.storage.tables import Credential
from gateway.channels.http import keys
from tests.conftest import SAMPLES, Gateway, make_settings, start_gateway

ADMIN = "/api/v1/admin"
PDR_EXAMPLE = SAMPLES / "registry" / "pdr-example.csv"


def new_pesel() -> str:
    """A PESEL with a valid checksum that no other test uses."""
    digits = f"{uuid.uuid4().int % 10**10:010d}"
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10) % 10
    return digits + str(check)


def new_nip() -> str:
    return f"{uuid.uuid4().int % 10**10:010d}"


async def operator_token(gateway: Gateway) -> str:
    accounts = gateway.app[keys.SERVICES].administration.accounts
    login = f"operator-{uuid.uuid4().hex[:8]}@uc.test"
    await accounts.add(login, role="operator")
    return await accounts.issue_token(login)


async def call(
    gateway: Gateway,
    method: str,
    path: str,
    token: str | None,
    body: dict[str, Any] | None = None,
    *,
    data: bytes | None = None,
    content_type: str | None = None,
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type:
        headers["Content-Type"] = content_type
    async with gateway.http.request(
        method, f"{gateway.url}{ADMIN}{path}", json=body, data=data, headers=headers
    ) as response:
        return response.status, await response.json(content_type=None)


async def unused_certificate(gateway: Gateway) -> Path:
    """An SC certificate of samples/pki that no person of the test registry holds yet."""
    async with gateway.app[keys.SERVICES].sessions() as session:
        held = set((await session.scalars(select(Credential.fingerprint))).all())
    for pem in sorted((SAMPLES / "pki" / "sc" / "certs").glob("*.pem")):
        if pem.name.endswith(".key.pem"):
            continue
        certificate = x509.load_pem_x509_certificate(pem.read_bytes())
        if certificate.fingerprint(hashes.SHA256()).hex() not in held:
            return pem
    raise AssertionError("every sample SC certificate is registered already")


async def test_an_operator_manages_persons_podmioty_and_representations(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    pesel, nip = new_pesel(), new_nip()

    status, person = await call(
        gateway, "POST", "/persons", token, {"first_name": "Ewa", "surname": "TEST Lis", "pesel": pesel}
    )
    assert status == 201, person
    assert person["id_sisc"] == f"PL{pesel}".ljust(17, "0")
    assert person["status"] == "active" and person["source"] == "admin"

    pem = await unused_certificate(gateway)
    status, credential = await call(
        gateway,
        "POST",
        f"/persons/{pesel}/credentials",
        token,
        {"kind": "sc", "certificate": pem.read_text()},
    )
    assert status == 201, credential
    certificate = x509.load_pem_x509_certificate(pem.read_bytes())
    assert credential["fingerprint"] == hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()
    assert credential["status"] == "active" and credential["serial"]

    status, podmiot = await call(
        gateway,
        "POST",
        "/podmioty",
        token,
        {"name": "TEST Handel sp. z o.o.", "kind": "company", "nip": nip, "excise": ["PL00000999AB1"]},
    )
    assert status == 201, podmiot
    assert podmiot["identifiers"] == {"NIP": nip}
    assert podmiot["excise_numbers"] == ["PL00000999AB1"]

    status, granted = await call(
        gateway,
        "POST",
        "/representations",
        token,
        {"person": pesel, "podmiot": nip, "scope": "basic", "systems": ["NCTS2"], "valid_from": "2024-05-01"},
    )
    assert status == 201, granted
    assert granted["systems"] == ["NCTS2"]
    assert granted["valid_from"] == "2024-05-01T00:00:00+00:00"
    assert granted["granted_by"].startswith("operator-")  # the operator's login is the actor

    status, changed = await call(
        gateway,
        "PATCH",
        f"/representations/{granted['id']}",
        token,
        {"scope": "extended", "systems": ["*"], "valid_to": "2030-01-01T00:00:00+01:00"},
    )
    assert status == 200, changed
    assert (changed["scope"], changed["systems"]) == ("extended", "all")
    assert changed["valid_to"] == "2029-12-31T23:00:00+00:00"

    status, listed = await call(gateway, "GET", f"/representations?person={pesel}", token)
    assert status == 200
    assert [r["id"] for r in listed] == [granted["id"]]

    status, revoked = await call(gateway, "POST", f"/representations/{granted['id']}/revoke", token)
    assert status == 200, revoked
    assert revoked["status"] == "revoked"
    status, again = await call(gateway, "POST", f"/representations/{granted['id']}/revoke", token)
    assert (status, again["code"]) == (422, "REGISTRY_INVALID")

    status, shown = await call(gateway, "GET", f"/persons/{person['id_sisc']}", token)
    assert status == 200
    assert [c["fingerprint"] for c in shown["credentials"]] == [credential["fingerprint"]]
    assert [r["status"] for r in shown["representations"]] == ["revoked"]

    status, persons = await call(gateway, "GET", "/persons", token)
    assert status == 200 and pesel in {p["pesel"] for p in persons}

    status, renamed = await call(gateway, "PATCH", f"/persons/{pesel}", token, {"surname": "TEST Lis-Nowa"})
    assert (status, renamed["surname"]) == (200, "TEST Lis-Nowa")

    status, gone = await call(gateway, "POST", f"/credentials/{credential['fingerprint']}/revoke", token)
    assert (status, gone["status"]) == (200, "revoked")


async def test_an_operator_manages_accounts(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    login = f"user-{uuid.uuid4().hex[:8]}@example.test"
    status, account = await call(
        gateway, "POST", "/accounts", token, {"login": login, "password": "a long enough secret"}
    )
    assert status == 201, account
    assert (account["level"], account["role"]) == ("basic", "user")

    status, issued = await call(
        gateway, "POST", f"/accounts/{login}/tokens", token, {"days": 1, "label": "ci"}
    )
    assert status == 201, issued
    user_token = issued["token"]
    status, me = await gateway.get("/api/v1/me", user_token)
    assert status == 200 and me["person"] is None

    pesel = new_pesel()
    await call(
        gateway, "POST", "/persons", token, {"first_name": "Olga", "surname": "TEST Mak", "pesel": pesel}
    )
    status, attached = await call(gateway, "POST", f"/accounts/{login}/attach", token, {"person": pesel})
    assert status == 200, attached
    assert attached["level"] == "advanced"
    assert attached["person"] == f"PL{pesel}".ljust(17, "0")

    status, shown = await call(gateway, "GET", f"/accounts/{login}", token)
    assert (status, shown["password"]) == (200, True)
    status, listed = await call(gateway, "GET", "/accounts", token)
    assert login in {a["login"] for a in listed}

    status, disabled = await call(gateway, "POST", f"/accounts/{login}/disable", token)
    assert (status, disabled["status"]) == (200, "inactive")
    assert (await gateway.get("/api/v1/me", user_token))[0] == 401
    status, _ = await call(gateway, "POST", f"/accounts/{login}/enable", token)
    assert status == 200
    assert (await gateway.get("/api/v1/me", user_token))[0] == 200

    status, revoked = await call(gateway, "DELETE", f"/accounts/{login}/tokens", token)
    assert (status, revoked) == (200, {"login": login, "revoked": 1})
    assert (await gateway.get("/api/v1/me", user_token))[0] == 401

    status, promoted = await call(gateway, "PUT", f"/accounts/{login}/role", token, {"role": "operator"})
    assert (status, promoted["role"]) == (200, "operator")
    status, short = await call(gateway, "PUT", f"/accounts/{login}/password", token, {"password": "short"})
    assert (status, short["code"]) == (422, "REGISTRY_INVALID")


async def test_other_accounts_are_forbidden_and_anonymous_calls_unauthenticated(gateway: Gateway) -> None:
    user = await gateway.token()
    for method, path, body in [
        ("GET", "/persons", None),
        ("POST", "/persons", {"first_name": "A", "surname": "B", "pesel": new_pesel()}),
        ("POST", "/accounts", {"login": "intruder@example.test", "operator": True}),
    ]:
        status, problem = await call(gateway, method, path, user, body)
        assert (status, problem["code"]) == (403, "FORBIDDEN"), path
        status, problem = await call(gateway, method, path, None, body)
        assert (status, problem["code"]) == (401, "UNAUTHENTICATED"), path
    token = await operator_token(gateway)
    status, listed = await call(gateway, "GET", "/accounts", token)
    assert "intruder@example.test" not in {a["login"] for a in listed}


async def test_fields_from_krs_cannot_change_here(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    nip = new_nip()
    status, podmiot = await call(
        gateway,
        "POST",
        "/podmioty",
        token,
        {"name": "TEST Stocznia S.A.", "kind": "company", "data_source": "KRS", "nip": nip},
    )
    assert status == 201, podmiot
    status, problem = await call(gateway, "PATCH", f"/podmioty/{nip}", token, {"name": "TEST Inna S.A."})
    assert (status, problem["code"]) == (409, "REGISTRY_FIELD_EXTERNAL")
    status, problem = await call(gateway, "PATCH", f"/podmioty/{nip}", token, {"add": ["REGON=012345675"]})
    assert (status, problem["code"]) == (409, "REGISTRY_FIELD_EXTERNAL")
    eori = f"PL{nip}00000"
    status, changed = await call(gateway, "PATCH", f"/podmioty/{nip}", token, {"add": [f"EORI={eori}"]})
    assert status == 200, changed
    assert changed["identifiers"] == {"NIP": nip, "EORI": eori}
    status, shown = await call(gateway, "GET", f"/podmioty/{eori}", token)
    assert (status, shown["name"]) == (200, "TEST Stocznia S.A.")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/persons/00000000000", None),
        ("PATCH", "/persons/PL000000000000000", {"surname": "X"}),
        ("GET", "/podmioty/NOSUCHPODMIOT", None),
        ("GET", "/accounts/nobody@example.test", None),
        ("POST", "/accounts/nobody@example.test/tokens", None),
        ("PATCH", "/representations/987654321", {"scope": "basic"}),
        ("POST", "/representations/987654321/revoke", None),
        ("POST", "/credentials/" + "ab" * 32 + "/revoke", None),
        ("GET", f"/applications/{uuid.uuid4()}", None),
        ("POST", f"/applications/{uuid.uuid4()}/approve", None),
        ("POST", f"/applications/{uuid.uuid4()}/reject", {"reason": "no proof of identity"}),
    ],
)
async def test_unknown_entries_are_not_found(
    gateway: Gateway, method: str, path: str, body: dict[str, Any] | None
) -> None:
    token = await operator_token(gateway)
    status, problem = await call(gateway, method, path, token, body)
    assert (status, problem["code"]) == (404, "REGISTRY_NOT_FOUND"), problem
    assert problem["type"].endswith("REGISTRY_NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/representations/seven/revoke", None),
        ("POST", "/representations", {"person": "X", "podmiot": "Y", "scope": "huge"}),
        ("POST", "/representations", {"person": "X", "podmiot": "Y", "scope": "basic", "valid_from": "soon"}),
        ("POST", "/representations", {"person": "X", "podmiot": "Y"}),
        ("POST", "/persons", {"first_name": "A", "surname": "B", "shoe_size": 44}),
        ("POST", "/accounts/x@example.test/tokens", {"days": "two"}),
        ("GET", "/applications?status=lost", None),
        ("GET", "/persons?page=2", None),
    ],
)
async def test_invalid_values_are_bad_requests(
    gateway: Gateway, method: str, path: str, body: dict[str, Any] | None
) -> None:
    token = await operator_token(gateway)
    status, problem = await call(gateway, method, path, token, body)
    assert (status, problem["code"]) == (400, "BAD_REQUEST"), problem


async def test_a_body_that_is_not_a_json_object_is_a_bad_request(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    for data in (b"[1, 2]", b"{nope"):
        status, problem = await call(
            gateway, "POST", "/persons", token, data=data, content_type="application/json"
        )
        assert (status, problem["code"]) == (400, "BAD_REQUEST")


async def test_pending_applications_are_listed(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    for query in ("", "?status=all", "?status=rejected"):
        status, listed = await call(gateway, "GET", f"/applications{query}", token)
        assert status == 200 and isinstance(listed, list)


@pytest.fixture
async def empty_gateway(empty_database_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(empty_database_url, None)):
        yield running


async def test_pdr_import(empty_gateway: Gateway) -> None:
    gateway = empty_gateway
    token = await operator_token(gateway)
    good = PDR_EXAMPLE.read_bytes()

    status, problem = await call(gateway, "POST", "/pdr", token, data=good, content_type="application/json")
    assert (status, problem["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")

    lines = good.decode().splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("pesel,"))
    bad_row = lines[header + 1].replace("44051401359", "44051401358", 1)  # wrong checksum
    bad = "\n".join([*lines[: header + 1], bad_row, lines[header + 4].replace(",person,", ",personal,")])
    status, problem = await call(gateway, "POST", "/pdr", token, data=bad.encode(), content_type="text/csv")
    assert (status, problem["code"]) == (422, "REGISTRY_INVALID"), problem
    errors = problem["errors"]
    assert len(errors) >= 2
    assert all(e["code"] == "REGISTRY_INVALID" and e["message"] and e["line"] for e in errors)
    assert {"pesel", "podmiot_kind"} <= {e["path"] for e in errors}
    assert {e["line"] for e in errors} >= {header + 2, header + 3}
    status, persons = await call(gateway, "GET", "/persons", token)
    assert (status, persons) == (200, [])  # nothing was imported

    status, counts = await call(gateway, "POST", "/pdr", token, data=good, content_type="text/csv")
    assert status == 200, counts
    assert counts == {"persons": 4, "credentials": 3, "podmioty": 3, "representations": 5}
    status, persons = await call(gateway, "GET", "/persons", token)
    assert {p["status"] for p in persons} == {"migrated"}
    status, again = await call(gateway, "POST", "/pdr", token, data=good, content_type="text/csv")
    assert (status, again["code"]) == (409, "REGISTRY_CONFLICT")

    # a migrated person is linked by its PESEL and one-time code, not attached by an officer
    login = f"jan-{uuid.uuid4().hex[:6]}@example.test"
    await call(gateway, "POST", "/accounts", token, {"login": login})
    status, problem = await call(
        gateway, "POST", f"/accounts/{login}/attach", token, {"person": "44051401359"}
    )
    assert (status, problem["code"]) == (422, "REGISTRY_INVALID")
    status, problem = await call(
        gateway, "POST", f"/accounts/{login}/link", token, {"pesel": "44051401359", "code": "WRONG-CODE-1"}
    )
    assert (status, problem["code"]) == (422, "REGISTRY_INVALID")
    status, linked = await call(
        gateway, "POST", f"/accounts/{login}/link", token, {"pesel": "44051401359", "code": "K7Q2-M9XD-4TLP"}
    )
    assert status == 200, linked
    assert (linked["level"], linked["person"]) == ("advanced", "PL440514013590000")
