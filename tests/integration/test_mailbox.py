"""``GET /api/v1/mailbox``: the customs systems' responses as a trader's software polls them, on
both databases.  Responses are put into the ``responses`` table directly, and once through the
real RabbitMQ as the customs systems send them."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from gateway.adapters.storage.tables import Response
from gateway.channels.http import keys
from gateway.demo.samplegen import build
from gateway.demo.samplegen.signing import sample_signer
from gateway.services.registry.administration import RegistryAdministration
from tests.conftest import Gateway, make_settings, sample_pki_copy, start_gateway
from tests.support.amqp import publish_response
from tests.support.messages import signed_build, unique_params

MAILBOX = "/api/v1/mailbox"
COMPANY = "PL1234567890000"  # the samples' Podmioty (gateway/demo/samplegen/registry.py)
AGENCY = "PL9876543210000"


async def send(
    gateway: Gateway, token: str, message_type: str = "CC015C", role: str = "sc-person", **params: Any
) -> dict[str, Any]:
    """A valid document of ``message_type``, signed with the samples' certificate of ``role``."""
    body = signed_build(message_type, unique_params(**params), role)
    status, receipt, _ = await gateway.post(body, token)
    assert status == 202, receipt
    return receipt


async def add_response(
    gateway: Gateway,
    reference: str,
    *,
    received_at: datetime | None = None,
    system: str | None = "NCTS2",
    message_type: str = "CC028C",
    body: bytes | None = None,
) -> int:
    """A response as gateway/adapters/broker/responses.py stores it; its id."""
    message_id = f"resp-{uuid.uuid4().hex}"
    headers = {"x-message-type": message_type, **({"x-system": system} if system else {})}
    response = Response(
        reference=reference,
        message_id=message_id,
        system=system,
        message_type=message_type,
        received_at=received_at or datetime.now(UTC),
        headers=headers,
        body=body if body is not None else f"<Answer id='{message_id}'/>".encode(),
    )
    async with gateway.app[keys.SERVICES].sessions() as session, session.begin():
        session.add(response)
    return response.id


async def mailbox(gateway: Gateway, token: str, query: str = "") -> dict[str, Any]:
    status, page = await gateway.get(f"{MAILBOX}{query}", token)
    assert status == 200, page
    return page


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


