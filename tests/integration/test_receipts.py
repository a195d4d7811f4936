"""Signed receipts through the real HTTP API, on both databases.

Every receipt is checked by an independent verifier (Debian's ``xmlsec1``, tests/support/xmlsec.py)
as well as by ``gateway upo verify``.  Every rejected sample of ``samples/`` yields an NPP listing
exactly its errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from gateway.adapters.receipt_signer import DEMO_CERTIFICATE
from gateway.channels.cli.main import main
from gateway.channels.http import keys
from gateway.core.receipts.document import RECEIPTS_NS
from gateway.core.receipts.verify import receipts_schema
from tests.conftest import SAMPLES, Gateway, make_settings, receipt_signer_dir, start_gateway
from tests.support.messages import signed_build, unique_params
from tests.support.xmlsec import xmlsec_verify

REFUSED = sorted(
    path
    for corpus in ("errors", "attacks")
    for folder in sorted((SAMPLES / corpus).iterdir())
    if folder.is_dir()
    for path in sorted(folder.glob("*.xml"))
)
VALID = sorted((SAMPLES / "valid").rglob("*.xml"))


def gateway_certificate() -> Path:
    return receipt_signer_dir() / DEMO_CERTIFICATE


def parse_receipt(body: bytes) -> etree._Element:
    root = etree.fromstring(body)
    assert etree.QName(root).namespace == RECEIPTS_NS
    assert receipts_schema().validate(root), receipts_schema().error_log
    return root


def listed_errors(npp: etree._Element) -> list[dict[str, Any]]:
    def number(value: str | None) -> int | None:
        return int(value) if value is not None else None

    return [
        {
            "code": error.get("code"),
            "message": error.findtext("Message"),
            "line": number(error.get("line")),
            "column": number(error.get("column")),
            "path": error.findtext("Path"),
        }
        for error in npp.iterfind("Errors/Error")
    ]


async def post_for_receipt(gateway: Gateway, body: bytes, token: str) -> tuple[int, bytes, dict[str, str]]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/xml",
        "Accept": "application/xml",
    }
    async with gateway.http.post(f"{gateway.url}/api/v1/documents", data=body, headers=headers) as response:
        return response.status, await response.read(), dict(response.headers)


async def fetch(gateway: Gateway, path: str, token: str | None) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with gateway.http.get(f"{gateway.url}{path}", headers=headers) as response:
        return response.status, await response.read(), dict(response.headers)


def expected_errors(path: Path) -> list[dict[str, Any]]:
    manifest = tomllib.loads((path.parent / "expected.toml").read_text(encoding="utf-8"))
    return list(manifest[path.name]["errors"])


def before(path: Path) -> list[Path]:
    manifest = tomllib.loads((path.parent / "expected.toml").read_text(encoding="utf-8"))
    return [path.parent / name for name in manifest[path.name].get("before", [])]


@pytest.mark.parametrize("path", REFUSED, ids=[str(p.relative_to(SAMPLES)) for p in REFUSED])
async def test_every_refused_sample_yields_an_npp_listing_exactly_its_errors(
    gateway: Gateway, path: Path
) -> None:
    token = await gateway.token()
    for earlier in before(path):
        status, _, _ = await post_for_receipt(gateway, earlier.read_bytes(), token)
        assert status in (200, 202)
    status, body, headers = await post_for_receipt(gateway, path.read_bytes(), token)
    assert status >= 400
    assert headers["Content-Type"].startswith("application/xml")
    npp = parse_receipt(body)
    assert etree.QName(npp).localname == "NPP"
    listed = listed_errors(npp)
    reference = headers.get("X-Reference")
    if reference is not None:
        # the stored rejection: its status JSON lists the same errors, and its NPP is served by reference
        _, document = await gateway.get(f"/api/v1/documents/{reference}", token)
        assert listed == document["errors"], "the NPP lists what the gateway recorded, no more, no less"
        assert npp.findtext("Reference") == reference
        _, stored, _ = await fetch(gateway, f"/api/v1/documents/{reference}/upo", token)
        assert stored == body, "the NPP answered to the POST is the one kept"
    else:
        json_status, problem, _ = await gateway.post(path.read_bytes(), token)
        assert json_status == status, "the XML answer has the status of the JSON one"
        assert listed == problem["errors"], "the NPP lists what the problem lists, no more, no less"
        assert npp.find("Reference") is None, "a document not kept has no reference"
    want = expected_errors(path)
    assert len(listed) == len(want)
    for expected, got in zip(want, listed, strict=True):
        assert {key: got[key] for key in expected} == expected
    assert npp.findtext("Document/Digest") == hashlib.sha256(path.read_bytes()).hexdigest()
    assert xmlsec_verify(body, pinned=gateway_certificate())


@pytest.mark.parametrize("path", VALID[:4], ids=[str(p.relative_to(SAMPLES)) for p in VALID[:4]])
async def test_an_accepted_document_has_a_upo_with_its_evidence(gateway: Gateway, path: Path) -> None:
    token = await gateway.token()
    body = path.read_bytes()
    status, receipt, headers = await gateway.post(body, token)
    assert status in (200, 202), receipt
    upo_path = f"/api/v1/documents/{receipt['reference']}/upo"
    assert headers["Link"] == f'<{upo_path}>; rel="receipt"; type="application/xml"'
    status, upo_bytes, headers = await fetch(gateway, f"/api/v1/documents/{receipt['reference']}/upo", token)
    assert status == 200
    assert headers["Content-Type"].startswith("application/xml")
    upo = parse_receipt(upo_bytes)
    assert etree.QName(upo).localname == "UPO"
    assert upo.findtext("Reference") == receipt["reference"]
    assert upo.findtext("Status") == receipt["status"]
    assert upo.findtext("ReceivedAt") == receipt["received_at"]
    assert upo.findtext("Document/System") == receipt["system"]
    assert upo.findtext("Document/MessageType") == receipt["message_type"]
    assert upo.findtext("Document/SchemaVersion") == receipt["schema_version"]
    assert upo.findtext("Document/MessageId") == receipt["message_id"]
    assert upo.findtext("Document/LRN") == receipt.get("lrn")
    assert upo.findtext("Document/ARC") == receipt.get("arc")
    assert upo.findtext("Document/ActingFor") == receipt["acting_for"]
    assert "sha256:" + str(upo.findtext("Document/Digest")) == receipt["digest"]
    signer = receipt["signer"]
    assert upo.find("Signer").get("kind") == signer["kind"]
    assert upo.findtext("Signer/Person") == signer["person"]
    assert upo.findtext("Signer/Certificate/Fingerprint") == signer["certificate"]
    assert upo.findtext("Signer/Certificate/Issuer") == signer["issuer"]
    if receipt["revocation"] is not None:
        assert upo.find("Revocation").get("status") == receipt["revocation"]["status"]
        assert upo.findtext("Revocation/Source") == receipt["revocation"]["source"]
        assert upo.findtext("Revocation/CheckedAt") == receipt["revocation"]["checked_at"]
    assert upo.find("Rights").get("basis") == receipt["rights"]["basis"]
    representation = upo.find("Rights/Representation")
    if receipt["representation"] is None:
        assert representation is None
    else:
        assert representation is not None and representation.get("id") == receipt["representation"]
    if receipt["route"] is not None:
        assert upo.findtext("Route/Exchange") == receipt["route"]["exchange"]
        assert upo.findtext("Route/RoutingKey") == receipt["route"]["routing_key"]
        assert upo.findtext("Route/Queue") == f"{receipt['system']}.inbound"
    assert xmlsec_verify(upo_bytes, pinned=gateway_certificate())
    # issued once: fetched again, the same bytes
    _, again, _ = await fetch(gateway, f"/api/v1/documents/{receipt['reference']}/upo", token)
    assert again == upo_bytes


async def test_a_receipt_or_a_document_changed_by_one_byte_is_caught(
    gateway: Gateway, tmp_path: Path
) -> None:
    token = await gateway.token()
    document = signed_build("CC015C", unique_params())
    status, upo, headers = await post_for_receipt(gateway, document, token)
    assert status == 202
    assert headers["Location"] == f"/api/v1/documents/{headers['X-Reference']}"
    assert xmlsec_verify(upo, pinned=gateway_certificate())
    receipt_file, document_file = tmp_path / "upo.xml", tmp_path / "document.xml"
    receipt_file.write_bytes(upo)
    document_file.write_bytes(document)
    certificate = ["--certificate", str(gateway_certificate())]
    assert main(["upo", "verify", str(receipt_file), "--document", str(document_file), *certificate]) == 0

    # one byte of the receipt: inside the signed content, then inside the signature value
    digest_at = upo.index(b"<Digest")
    for position in (upo.index(b"</Reference>") - 1, upo.index(b"<ds:SignatureValue>") + 30, digest_at + 30):
        changed = bytearray(upo)
        changed[position] = ord("0") if changed[position] != ord("0") else ord("1")
        assert not xmlsec_verify(bytes(changed), pinned=gateway_certificate()), position
        receipt_file.write_bytes(bytes(changed))
        assert main(["upo", "verify", str(receipt_file), *certificate]) == 1

    # one byte of the original document: the receipt still verifies, the document does not match it
    receipt_file.write_bytes(upo)
    changed_document = bytearray(document)
    changed_document[len(document) // 2] ^= 0x01
    document_file.write_bytes(bytes(changed_document))
    assert main(["upo", "verify", str(receipt_file), "--document", str(document_file), *certificate]) == 1


async def test_a_receipt_signed_by_another_key_is_refused(gateway: Gateway, tmp_path: Path) -> None:
    token = await gateway.token()
    _, upo, _ = await post_for_receipt(gateway, signed_build("CC015C", unique_params()), token)
    other = make_settings("sqlite+aiosqlite:///unused.db", None).replace(
        receipts={"demo_dir": tmp_path / "other"}
    )
    from gateway.adapters.receipt_signer import load_receipt_signer

    stranger = load_receipt_signer(other.receipts)
    (tmp_path / "stranger.pem").write_bytes(stranger.certificates_pem())
    (tmp_path / "upo.xml").write_bytes(upo)
    assert not xmlsec_verify(upo, pinned=tmp_path / "stranger.pem")
    assert (
        main(["upo", "verify", str(tmp_path / "upo.xml"), "--certificate", str(tmp_path / "stranger.pem")])
        == 1
    )


async def test_the_receipt_certificate_is_published_and_receipts_follow_the_read_rules(
    gateway: Gateway,
) -> None:
    status, pem, headers = await fetch(gateway, "/receipts/certificate.pem", None)
    assert status == 200
    assert headers["Content-Type"].startswith("application/x-pem-file")
    assert pem == gateway_certificate().read_bytes()
    owner, stranger = await gateway.token(), await gateway.token()
    status, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), owner)
    assert status == 202
    path = f"/api/v1/documents/{receipt['reference']}/upo"
    assert (await fetch(gateway, path, stranger))[0] == 403
    assert (await fetch(gateway, path, None))[0] == 401
    unknown = "/api/v1/documents/00000000-0000-0000-0000-000000000000/upo"
    assert (await fetch(gateway, unknown, owner))[0] == 404


async def test_operators_see_the_receipt_key_and_the_receipts_issued(gateway: Gateway) -> None:
    _, ready = await gateway.get("/readyz", None)
    signer = gateway.app[keys.SERVICES].receipts.signer
    assert ready["checks"]["receipts"] == {
        "ok": True,
        "certificate": signer.fingerprint,
        "demo": True,
        "expires": signer.certificate.not_valid_after_utc.isoformat(),
    }
    token = await gateway.token()
    await post_for_receipt(gateway, signed_build("CC015C", unique_params()), token)
    await post_for_receipt(gateway, b"<not-xml", token)
    _, metrics, _ = await fetch(gateway, "/metrics", None)
    assert b'gateway_receipts_issued_total{kind="UPO",stored="true"} 1.0' in metrics
    assert b'gateway_receipts_issued_total{kind="NPP",stored="false"} 1.0' in metrics
    assert b"gateway_receipt_certificate_expiry_seconds " in metrics


async def test_a_json_client_still_gets_json(gateway: Gateway) -> None:
    token = await gateway.token()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/xml",
        "Accept": "application/json, application/xml",
    }
    body = signed_build("CC015C", unique_params())
    async with gateway.http.post(f"{gateway.url}/api/v1/documents", data=body, headers=headers) as response:
        assert response.status == 202
        assert response.content_type == "application/json"


async def test_a_receipt_signer_issued_by_the_customs_ca_verifies_up_to_it(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gateway pki receipt-signer`` makes a production-like signer: xmlsec1 checks the chain."""
    pki = tmp_path / "pki"
    assert main(["pki", "init", str(pki)]) == 0
    capsys.readouterr()
    assert main(["pki", "receipt-signer", str(pki), "--json"]) == 0
    signer = json.loads(capsys.readouterr().out)
    receipts = {
        "key": Path(signer["key"]),
        "certificate": Path(signer["certificate"]),
        "chain": (Path(signer["chain"][0]),),
    }
    async for running in start_gateway(make_settings(database_url, None, receipts=receipts)):
        token = await running.token()
        status, upo, _ = await post_for_receipt(running, signed_build("CC015C", unique_params()), token)
        assert status == 202
        root = parse_receipt(upo)
        assert root.tag == f"{{{RECEIPTS_NS}}}UPO"
        assert xmlsec_verify(upo, trusted=Path(signer["chain"][0]))
        assert xmlsec_verify(upo, pinned=Path(signer["certificate"]))
        (tmp_path / "upo.xml").write_bytes(upo)
        # gateway upo verify pins the gateway's own certificate: the CA alone would also let its
        # other certificates (traders') sign receipts
        upo_file = str(tmp_path / "upo.xml")
        assert main(["upo", "verify", upo_file, "--certificate", signer["chain"][0]]) == 1
        status, pem, _ = await fetch(running, "/receipts/certificate.pem", None)
        assert pem.count(b"BEGIN CERTIFICATE") == 2
        (tmp_path / "published.pem").write_bytes(pem)
        assert main(["upo", "verify", upo_file, "--certificate", str(tmp_path / "published.pem")]) == 0


