"""Input a client can send that once made the admin API answer 500 (found by schemathesis), now
refused with a 4xx and a stable code."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import Gateway, make_settings, start_gateway
from tests.integration.test_admin_api import ADMIN, call, new_pesel, operator_token


async def test_a_body_that_is_not_utf8_is_an_invalid_parameter(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    async with gateway.http.post(
        f"{gateway.url}{ADMIN}/persons",
        data=b'{"first_name": "\xff"}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
        assert (await response.json(content_type=None))["code"] == "INVALID_PARAMETER"


async def test_whole_numbers_past_a_bigint_are_bad_requests(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    status, problem = await call(gateway, "POST", f"/representations/{2**70}/revoke", token)
    assert (status, problem["code"]) == (400, "BAD_REQUEST"), problem
    status, problem = await call(
        gateway, "PATCH", "/representations/1", token, {"scope": "basic", "id": 2**64}
    )
    assert status == 400, problem


async def test_a_token_for_longer_than_a_date_holds_is_refused(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    login = "days@example.test"
    await call(gateway, "POST", "/accounts", token, {"login": login})
    status, problem = await call(gateway, "POST", f"/accounts/{login}/tokens", token, {"days": 10**12})
    assert (status, problem["code"]) == (422, "REGISTRY_INVALID"), problem


async def test_a_podmiot_id_of_other_digits_is_not_found(gateway: Gateway) -> None:
    token = await operator_token(gateway)
    for identifier in ("%C2%B9", "9" * 30):  # superscript one ("¹".isdigit()), past a BIGINT
        status, problem = await call(gateway, "GET", f"/podmioty/{identifier}", token)
        assert (status, problem["code"]) == (404, "REGISTRY_NOT_FOUND"), problem


@pytest.fixture
async def on_postgresql(postgresql_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(postgresql_url, None)):
        yield running


@pytest.mark.postgres
async def test_values_postgresql_cannot_hold_are_invalid_parameters(on_postgresql: Gateway) -> None:
    token = await operator_token(on_postgresql)
    for fields in ({"nip": "1" * 50}, {"surname": "Now\x00ak"}):
        person = {"first_name": "Ewa", "surname": "Nowak", "pesel": new_pesel(), **fields}
        status, problem = await call(on_postgresql, "POST", "/persons", token, person)
        assert (status, problem["code"]) == (400, "INVALID_PARAMETER"), (fields, problem)
