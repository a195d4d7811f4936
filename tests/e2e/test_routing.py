"""End to end: HTTP in, real database, real RabbitMQ out (and back in for responses)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from gateway.demo.samplegen import build
from tests.conftest import SAMPLES, Gateway, make_settings, start_gateway
from tests.support.amqp import drain_queue, publish_response
from tests.support.messages import signed_build, unique_params
from tests.support.proxy import TcpProxy
from tests.support.signatures import sign_sample


@pytest.fixture
async def routed(database_url: str, amqp_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(database_url, amqp_url)):
        await drain_queue(amqp_url, "NCTS2.inbound", settle=0.1)  # leftovers of earlier tests
        yield running


async def wait_for_status(
    gateway: Gateway, reference: str, token: str, status: str, timeout: float = 10
) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, body = await gateway.get(f"/api/v1/documents/{reference}", token)
        assert code == 200, body
        if body["status"] == status or asyncio.get_running_loop().time() > deadline:
            return body
        await asyncio.sleep(0.1)


async def test_valid_message_is_delivered_unchanged_with_headers(routed: Gateway, amqp_url: str) -> None:
    token = await routed.token()
    params = unique_params(representative="PL9876543210000")
    body = signed_build("CC015C", params)
    status, receipt, headers = await routed.post(body, token)
    assert status == 202, receipt
    reference = receipt["reference"]
    assert headers["Location"] == f"/api/v1/documents/{reference}"
    assert receipt["status"] == "accepted"
    assert receipt["route"] == {"exchange": "sisc.inbound", "routing_key": "NCTS2.CC015C"}

    [message] = await drain_queue(amqp_url, "NCTS2.inbound", expect=1)
    assert message.body == body  # byte for byte
    assert message.message_id == reference
    assert message.content_type == "application/xml"
    assert message.delivery_mode == 2
    assert message.timestamp is not None
    assert message.routing_key == "NCTS2.CC015C"
    expected_headers = {
        "x-system": "NCTS2",
        "x-message-type": "CC015C",
        "x-message-id": params.message_id,
        "x-lrn": params.reference,
        "x-acting-for": params.representative,
        "x-signer-kind": "sc",
        "x-signer": "PL440514013590000",  # samples/pki sc-person: Jan Kowalski's ID SISC
        "x-digest": "sha256:" + hashlib.sha256(body).hexdigest(),
    }
    assert {k: message.headers.get(k) for k in expected_headers} == expected_headers

    routed_status = await wait_for_status(routed, reference, token, "routed")
    assert routed_status["status"] == "routed"


async def test_resend_answers_200_with_the_same_reference_and_is_not_routed_twice(
    routed: Gateway, amqp_url: str
) -> None:
    token = await routed.token()
    body = signed_build("CC015C", unique_params())
    first_status, first, _ = await routed.post(body, token)
    assert first_status == 202
    await drain_queue(amqp_url, "NCTS2.inbound", expect=1)
    second_status, second, _ = await routed.post(body, token)
    assert second_status == 200
    assert second["reference"] == first["reference"]
    assert await drain_queue(amqp_url, "NCTS2.inbound", settle=1.0) == []


async def test_concurrent_resends_make_one_document_and_one_delivery(routed: Gateway, amqp_url: str) -> None:
    token = await routed.token()
    body = signed_build("CC015C", unique_params())
    answers = await asyncio.gather(*(routed.post(body, token) for _ in range(12)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 11 + [202]
    assert len({receipt["reference"] for _, receipt, _ in answers}) == 1
    assert len(await drain_queue(amqp_url, "NCTS2.inbound", expect=1, settle=1.0)) == 1


async def test_same_identifier_other_content_is_a_conflict(routed: Gateway, amqp_url: str) -> None:
    token = await routed.token()
    params = unique_params()
    status, first, _ = await routed.post(signed_build("CC015C", params), token)
    assert status == 202
    changed = signed_build("CC015C", replace(params, items=2))
    status, problem, _ = await routed.post(changed, token)
    assert status == 409
    assert problem["code"] == "DUPLICATE_CONFLICT"
    assert problem["reference"] != first["reference"]
    code, stored = await routed.get(f"/api/v1/documents/{problem['reference']}", token)
    assert code == 200 and stored["status"] == "rejected"
    assert stored["errors"][0]["code"] == "DUPLICATE_CONFLICT"
    assert len(await drain_queue(amqp_url, "NCTS2.inbound", expect=1, settle=1.0)) == 1


async def test_legacy_system_message_points_to_the_legacy_channel(routed: Gateway) -> None:
    token = await routed.token()
    legacy = sorted((SAMPLES / "errors" / "SYSTEM_LEGACY_CHANNEL").glob("*.xml"))
    assert len(legacy) == 4, "one message per legacy system: ECS, ICS, CELINA, INTRASTAT"
    for path in legacy:
        status, problem, _ = await routed.post(path.read_bytes(), token)
        assert status == 422, path
        assert problem["code"] == "SYSTEM_LEGACY_CHANNEL"
        assert "legacy" in str(problem["detail"]).lower()


async def test_message_sent_while_broker_is_away_is_delivered_when_it_returns(
    database_url: str, amqp_url: str
) -> None:
    host_port = amqp_url.split("@", 1)[1].split("/", 1)
    proxy = TcpProxy(host_port[0].split(":")[0], int(host_port[0].split(":")[1]))
    await proxy.start()
    proxied = amqp_url.replace(host_port[0], f"127.0.0.1:{proxy.port}")
    try:
        async for gateway in start_gateway(make_settings(database_url, proxied)):
            await drain_queue(amqp_url, "NCTS2.inbound", settle=0.1)
            token = await gateway.token()
            await proxy.cut()
            body = signed_build("CC015C", unique_params())
            status, receipt, _ = await gateway.post(body, token)
            assert status == 202  # durably stored; waits in the outbox
            await asyncio.sleep(1.0)
            code, still = await gateway.get(f"/api/v1/documents/{receipt['reference']}", token)
            assert still["status"] == "accepted"
            code, ready = await gateway.get("/readyz", None)
            assert code == 200 and ready["checks"]["broker"]["ok"] is False
            assert ready["checks"]["outbox"]["pending"] >= 1
            await proxy.restore()
            [message] = await drain_queue(amqp_url, "NCTS2.inbound", expect=1, timeout=20)
            assert message.body == body
            assert message.message_id == receipt["reference"]
            routed = await wait_for_status(gateway, receipt["reference"], token, "routed")
            assert routed["status"] == "routed"
    finally:
        await proxy.cut()


async def test_response_on_sisc_outbound_shows_in_the_document_status(routed: Gateway, amqp_url: str) -> None:
    token = await routed.token()
    status, receipt, _ = await routed.post(signed_build("CC015C", unique_params()), token)
    assert status == 202
    reference = receipt["reference"]
    answer = build("CC028C", unique_params())  # a response: not ours to sign
    await publish_response(
        amqp_url,
        answer,
        correlation_id=reference,
        message_id=f"resp-{reference}",
        headers={"x-system": "NCTS2", "x-message-type": "CC028C"},
    )
    # delivered twice (at least once): stored once
    await publish_response(
        amqp_url,
        answer,
        correlation_id=reference,
        message_id=f"resp-{reference}",
        headers={"x-system": "NCTS2", "x-message-type": "CC028C"},
    )
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        _, document = await routed.get(f"/api/v1/documents/{reference}", token)
        if document["responses"] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    _, document = await routed.get(f"/api/v1/documents/{reference}", token)
    assert [r["message_type"] for r in document["responses"]] == ["CC028C"]
    assert document["responses"][0]["message_id"] == f"resp-{reference}"
    assert document["responses"][0]["size"] == len(answer)


async def test_response_to_an_unknown_reference_is_dead_lettered(routed: Gateway, amqp_url: str) -> None:
    await drain_queue(amqp_url, "sisc.dead", settle=0.1)
    await publish_response(
        amqp_url, b"<x/>", correlation_id="00000000-0000-0000-0000-000000000000", message_id="resp-orphan"
    )
    dead = await drain_queue(amqp_url, "sisc.dead", expect=1)
    assert [m.message_id for m in dead] == ["resp-orphan"]


def test_samples_folder_exists() -> None:
    assert Path(SAMPLES / "valid").is_dir()


@pytest.mark.parametrize(
    ("role", "kind", "person"),
    [
        # the registered person's ID SISC (gateway/demo/samplegen/registry.py), whatever the kind
        ("sc-person", "sc", "PL440514013590000"),
        ("qualified-person", "qualified", "PL810102001340000"),
        ("epuap-seal", "epuap", "PL440514013590000"),
        ("cbtd-before-cutoff", "cbtd", "PL850615123470000"),
    ],
)
async def test_every_kind_of_signature_is_verified_and_routed(
    routed: Gateway, amqp_url: str, role: str, kind: str, person: str
) -> None:
    token = await routed.token()
    body = sign_sample(build("CC015C", unique_params()), role)
    status, receipt, _ = await routed.post(body, token)
    assert status == 202, receipt
    signer = receipt["signer"]
    assert isinstance(signer, dict)
    assert (signer["kind"], signer["person"]) == (kind, person)
    [message] = await drain_queue(amqp_url, "NCTS2.inbound", expect=1)
    assert message.body == body
    assert message.headers["x-signer-kind"] == kind
    assert message.headers["x-signer"] == person
    warnings = receipt["warnings"]
    assert isinstance(warnings, list)
    assert any(w.startswith("CBTD_KEY_EXPIRES") for w in warnings) is (kind == "cbtd")
    # revocation evidence where the kind's policy asks for it (ePUAP: none)
    assert (receipt["revocation"] is None) is (kind == "epuap")