async def test_unread_responses_come_oldest_first_and_are_marked_read(gateway: Gateway) -> None:
    token = await gateway.token()
    reference = (await send(gateway, token))["reference"]
    start = datetime.now(UTC) - timedelta(minutes=10)
    # stored in another order than they arrived at the customs system's end
    late = await add_response(gateway, reference, received_at=start + timedelta(minutes=2))
    early = await add_response(gateway, reference, received_at=start, message_type="CC928C")
    middle = await add_response(gateway, reference, received_at=start + timedelta(minutes=1))
    same_time = await add_response(gateway, reference, received_at=start + timedelta(minutes=1))

    before = datetime.now(UTC)
    page = await mailbox(gateway, token)
    assert ids(page) == [early, middle, same_time, late]
    assert (page["has_next"], page["next_cursor"]) == (False, None)
    first = page["items"][0]
    assert first["reference"] == reference
    assert (first["system"], first["message_type"]) == ("NCTS2", "CC928C")
    assert first["received_at"] == start.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert first["headers"] == {"x-message-type": "CC928C", "x-system": "NCTS2"}
    assert first["content_type"] == "application/xml"
    assert base64.b64decode(first["body_base64"]) == f"<Answer id='{first['message_id']}'/>".encode()
    assert all(item["first_read"] for item in page["items"])
    read_at = datetime.fromisoformat(first["read_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= read_at <= datetime.now(UTC)

    again = await mailbox(gateway, token)
    assert (again["items"], again["has_next"]) == ([], False), "taken responses are not given twice"

    everything = await mailbox(gateway, token, "?state=all")
    assert ids(everything) == [late, early, middle, same_time], "state=all: in arrival order"
    assert not any(item["first_read"] for item in everything["items"])
    assert {item["read_at"] for item in everything["items"]} == {first["read_at"]}


async def test_has_next_with_a_small_limit(gateway: Gateway) -> None:
    token = await gateway.token()
    reference = (await send(gateway, token))["reference"]
    added = [await add_response(gateway, reference) for _ in range(5)]

    pages = [await mailbox(gateway, token, "?limit=2") for _ in range(4)]
    assert [ids(p) for p in pages] == [added[0:2], added[2:4], added[4:5], []]
    assert [p["has_next"] for p in pages] == [True, True, False, False]
    assert {p["next_cursor"] for p in pages} == {None}, "unread pages need no cursor: polling again is"


async def test_state_all_pages_with_the_cursor_and_marks_unread_ones(gateway: Gateway) -> None:
    token = await gateway.token()
    reference = (await send(gateway, token))["reference"]
    added = [await add_response(gateway, reference) for _ in range(5)]
    taken = await mailbox(gateway, token, "?limit=1")
    assert ids(taken) == added[:1]

    first = await mailbox(gateway, token, "?state=all&limit=2")
    assert ids(first) == added[0:2]
    assert [i["first_read"] for i in first["items"]] == [False, True]
    assert (first["has_next"], first["next_cursor"]) == (True, str(added[1]))
    second = await mailbox(gateway, token, f"?state=all&limit=2&after={first['next_cursor']}")
    assert ids(second) == added[2:4]
    assert (second["has_next"], second["next_cursor"]) == (True, str(added[3]))
    last = await mailbox(gateway, token, f"?state=all&limit=2&after={second['next_cursor']}")
    assert ids(last) == added[4:5]
    assert (last["has_next"], last["next_cursor"]) == (False, None)

    assert (await mailbox(gateway, token))["items"] == [], "state=all marked them read too"
    again = await mailbox(gateway, token, "?state=all")
    assert ids(again) == added and not any(i["first_read"] for i in again["items"])


async def test_filters_by_reference_acting_for_and_system(gateway: Gateway) -> None:
    token = await gateway.token()
    transit = await send(gateway, token, party=COMPANY)
    agency_transit = await send(gateway, token, party=AGENCY)
    export = await send(gateway, token, "CC515C", party=COMPANY)
    assert (transit["acting_for"], agency_transit["acting_for"]) == (COMPANY, AGENCY)
    assert export["system"] == "AES"
    to_transit = await add_response(gateway, transit["reference"])
    to_agency = await add_response(gateway, agency_transit["reference"])
    # no x-system header: the response belongs to the system of the document it answers
    to_export = await add_response(gateway, export["reference"], system=None, message_type="CC528C")

    by_reference = await mailbox(gateway, token, f"?reference={agency_transit['reference'].upper()}")
    assert ids(by_reference) == [to_agency]
    by_system = await mailbox(gateway, token, "?system=AES")
    assert ids(by_system) == [to_export]
    assert by_system["items"][0]["system"] == "AES"
    assert ids(await mailbox(gateway, token, f"?acting_for={COMPANY}&system=NCTS2")) == [to_transit]
    assert ids(await mailbox(gateway, token, "?state=all")) == [to_transit, to_agency, to_export]

    unknown = await mailbox(gateway, token, f"?reference={uuid.uuid4()}")
    assert (unknown["items"], unknown["has_next"]) == ([], False), "an unknown reference: nothing"


async def test_another_account_gets_nothing_and_may_not_name_the_reference(gateway: Gateway) -> None:
    owner = await gateway.token()
    outsider = await gateway.token()
    reference = (await send(gateway, owner))["reference"]
    added = await add_response(gateway, reference)

    assert (await mailbox(gateway, outsider))["items"] == []
    assert (await mailbox(gateway, outsider, "?state=all"))["items"] == []
    for path in (f"{MAILBOX}?reference={reference}", f"{MAILBOX}/{added}"):
        status, problem = await gateway.get(path, outsider)
        assert (status, problem["code"]) == (403, "FORBIDDEN"), path
    assert ids(await mailbox(gateway, owner)) == [added], "the outsider's calls marked nothing read"
    status, problem = await gateway.get(MAILBOX, None)
    assert (status, problem["code"]) == (401, "UNAUTHENTICATED")


async def test_get_by_id_returns_the_exact_bytes_and_marks_it_read(gateway: Gateway) -> None:
    token = await gateway.token()
    reference = (await send(gateway, token))["reference"]
    # not UTF-8, CRLF line ends, trailing spaces: given back as stored, byte for byte
    body = b'<?xml version="1.0" encoding="ISO-8859-2"?>\r\n<Odpowied\xbc a="\xb1\xea"/>  \r\n'
    added = await add_response(gateway, reference, body=body)

    async with gateway.http.get(
        f"{gateway.url}{MAILBOX}/{added}", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        assert response.status == 200
        assert response.content_type == "application/xml"
        assert await response.read() == body
    assert (await mailbox(gateway, token))["items"] == []
    [item] = (await mailbox(gateway, token, "?state=all"))["items"]
    assert item["first_read"] is False and item["read_at"] is not None
    assert base64.b64decode(item["body_base64"]) == body

    for missing in ("999999999", "abc", "99999999999999999999999"):
        status, problem = await gateway.get(f"{MAILBOX}/{missing}", token)
        assert (status, problem["code"]) == (404, "NOT_FOUND"), missing


async def test_bad_query_values_are_refused(gateway: Gateway) -> None:
    token = await gateway.token()
    for query in (
        "limit=0",
        "limit=501",
        "limit=ten",
        "limit=-1",
        "state=new",
        "system=ECS",
        "after=x",
        "after=-5",
        "after=3",  # a cursor pages state=all only
        "state=all&after=99999999999999999999",
        "reference=not-a-reference",
    ):
        async with gateway.http.get(
            f"{gateway.url}{MAILBOX}?{query}", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            problem = await response.json(content_type=None)
            assert response.status == 400, (query, problem)
            assert response.content_type == "application/problem+json", query
            assert (problem["code"], problem["status"]) == ("BAD_REQUEST", 400), query


async def test_concurrent_pollers_never_get_the_same_response(gateway: Gateway) -> None:
    token = await gateway.token()
    reference = (await send(gateway, token))["reference"]
    added = [await add_response(gateway, reference) for _ in range(12)]
    taken: list[int] = []
    while True:
        pages = await asyncio.gather(*(mailbox(gateway, token, "?limit=2") for _ in range(4)))
        found = [i for page in pages for i in ids(page)]
        if not found:
            break
        taken.extend(found)
    assert sorted(taken) == added, "each response given exactly once"


async def test_a_response_published_on_rabbitmq_reaches_the_mailbox(database_url: str, amqp_url: str) -> None:
    async for gateway in start_gateway(make_settings(database_url, amqp_url)):
        token = await gateway.token()
        reference = (await send(gateway, token))["reference"]
        answer = build("CC028C", unique_params())
        message_id = f"resp-{uuid.uuid4().hex}"
        await publish_response(
            amqp_url,
            answer,
            correlation_id=reference,
            message_id=message_id,
            headers={"x-system": "NCTS2", "x-message-type": "CC028C"},
        )
        deadline = asyncio.get_running_loop().time() + 15
        while not (page := await mailbox(gateway, token))["items"]:
            assert asyncio.get_running_loop().time() < deadline, "the response did not arrive"
            await asyncio.sleep(0.1)
        [item] = page["items"]
        assert (item["reference"], item["message_id"]) == (reference, message_id)
        assert (item["system"], item["message_type"], item["first_read"]) == ("NCTS2", "CC028C", True)
        assert item["headers"]["x-system"] == "NCTS2"
        assert base64.b64decode(item["body_base64"]) == answer
        assert (await mailbox(gateway, token))["items"] == []


# --- read rights: a registry of the test's own ----------------------------------------------

JAN, ANNA = "44051401359", "02070803628"
CLIENT, CLIENT_EXCISE = "PL5260250274000", "PL00000000007"


@dataclass
class Agency:
    """Anna sends for the client with basic rights; Jan holds extended rights for its AES."""

    gateway: Gateway
    anna: str
    jan: str
    outsider: str


def fingerprint(role: str) -> str:
    return sample_signer(role, sample_pki_copy()).certificate.fingerprint(hashes.SHA256()).hex()


@pytest.fixture
async def agency(empty_database_url: str) -> AsyncIterator[Agency]:
    async for gateway in start_gateway(make_settings(empty_database_url, None)):
        registry: RegistryAdministration = gateway.app[keys.SERVICES].administration
        await registry.podmioty.add(
            name="Klient (TEST)", kind="company", identifiers=[("EORI", CLIENT), ("AKCR", CLIENT_EXCISE)]
        )
        tokens = {}
        for pesel, first, last, role, scope, systems in (
            (ANNA, "Anna", "Nowak", "sc-agent", "basic", ()),
            (JAN, "Jan", "Kowalski", "sc-person", "extended", ("AES",)),
        ):
            id_sisc = (await registry.persons.add(first_name=first, surname=last, pesel=pesel)).person.id_sisc
            await registry.persons.add_credential(id_sisc, "sc", fingerprint=fingerprint(role))
            await registry.representations.grant(id_sisc, CLIENT, scope, systems=systems)
            tokens[first] = await gateway.token(f"{first.lower()}@example.test")
            await registry.accounts.attach(f"{first.lower()}@example.test", id_sisc)
        yield Agency(gateway, tokens["Anna"], tokens["Jan"], await gateway.token("outsider@example.test"))


async def test_extended_rights_for_the_podmiot_share_its_mailbox(agency: Agency) -> None:
    gateway = agency.gateway
    export = await send(gateway, agency.anna, "CC515C", party=CLIENT, role="sc-agent")
    excise = await send(gateway, agency.anna, "IE815", party=CLIENT_EXCISE, role="sc-agent")
    to_export = await add_response(gateway, export["reference"], system="AES", message_type="CC528C")
    to_excise = await add_response(gateway, excise["reference"], system="EMCSPL2", message_type="IE801")

    assert (await mailbox(gateway, agency.outsider))["items"] == []
    status, problem = await gateway.get(f"{MAILBOX}?reference={export['reference']}", agency.outsider)
    assert (status, problem["code"]) == (403, "FORBIDDEN")

    # Jan's extended rights cover the client's AES only
    jans = await mailbox(gateway, agency.jan)
    assert ids(jans) == [to_export] and jans["items"][0]["first_read"] is True
    status, problem = await gateway.get(f"{MAILBOX}?reference={excise['reference']}", agency.jan)
    assert (status, problem["code"]) == (403, "FORBIDDEN")
    assert (await gateway.get(f"{MAILBOX}/{to_excise}", agency.jan))[0] == 403

    # one mailbox for the Podmiot: what Jan took is read for Anna too, and state=all still shows it
    assert ids(await mailbox(gateway, agency.anna)) == [to_excise]
    annas = await mailbox(gateway, agency.anna, "?state=all")
    assert ids(annas) == [to_export, to_excise]
    assert annas["items"][0]["read_at"] == jans["items"][0]["read_at"]
    assert not any(item["first_read"] for item in annas["items"])
