"""The /pki/ routes over real HTTP, asked by RevocationChecker with its default urllib fetch."""

from __future__ import annotations

import asyncio
import base64
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.adapters.revocation.checker import RevocationChecker
from gateway.channels.http.app import problems_middleware
from gateway.core.signature.model import RevocationStatus, RevocationUnavailable
from gateway.demo.pki import CertificateAuthority, PkiDirectory
from gateway.demo.pki.routes import add_pki_routes

PESEL = "44051401359"


@dataclass
class PkiServer:
    runner: web.AppRunner
    base: str
    #: what ``gateway pki`` would use: another object over the same folder
    admin: PkiDirectory

    async def get(self, path: str) -> tuple[int, str, bytes]:
        async with aiohttp.ClientSession() as session, session.get(self.base + path) as response:
            return response.status, response.content_type, await response.read()

    async def post(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        headers = {"Content-Type": "application/ocsp-request"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.base + path, data=body, headers=headers) as response,
        ):
            return response.status, response.content_type, await response.read()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PkiServer]:
    folder = tmp_path / "pki"
    app = web.Application(middlewares=[problems_middleware])
    add_pki_routes(app, PkiDirectory(folder))  # the folder is filled once the port is known
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    admin = await asyncio.to_thread(PkiDirectory.initialise, folder, base_url=f"{base}/pki/")
    try:
        yield PkiServer(runner, base, admin)
    finally:
        await runner.cleanup()


def _issue(server: PkiServer, kind: str, name: str, **identity: str) -> x509.Certificate:
    authority = server.admin.authority(kind)  # type: ignore[arg-type]
    issued = authority.issue(name, **identity)  # type: ignore[arg-type]
    server.admin.save(authority)
    return issued.certificate


def _request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return request.public_bytes(serialization.Encoding.DER)


async def test_good_revoked_and_hold_over_http(server: PkiServer) -> None:
    sc = server.admin.authority("sc")
    jan = _issue(server, "sc", "Jan Kowalski", pesel=PESEL)
    anna = _issue(server, "sc", "Anna Nowak")
    checker = RevocationChecker(timeout=3.0)
    try:
        evidence = await asyncio.to_thread(checker.check, jan, sc.certificate, at=datetime.now(UTC))
        assert evidence.status is RevocationStatus.GOOD
        assert (evidence.source, evidence.location) == ("ocsp", f"{server.base}/pki/sc/ocsp")

        sc.revoke(jan.serial_number, x509.ReasonFlags.key_compromise)
        server.admin.save(sc)
        # cached until nextUpdate
        cached = await asyncio.to_thread(checker.check, jan, sc.certificate, at=datetime.now(UTC))
        assert cached is evidence
        checker.clear()
        evidence = await asyncio.to_thread(checker.check, jan, sc.certificate, at=datetime.now(UTC))
        assert (evidence.status, evidence.reason) == (RevocationStatus.REVOKED, "keyCompromise")

        sc.suspend(anna.serial_number)
        server.admin.save(sc)
        evidence = await asyncio.to_thread(checker.check, anna, sc.certificate, at=datetime.now(UTC))
        assert (evidence.status, evidence.reason) == (RevocationStatus.HOLD, "certificateHold")

        # the CRL lists both, with their reasons
        status, content_type, body = await server.get("/pki/sc/ca.crl")
        assert (status, content_type) == (200, "application/pkix-crl")
        crl = x509.load_der_x509_crl(body)
        assert crl.is_signature_valid(sc.certificate.public_key())  # type: ignore[arg-type]
        assert crl.next_update_utc is not None and crl.next_update_utc > datetime.now(UTC)
        revoked = crl.get_revoked_certificate_by_serial_number(jan.serial_number)
        held = crl.get_revoked_certificate_by_serial_number(anna.serial_number)
        assert revoked is not None and held is not None
        assert held.extensions.get_extension_for_class(x509.CRLReason).value.reason is (
            x509.ReasonFlags.certificate_hold
        )

        # released: the next CRL no longer lists it, though the last one is less than a minute old
        sc.release(anna.serial_number)
        server.admin.save(sc)
        crl = x509.load_der_x509_crl((await server.get("/pki/sc/ca.crl"))[2])
        assert crl.get_revoked_certificate_by_serial_number(anna.serial_number) is None
        assert crl.get_revoked_certificate_by_serial_number(jan.serial_number) is not None
    finally:
        checker.close()


