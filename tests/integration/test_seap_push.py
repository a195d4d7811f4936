"""Push: the customs systems' responses delivered to an account's own WS_PUSH endpoint (a small
SOAP server of the test's own, checking every request against the ORIGINAL WS_PUSH schema), retried
while it is down, none lost, every attempt visible to the operator, and still there for pull."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.channels.http import keys
from gateway.core.seap.namespaces import CHANNEL, PUSH, SOAP
from tests.conftest import SAMPLES, Gateway, start_gateway
from tests.integration.test_mailbox import add_response
from tests.integration.test_seap import PASSWORD, account, client, document, seap_settings
from tests.support.amqp import publish_response
from tests.support.seap import original_wsdl, payloads, wsdl_schema

FAST = {
    "push_poll_seconds": 0.1,
    "push_retry_base_seconds": 0.2,
    "push_retry_max_seconds": 0.4,
    "push_timeout_seconds": 2.0,
}
BODY = (SAMPLES / "valid" / "NCTS2" / "CC015C.xml").read_bytes()


@dataclass
class Receiver:
    """A trader's WS_PUSH endpoint: takes AcceptDocument, answers its own sysRef."""

    received: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/push"

    async def accept(self, request: web.Request) -> web.Response:
        body = await request.read()
        (payload,) = payloads(body)
        schema = wsdl_schema(original_wsdl("WS_PUSH.wsdl"))
        assert schema.validate(payload), schema.error_log  # the gateway sends what WS_PUSH defines
        assert request.headers["SOAPAction"].strip('"') == "AcceptDocument"
        doc = payload.find(f"{{{CHANNEL}}}document")
        assert doc is not None
        self.received.append(
            {
                "content": base64.b64decode(doc.findtext(f"{{{CHANNEL}}}content") or ""),
                "dispatchId": doc.findtext(f"{{{CHANNEL}}}dispatchId"),
                "caseId": doc.findtext(f"{{{CHANNEL}}}caseId"),
                "system": doc.findtext(f"{{{CHANNEL}}}targetSystems/{{{CHANNEL}}}system"),
            }
        )
        answer = (
            f"<s:Envelope xmlns:s='{SOAP}'><s:Body>"
            f"<p:AcceptDocumentResponse xmlns:p='{PUSH}' xmlns:c='{CHANNEL}'>"
            f"<c:result><c:sysRef>T-{len(self.received)}</c:sysRef></c:result>"
            "</p:AcceptDocumentResponse></s:Body></s:Envelope>"
        )
        return web.Response(text=answer, content_type="text/xml")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push", self.accept)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def dispatched(self) -> set[str | None]:
        return {item["dispatchId"] for item in self.received}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    running = Receiver()
    await running.start()
    yield running
    await running.stop()


