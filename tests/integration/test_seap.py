"""The SEAP channel driven by zeep, a real SOAP client built from the ORIGINAL WS_PULL.wsdl with
only its address changed, against a running gateway on both databases (docs/seap.md)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.channels.http import keys
from gateway.core.seap.namespaces import CHANNEL, PULL, SOAP, WSA
from tests.conftest import SAMPLES, Gateway, make_settings, start_gateway
from tests.support.amqp import publish_response
from tests.support.seap import fault_error, original_wsdl, payloads, wsdl_schema

PASSWORD = "a web-service password"
BINDING = f"{{{PULL}}}DocumentHandlingBind"
VALID = sorted((SAMPLES / "valid").rglob("*.xml"))
SIGNED_NCTS = SAMPLES / "valid" / "NCTS2" / "CC015C.xml"


def digest_key(folder: Path) -> Path:
    key = folder / "seap-digest.key"
    key.write_text(base64.b64encode(bytes(range(32))).decode())
    return key


def seap_settings(database_url: str, amqp_url: str | None, folder: Path, **seap: object) -> Any:
    return make_settings(database_url, amqp_url, seap={"digest_key": digest_key(folder), **seap})


async def account(gateway: Gateway, *, digest: bool = False) -> str:
    admin = gateway.app[keys.SERVICES].administration
    login = f"seap-{uuid.uuid4().hex[:8]}@example.test"
    await admin.accounts.add(login)
    await admin.web_service.set_password(login, PASSWORD, digest=digest, actor="test")
    return login


@dataclass
class Seap:
    """zeep's service proxy; every call runs in a thread (zeep is synchronous)."""

    service: Any

    async def call(self, operation: str, **arguments: Any) -> Any:
        return await asyncio.to_thread(getattr(self.service, operation), **arguments)


def client(
    gateway: Gateway, login: str | None, password: str = PASSWORD, *, digest: bool = False, **token: Any
) -> Seap:
    from zeep import Client
    from zeep.wsa import WsAddressingPlugin
    from zeep.wsse.username import UsernameToken

    wsse = UsernameToken(login, password, use_digest=digest, **token) if login else None
    made = Client(str(original_wsdl()), wsse=wsse, plugins=[WsAddressingPlugin()])
    return Seap(made.create_service(BINDING, f"{gateway.url}/ws/pull"))


def document(body: bytes, *systems: str) -> dict[str, Any]:
    return {
        "content": {"_value_1": body, "mime": "application/xml", "filename": "message.xml"},
        "targetSystems": {"system": list(systems)},
    }


async def fault_of(call: Callable[[], Any]) -> tuple[str, str, str]:
    """``(detail element, errorCode, errorDesc)`` of the SOAP fault a zeep call raises."""
    from zeep.exceptions import Fault

    with pytest.raises(Fault) as raised:
        await call()
    detail = raised.value.detail
    assert detail is not None, raised.value
    (wrapper,) = list(detail)
    return (
        etree.QName(wrapper).localname,
        wrapper.findtext(".//{*}errorCode") or "",
        wrapper.findtext(".//{*}errorDesc") or "",
    )