async def test_crl_only_certificate_checked_over_http(server: PkiServer) -> None:
    cbtd = server.admin.authority("cbtd")
    firm = _issue(server, "cbtd", "Firma Sp. z o.o.", nip="5260250274")
    assert not any(isinstance(e.value, x509.AuthorityInformationAccess) for e in firm.extensions)
    with RevocationChecker(timeout=3.0) as checker:
        evidence = await asyncio.to_thread(checker.check, firm, cbtd.certificate, at=datetime.now(UTC))
    assert (evidence.status, evidence.source) == (RevocationStatus.GOOD, "crl")
    assert evidence.location == f"{server.base}/pki/cbtd/ca.crl"


async def test_ca_certificate_and_ocsp_forms(server: PkiServer) -> None:
    sc = server.admin.authority("sc")
    jan = _issue(server, "sc", "Jan")
    status, content_type, body = await server.get("/pki/sc/ca.crt")
    assert (status, content_type) == (200, "application/pkix-cert")
    assert x509.load_der_x509_certificate(body) == sc.certificate

    sc.revoke(jan.serial_number)
    server.admin.save(sc)
    request = _request(jan, sc.certificate)
    for form in ("post", "get"):
        if form == "post":
            status, content_type, body = await server.post("/pki/sc/ocsp", request)
        else:
            encoded = urllib.parse.quote(base64.b64encode(request).decode(), safe="")
            status, content_type, body = await server.get(f"/pki/sc/ocsp/{encoded}")
        assert (status, content_type) == (200, "application/ocsp-response"), form
        response = ocsp.load_der_ocsp_response(body)
        assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.serial_number == jan.serial_number
        assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED


async def test_malformed_requests_and_unknown_kind(server: PkiServer) -> None:
    for status, content_type, body in (
        await server.post("/pki/sc/ocsp", b"\x30\x03junk"),
        await server.post("/pki/sc/ocsp", b""),
        await server.get("/pki/sc/ocsp/not*base64"),
        await server.get("/pki/qualified/ocsp/" + base64.b64encode(b"\x30\x00").decode()),
    ):
        assert (status, content_type) == (200, "application/ocsp-response")
        assert ocsp.load_der_ocsp_response(body).response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST

    status, content_type, body = await server.get("/pki/nosuch/ca.crt")
    assert (status, content_type) == (404, "application/problem+json")
    status, _, _ = await server.post("/pki/nosuch/ocsp", b"\x30\x00")
    assert status == 404


async def test_server_stopped_means_unavailable_within_the_timeout(server: PkiServer) -> None:
    sc = server.admin.authority("sc")
    jan = _issue(server, "sc", "Jan")
    await server.runner.cleanup()
    with RevocationChecker(timeout=1.0) as checker:
        started = time.monotonic()
        with pytest.raises(RevocationUnavailable, match="cannot fetch"):
            await asyncio.to_thread(checker.check, jan, sc.certificate, at=datetime.now(UTC))
        assert time.monotonic() - started < 2.0


async def test_silent_responder_times_out() -> None:
    """A responder that accepts the connection and never answers: OCSP, then the CRL, each time out."""
    connections: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read(65536)

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        ca = CertificateAuthority.create("sc", base_url=f"http://127.0.0.1:{port}/pki/sc/")
        jan = ca.issue("Jan").certificate
        with RevocationChecker(timeout=0.5) as checker:
            started = time.monotonic()
            with pytest.raises(RevocationUnavailable, match="timed out") as failure:
                await asyncio.to_thread(checker.check, jan, ca.certificate, at=datetime.now(UTC))
            elapsed = time.monotonic() - started
        assert 0.9 <= elapsed < 1.5  # 0.5 s for OCSP, 0.5 s for the CRL
        assert "OCSP" in str(failure.value) and "CRL" in str(failure.value)
        assert len(connections) == 2
    finally:
        for writer in connections:
            writer.close()
        listener.close()
        await listener.wait_closed()