async def until(condition: Callable[..., Awaitable[bool]], *args: Any, seconds: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition(*args):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def operator(gateway: Gateway) -> str:
    accounts = gateway.app[keys.SERVICES].administration.accounts
    login = f"ops-{uuid.uuid4().hex[:8]}@uc.test"
    await accounts.add(login, role="operator")
    return await accounts.issue_token(login)


async def admin(gateway: Gateway, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    async with gateway.http.request(
        method, f"{gateway.url}/api/v1/admin{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    ) as got:
        return got.status, await got.json(content_type=None)


async def deliveries(gateway: Gateway, login: str) -> list[dict[str, Any]]:
    return await gateway.app[keys.SERVICES].administration.web_service.push_deliveries(login, None, 100)


async def arrived(receiver: Receiver) -> bool:
    return bool(receiver.received)


async def retried(gateway: Gateway, login: str, count: int) -> bool:
    found = await deliveries(gateway, login)
    return len(found) == count and all(d["attempts"] >= 2 for d in found)


async def delivered(gateway: Gateway, login: str, count: int) -> bool:
    found = await deliveries(gateway, login)
    return len(found) == count and all(d["status"] == "delivered" for d in found)


async def in_state(gateway: Gateway, login: str, status: str) -> bool:
    found = await deliveries(gateway, login)
    return len(found) == 1 and found[0]["status"] == status


async def test_a_published_response_is_pushed_and_still_pulled(
    database_url: str, amqp_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    async for gateway in start_gateway(seap_settings(database_url, amqp_url, tmp_path, **FAST)):
        login = await account(gateway)
        ops = await operator(gateway)
        status, endpoint = await admin(
            gateway, "PUT", f"/accounts/{login}/push-endpoint", ops, {"url": receiver.url}
        )
        assert (status, endpoint["url"]) == (200, receiver.url), endpoint
        seap = client(gateway, login)
        reference = await seap.call("AcceptDocument", document=document(BODY, "NCTS2"))
        answer, message_id = b"<CC028C><Pushed/></CC028C>", f"resp-{uuid.uuid4().hex}"
        await publish_response(amqp_url, answer, correlation_id=reference, message_id=message_id)

        await until(arrived, receiver)
        (pushed,) = receiver.received
        assert pushed == {
            "content": answer,
            "dispatchId": message_id,
            "caseId": reference,
            "system": "PODMIOT",
        }
        # pushed, and still in the mailbox for pull
        pulled = await seap.call("GetNextDocument")
        assert pulled.document.content._value_1 == answer
        status, listed = await admin(gateway, "GET", f"/push/deliveries?login={login}", ops)
        assert status == 200
        (delivery,) = listed
        assert (delivery["status"], delivery["remote_ref"], delivery["response"]) == (
            "delivered",
            "T-1",
            message_id,
        )
        assert [t["outcome"] for t in delivery["tries"]] == ["delivered"]


async def test_while_the_endpoint_is_down_deliveries_are_retried_and_none_is_lost(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    async for gateway in start_gateway(seap_settings(database_url, None, tmp_path, **FAST)):
        login = await account(gateway)
        await receiver.stop()  # down; the port stays the one it will come back on
        web_service = gateway.app[keys.SERVICES].administration.web_service
        await web_service.set_push_endpoint(login, receiver.url, "test")
        reference = await client(gateway, login).call("AcceptDocument", document=document(BODY, "NCTS2"))
        for _ in range(3):
            await add_response(gateway, reference)

        await until(retried, gateway, login, 3)
        for delivery in await deliveries(gateway, login):
            assert delivery["status"] == "pending"
            assert all(t["outcome"] == "failed" and t["detail"] for t in delivery["tries"])
        await receiver.start()

        await until(delivered, gateway, login, 3)
        found = await deliveries(gateway, login)
        assert receiver.dispatched() == {d["response"] for d in found}
        assert len(receiver.dispatched()) == 3
        for delivery in found:
            outcomes = [t["outcome"] for t in delivery["tries"]]
            assert outcomes[-1] == "delivered" and outcomes.count("failed") >= 2, outcomes


async def test_a_delivery_given_up_is_failed_until_an_operator_retries_it(
    database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    settings = seap_settings(database_url, None, tmp_path, **FAST, push_max_attempts=2)
    async for gateway in start_gateway(settings):
        login = await account(gateway)
        ops = await operator(gateway)
        await receiver.stop()
        await admin(gateway, "PUT", f"/accounts/{login}/push-endpoint", ops, {"url": receiver.url})
        reference = await client(gateway, login).call("AcceptDocument", document=document(BODY, "NCTS2"))
        await add_response(gateway, reference)

        await until(in_state, gateway, login, "failed")
        (delivery,) = await deliveries(gateway, login)
        assert delivery["attempts"] == 2
        await receiver.start()
        status, retried = await admin(gateway, "POST", f"/push/deliveries/{delivery['id']}/retry", ops)
        assert (status, retried["status"]) == (200, "pending")

        await until(in_state, gateway, login, "delivered")
        # removing the endpoint stops further pushes; the mailbox keeps everything
        status, removed = await admin(gateway, "DELETE", f"/accounts/{login}/push-endpoint", ops)
        assert (status, removed["removed"]) == (200, True)
        await add_response(gateway, reference)
        await asyncio.sleep(0.5)
        assert len(await deliveries(gateway, login)) == 1
        page = await client(gateway, login, PASSWORD).call("GetDocuments", korelacjaSysref=reference)
        assert page.documentsCount == 2


async def test_two_gateway_processes_share_the_deliveries(
    postgresql_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    settings = seap_settings(postgresql_url, None, tmp_path, **FAST)
    async for first in start_gateway(settings):
        async for second in start_gateway(settings):
            login = await account(first)
            ops = await operator(first)
            await admin(first, "PUT", f"/accounts/{login}/push-endpoint", ops, {"url": receiver.url})
            reference = await client(second, login).call("AcceptDocument", document=document(BODY, "NCTS2"))
            for _ in range(10):
                await add_response(first, reference)

            await until(delivered, first, login, 10)
            assert len(receiver.received) == 10  # claimed with SKIP LOCKED: none sent twice
            assert all(d["attempts"] == 1 for d in await deliveries(second, login))