async def test_replay_saves_the_receipt_of_every_stored_document(gateway: Gateway, tmp_path: Path) -> None:
    """What a tester replaying the corpus keeps: one signed receipt per stored document."""
    from gateway.channels.cli.replay import replay

    token = await gateway.token()
    corpus = [
        SAMPLES / "valid" / "NCTS2",
        SAMPLES / "errors" / "SCHEMA_INVALID",
        SAMPLES / "errors" / "XML_MALFORMED",
    ]
    assert await replay(corpus, gateway.url, token, 4, False, True, receipts=tmp_path) == 0
    saved = sorted(tmp_path.glob("*.xml"))
    stored = len(list((SAMPLES / "valid" / "NCTS2").glob("*.xml"))) + len(
        list((SAMPLES / "errors" / "SCHEMA_INVALID").glob("*.xml"))
    )
    assert len(saved) == stored, "one receipt per stored document; malformed ones are not kept"
    kinds = {etree.QName(parse_receipt(path.read_bytes())).localname for path in saved}
    assert kinds == {"UPO", "NPP"}
    assert all(xmlsec_verify(path.read_bytes(), pinned=gateway_certificate()) for path in saved[:3])


async def test_concurrent_first_requests_get_the_one_receipt_kept(gateway: Gateway) -> None:
    token = await gateway.token()
    status, receipt, _ = await gateway.post(signed_build("CC015C", unique_params()), token)
    assert status == 202
    path = f"/api/v1/documents/{receipt['reference']}/upo"
    answers = await asyncio.gather(*(fetch(gateway, path, token) for _ in range(6)))
    assert {status for status, _, _ in answers} == {200}
    assert len({body for _, body, _ in answers}) == 1, "one receipt issued and kept, whoever came first"