@pytest.fixture
async def gateway(database_url: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    async for running in start_gateway(seap_settings(database_url, None, tmp_path)):
        yield running


async def rest_get(gateway: Gateway, path: str, token: str) -> tuple[int, bytes]:
    async with gateway.http.get(f"{gateway.url}{path}", headers={"Authorization": f"Bearer {token}"}) as got:
        return got.status, await got.read()


# --- AcceptDocument and the receipts ----------------------------------------------------------------


async def test_every_valid_sample_is_accepted_and_its_upo_comes_through_the_channel(gateway: Gateway) -> None:
    login = await account(gateway)
    seap = client(gateway, login)
    token = await gateway.app[keys.SERVICES].administration.accounts.issue_token(login)
    for path in VALID:
        body = path.read_bytes()
        # zeep unwraps AcceptDocumentResponse/result to its one field, the sysRef
        sys_ref = await seap.call("AcceptDocument", document=document(body, path.parent.name))
        reference = str(uuid.UUID(sys_ref))
        _, stored = await gateway.get(f"/api/v1/documents/{reference}", token)
        assert (stored["status"], stored["system"]) in {
            ("accepted", path.parent.name),
            ("pending", "SZPROT"),
        }, path
        assert stored["digest"].startswith("sha256:")
        status, payload = await rest_get(gateway, f"/api/v1/documents/{reference}/upo", token)
        assert status == 200
        # the UPO rule: GetDocuments with the sysRef answers that submission's signed receipt
        found = await seap.call("GetDocuments", sysRef=reference)
        assert found.documentsCount == 1, path
        (receipt,) = found.document
        assert receipt.content._value_1 == payload  # the same signed bytes as over REST
        assert etree.QName(etree.fromstring(payload)).localname == "UPO"
        assert receipt.caseId == reference
    # the inner document is never altered: the stored bytes are the sent bytes
    last = await seap.call("AcceptDocument", document=document(SIGNED_NCTS.read_bytes(), "NCTS2"))
    assert last  # a resend: the original reference
    async with gateway.app[keys.SERVICES].sessions() as session:
        from gateway.adapters.storage.tables import Payload

        stored_body = await session.get(Payload, last)
    assert stored_body is not None and stored_body.body == SIGNED_NCTS.read_bytes()


async def test_a_refused_document_gives_the_documented_fault_and_its_npp(gateway: Gateway) -> None:
    login = await account(gateway)
    seap = client(gateway, login)
    invalid = SAMPLES / "errors" / "SCHEMA_INVALID" / "CC515C-three-errors-at-once.xml"
    kind, code, desc = await fault_of(
        lambda: seap.call("AcceptDocument", document=document(invalid.read_bytes(), "AES"))
    )
    assert (kind, code) == ("techErrorFault", "E003")
    assert desc.startswith("SCHEMA_INVALID: 3 errors (sysRef ")
    assert len(desc.splitlines()) == 4  # each schema error with its position
    reference = desc.split("(sysRef ", 1)[1].split(")", 1)[0]
    found = await seap.call("GetDocuments", sysRef=reference)
    (npp,) = found.document
    assert etree.QName(etree.fromstring(npp.content._value_1)).localname == "NPP"


async def test_a_target_system_other_than_the_documents_is_refused_and_stored(gateway: Gateway) -> None:
    login = await account(gateway)
    seap = client(gateway, login)
    body = SIGNED_NCTS.read_bytes()
    kind, code, desc = await fault_of(lambda: seap.call("AcceptDocument", document=document(body, "AES")))
    assert (kind, code) == ("techErrorFault", "E003")
    assert desc.startswith(
        "TARGET_SYSTEM_MISMATCH: the document is a NCTS2 CC015C message, but it was sent to AES"
    )
    reference = desc.split("(sysRef ", 1)[1].split(")", 1)[0]
    (npp,) = (await seap.call("GetDocuments", sysRef=reference)).document
    assert b"TARGET_SYSTEM_MISMATCH" in npp.content._value_1
    # naming several systems, the document's among them, is fine
    assert await seap.call("AcceptDocument", document=document(body, "AES", "NCTS2"))


async def test_another_accounts_receipt_is_not_given(gateway: Gateway) -> None:
    owner, other = client(gateway, await account(gateway)), client(gateway, await account(gateway))
    body = (SAMPLES / "valid" / "AES" / "CC515C.xml").read_bytes()
    reference = await owner.call("AcceptDocument", document=document(body, "AES"))
    kind, code, desc = await fault_of(lambda: other.call("GetDocuments", sysRef=reference))
    assert (kind, code) == ("businessErrorFault", "B002") and desc.startswith("FORBIDDEN:")
    _, code, _ = await fault_of(lambda: owner.call("GetDocuments", sysRef=str(uuid.uuid4())))
    assert code == "E002"  # NOT_FOUND


# --- GetNextDocument: the mailbox ---------------------------------------------------------------


async def test_get_next_document_gives_a_published_response_then_nothing(
    database_url: str, amqp_url: str, tmp_path: Path
) -> None:
    async for gateway in start_gateway(seap_settings(database_url, amqp_url, tmp_path)):
        login = await account(gateway)
        seap = client(gateway, login)
        body = (SAMPLES / "valid" / "NCTS2" / "CC015C.xml").read_bytes()
        reference = await seap.call("AcceptDocument", document=document(body, "NCTS2"))
        answer = f"<CC028C><Answer to='{reference}'/></CC028C>".encode()
        message_id = f"resp-{uuid.uuid4().hex}"
        await publish_response(
            amqp_url, answer, correlation_id=reference, message_id=message_id, headers={"x-system": "NCTS2"}
        )
        deadline = asyncio.get_running_loop().time() + 15
        while True:
            got = await seap.call("GetNextDocument")
            if got.document is not None or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert got.document is not None, "the response did not reach the mailbox"
        assert got.document.content._value_1 == answer
        assert (got.document.dispatchId, got.document.caseId) == (message_id, reference)
        assert got.document.targetSystems.system == ["PODMIOT"]
        assert got.hasNext is False
        empty = await seap.call("GetNextDocument")
        assert empty.document is None and empty.hasNext is False
        # read now, it is still there for GetDocuments (all responses to that submission)
        again = await seap.call("GetDocuments", korelacjaSysref=reference)
        assert [d.dispatchId for d in again.document] == [message_id]
        unread = await seap.call("GetDocuments", korelacjaSysref=reference, pobrany="N")
        assert unread.documentsCount == 0


async def test_get_next_document_sisc_selects_by_the_podmiots_id_sisc(gateway: Gateway) -> None:
    from tests.integration.test_mailbox import add_response

    login = await account(gateway)
    seap = client(gateway, login)
    body = (SAMPLES / "valid" / "NCTS2" / "CC015C.xml").read_bytes()
    reference = await seap.call("AcceptDocument", document=document(body, "NCTS2"))
    await add_response(gateway, reference)
    nobody = await seap.call("GetNextDocumentSisc", idSiscP="PL0000000000000")
    assert nobody.document is None
    mine = await seap.call("GetNextDocumentSisc")
    assert mine.document is not None and mine.document.caseId == reference


# --- authentication ----------------------------------------------------------------------------------


async def test_password_digest_works_for_an_account_enabled_for_it_only(gateway: Gateway) -> None:
    enabled = await account(gateway, digest=True)
    assert (await client(gateway, enabled, digest=True).call("GetNextDocument")).document is None
    assert (await client(gateway, enabled).call("GetNextDocument")).document is None  # text works too
    plain = await account(gateway)
    _, code, desc = await fault_of(lambda: client(gateway, plain, digest=True).call("GetNextDocument"))
    assert code == "E001" and "wrong username or password" in desc


async def test_authentication_failures_are_faults(gateway: Gateway) -> None:
    login = await account(gateway, digest=True)
    cases: list[tuple[Seap, str]] = [
        (client(gateway, login, "not the password"), "wrong username or password"),
        (client(gateway, "nobody@example.test"), "wrong username or password"),
        (client(gateway, None), "send a WS-Security UsernameToken"),
        (
            client(gateway, login, digest=True, created=datetime.now(UTC) - timedelta(hours=1)),
            "away from the gateway's clock",
        ),
    ]
    for seap, message in cases:
        kind, code, desc = await fault_of(lambda seap=seap: seap.call("GetNextDocument"))  # type: ignore[misc]
        assert (kind, code) == ("techErrorFault", "E001"), desc
        assert desc.startswith("UNAUTHENTICATED:") and message in desc


async def test_a_replayed_nonce_is_refused_whichever_process_sees_it(gateway: Gateway) -> None:
    login = await account(gateway, digest=True)
    fixed = {"nonce": uuid.uuid4().hex, "created": datetime.now(UTC)}
    assert (await client(gateway, login, digest=True, **fixed).call("GetNextDocument")).document is None
    _, code, desc = await fault_of(
        lambda: client(gateway, login, digest=True, **fixed).call("GetNextDocument")
    )
    assert code == "E001" and "used already" in desc


async def test_ws_addressing_is_echoed(gateway: Gateway) -> None:
    login = await account(gateway)
    message_id = f"urn:uuid:{uuid.uuid4()}"
    status, answer = await post_envelope(gateway, envelope(login, PASSWORD, message_id=message_id))
    assert status == 200
    headers = {etree.QName(h).localname: h.text for h in etree.fromstring(answer).find(f"{{{SOAP}}}Header")}  # type: ignore[union-attr]
    assert headers["RelatesTo"] == message_id
    assert headers["Action"] == f"{PULL}/DocumentHandlingPort/GetNextDocumentResponse"
    assert headers["MessageID"].startswith("urn:uuid:") and headers["MessageID"] != message_id
    (payload,) = payloads(answer)
    assert wsdl_schema(original_wsdl()).validate(payload)


# --- hostile and broken envelopes ---------------------------------------------------------------------


def envelope(
    login: str,
    password: str,
    *,
    body: str = f"<p:GetNextDocumentRequest xmlns:p='{PULL}'/>",
    message_id: str | None = None,
    prolog: str = "",
) -> bytes:
    addressing = f"<a:MessageID xmlns:a='{WSA}'>{message_id}</a:MessageID>" if message_id else ""
    return (
        f"{prolog}<s:Envelope xmlns:s='{SOAP}'><s:Header>{addressing}"
        "<w:Security xmlns:w='http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'>"
        f"<w:UsernameToken><w:Username>{login}</w:Username><w:Password>{password}</w:Password></w:UsernameToken>"
        f"</w:Security></s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


async def post_envelope(
    gateway: Gateway, body: bytes, content_type: str = "text/xml; charset=utf-8"
) -> tuple[int, bytes]:
    async with gateway.http.post(
        f"{gateway.url}/ws/pull", data=body, headers={"Content-Type": content_type}
    ) as got:
        return got.status, await got.read()


def accept_request(content: str) -> str:
    return (
        f"<p:AcceptDocumentRequest xmlns:p='{PULL}' xmlns:c='{CHANNEL}'><c:document>"
        f"<c:content mime='application/xml'>{content}</c:content><c:targetSystems/>"
        "</c:document></p:AcceptDocumentRequest>"
    )


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


async def test_hostile_and_broken_envelopes_are_refused_as_faults(gateway: Gateway) -> None:
    login = await account(gateway)
    # 60 kB over max_body_bytes once decoded: within the envelope's bound, refused when decoded
    over = base64.b64encode(b"x" * (gateway.app[keys.SETTINGS].server.max_body_bytes + 60_000)).decode()
    cases = [
        (envelope(login, PASSWORD, prolog='<!DOCTYPE s [<!ENTITY x "y">]>'), "E003", "XML_FORBIDDEN"),
        (BILLION_LAUGHS.encode() + envelope(login, PASSWORD, body="<x>&lol9;</x>"), "E003", "XML_FORBIDDEN"),
        (b"<s:Envelope xmlns:s='" + SOAP.encode() + b"'><s:Body>", "E003", "XML_MALFORMED"),
        (b"<html/>", "E002", "BAD_REQUEST"),
        (envelope(login, PASSWORD, body="<p:Unknown xmlns:p='urn:x'/>"), "E002", "BAD_REQUEST"),
        (
            envelope(login, PASSWORD, body=f"<p:AcceptDocumentRequest xmlns:p='{PULL}'/>"),
            "E002",
            "BAD_REQUEST",
        ),
        (envelope(login, PASSWORD, body=accept_request(over)), "E002", "PAYLOAD_TOO_LARGE"),
    ]
    for body, code, gateway_code in cases:
        status, answer = await post_envelope(gateway, body)
        assert status == 500, answer[:300]  # SOAP 1.1 over HTTP: every fault is a 500
        _, got, desc = fault_error(answer)
        assert (got, desc.split(":")[0]) == (code, gateway_code), desc[:300]
    status, answer = await post_envelope(gateway, envelope(login, PASSWORD), content_type="application/json")
    assert fault_error(answer)[2].startswith("UNSUPPORTED_MEDIA_TYPE")
    status, _ = await gateway.get("/healthz", None)
    assert status == 200


async def test_an_envelope_too_large_is_refused_before_it_is_read(gateway: Gateway) -> None:
    """1 GB announced: refused by its Content-Length, with nothing more than the headers sent."""
    reader, writer = await asyncio.open_connection(gateway.server.host, gateway.server.port)
    request_head = b"POST /ws/pull HTTP/1.1\r\nHost: gw\r\nContent-Type: text/xml\r\n"
    writer.write(request_head + b"Content-Length: 1073741824\r\n\r\n<s:Envelope")
    await writer.drain()
    head = await asyncio.wait_for(reader.read(65536), 10)
    writer.close()
    assert head.startswith(b"HTTP/1.1 500"), head[:200]
    assert b"PAYLOAD_TOO_LARGE" in head

    async def endless() -> AsyncIterator[bytes]:  # streamed without a length: cut at the limit
        yield b"<s:Envelope xmlns:s='" + SOAP.encode() + b"'><s:Body>"
        for _ in range(2000):
            yield b"A" * 65536

    async with gateway.http.post(
        f"{gateway.url}/ws/pull", data=endless(), headers={"Content-Type": "text/xml"}
    ) as got:
        assert got.status == 500
        assert fault_error(await got.read())[2].startswith("PAYLOAD_TOO_LARGE")


# --- the served description ----------------------------------------------------------------------------


async def test_the_served_wsdl_names_the_gateway_and_a_client_built_from_it_works(gateway: Gateway) -> None:
    from zeep import Client
    from zeep.wsse.username import UsernameToken

    async with gateway.http.get(f"{gateway.url}/ws/pull?wsdl") as got:
        assert got.status == 200
        wsdl = etree.fromstring(await got.read())
    (address,) = wsdl.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == f"{gateway.url}/ws/pull"
    (imported,) = wsdl.iter("{http://www.w3.org/2001/XMLSchema}import")
    assert imported.get("schemaLocation") == f"{gateway.url}/ws/WS_CHANNEL.xsd"
    login = await account(gateway)
    made = await asyncio.to_thread(Client, f"{gateway.url}/ws/pull?wsdl", wsse=UsernameToken(login, PASSWORD))
    answer = await asyncio.to_thread(made.service.GetNextDocument)
    assert answer.document is None
    async with gateway.http.get(f"{gateway.url}/ws/push?wsdl") as got:
        assert got.status == 200 and b"WsPush" in await got.read()


async def test_a_configured_public_address_goes_into_the_wsdl(database_url: str, tmp_path: Path) -> None:
    settings = seap_settings(database_url, None, tmp_path, public_base_url="https://gateway.example.pl/")
    async for gateway in start_gateway(settings):
        async with gateway.http.get(f"{gateway.url}/ws/pull?wsdl") as got:
            wsdl = etree.fromstring(await got.read())
        (address,) = wsdl.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
        assert address.get("location") == "https://gateway.example.pl/ws/pull"


async def test_the_readme_snippet_works_as_pasted(gateway: Gateway, tmp_path: Path) -> None:
    import os
    import re
    import subprocess
    import sys

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- seap-snippet:start -->\s*```python\n(.*?)```\s*<!-- seap-snippet:end -->", readme, re.S
    )
    assert found, "README.md lost its SEAP snippet"
    login = await account(gateway)
    (tmp_path / "CC015C.xml").write_bytes(SIGNED_NCTS.read_bytes())
    env = {**os.environ, "GATEWAY_URL": gateway.url, "SEAP_LOGIN": login, "SEAP_PASSWORD": PASSWORD}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", found.group(1)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    reference = done.stdout.split()[-1]
    assert str(uuid.UUID(reference)) == reference
    assert etree.QName(etree.fromstring((tmp_path / f"UPO-{reference}.xml").read_bytes())).localname == "UPO"
