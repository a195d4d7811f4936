"""The /pki/ routes over real HTTP, asked by RevocationStatuses with its aiohttp client; the checks
settled against them, warm and cold, with the responder up and down."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.adapters.revocation import RevocationStatuses
from gateway.adapters.revocation.fetch import HttpFetch
from gateway.bootstrap import configured_signature_stage
from gateway.channels.http.app import problems_middleware
from gateway.config import ParsingSettings, SignatureSettings, packaged
from gateway.core.domain import Verdict
from gateway.core.pipeline import Checks, check
from gateway.core.signature.model import RevocationNeeded, RevocationStatus, RevocationUnavailable
from gateway.core.validation.catalog import Catalog, load_catalog
from gateway.core.xmldsig.signing import sign_xades
from gateway.demo.pki import CertificateAuthority, PkiDirectory
from gateway.demo.pki.local import LocalAuthorities
from gateway.demo.pki.routes import add_pki_routes
from gateway.demo.samplegen import SampleParams, build

ROOT = Path(__file__).resolve().parents[2]
PESEL = "44051401359"


@dataclass
class PkiServer:
    runner: web.AppRunner
    base: str
    #: what ``gateway pki`` would use: another object over the same folder
    admin: PkiDirectory
    folder: Path
    #: the paths asked, in order
    asked: list[str] = field(default_factory=list)

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

    def ocsp_requests(self) -> int:
        return sum(1 for path in self.asked if "/ocsp" in path)


@contextlib.asynccontextmanager
async def pki_server(folder: Path, **answering: timedelta) -> AsyncIterator[PkiServer]:
    """The demo PKI's routes on a real port; ``answering``: LocalAuthorities' OCSP options."""
    asked: list[str] = []

    @web.middleware
    async def record(request: web.Request, handler: Callable[..., object]) -> web.StreamResponse:
        asked.append(request.path)
        return await handler(request)  # type: ignore[misc, no-any-return]

    app = web.Application(middlewares=[record, problems_middleware])
    pki = PkiDirectory(folder)  # the folder is filled once the port is known
    add_pki_routes(app, pki, LocalAuthorities(pki, **answering) if answering else None)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    admin = await asyncio.to_thread(PkiDirectory.initialise, folder, base_url=f"{base}/pki/")
    try:
        yield PkiServer(runner, base, admin, folder, asked)
    finally:
        await runner.cleanup()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[PkiServer]:
    async with pki_server(tmp_path / "pki") as running:
        yield running


@pytest.fixture
async def statuses() -> AsyncIterator[RevocationStatuses]:
    statuses = RevocationStatuses(timeout=3.0)
    yield statuses
    await statuses.stop()


def _issue(server: PkiServer, kind: str, name: str, **identity: str) -> x509.Certificate:
    authority = server.admin.authority(kind)  # type: ignore[arg-type]
    issued = authority.issue(name, **identity)  # type: ignore[arg-type]
    server.admin.save(authority)
    return issued.certificate


def _request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return request.public_bytes(serialization.Encoding.DER)


async def test_good_revoked_and_hold_over_http(server: PkiServer, statuses: RevocationStatuses) -> None:
    sc = server.admin.authority("sc")
    jan = _issue(server, "sc", "Jan Kowalski", pesel=PESEL)
    anna = _issue(server, "sc", "Anna Nowak")
    evidence = await statuses.check(jan, sc.certificate, at=datetime.now(UTC))
    assert evidence.status is RevocationStatus.GOOD
    assert (evidence.source, evidence.location) == ("ocsp", f"{server.base}/pki/sc/ocsp")

    sc.revoke(jan.serial_number, x509.ReasonFlags.key_compromise)
    server.admin.save(sc)
    # cached until nextUpdate
    cached = await statuses.check(jan, sc.certificate, at=datetime.now(UTC))
    assert cached is evidence
    statuses.clear()
    evidence = await statuses.check(jan, sc.certificate, at=datetime.now(UTC))
    assert (evidence.status, evidence.reason) == (RevocationStatus.REVOKED, "keyCompromise")

    sc.suspend(anna.serial_number)
    server.admin.save(sc)
    evidence = await statuses.check(anna, sc.certificate, at=datetime.now(UTC))
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


async def test_crl_only_certificate_checked_over_http(
    server: PkiServer, statuses: RevocationStatuses
) -> None:
    cbtd = server.admin.authority("cbtd")
    firm = _issue(server, "cbtd", "Firma Sp. z o.o.", nip="5260250274")
    assert not any(isinstance(e.value, x509.AuthorityInformationAccess) for e in firm.extensions)
    evidence = await statuses.check(firm, cbtd.certificate, at=datetime.now(UTC))
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
    statuses = RevocationStatuses(timeout=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(RevocationUnavailable, match="cannot fetch"):
            await statuses.check(jan, sc.certificate, at=datetime.now(UTC))
        assert time.monotonic() - started < 2.0
    finally:
        await statuses.stop()


async def test_silent_responder_times_out() -> None:
    """A responder that accepts the connection and never answers: OCSP, then the CRL, each time out."""
    connections: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read(65536)

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    statuses = RevocationStatuses(timeout=0.5)
    try:
        ca = CertificateAuthority.create("sc", base_url=f"http://127.0.0.1:{port}/pki/sc/")
        jan = ca.issue("Jan").certificate
        started = time.monotonic()
        with pytest.raises(RevocationUnavailable, match="timed out") as failure:
            await statuses.check(jan, ca.certificate, at=datetime.now(UTC))
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed < 1.5  # 0.5 s for OCSP, 0.5 s for the CRL
        assert "OCSP" in str(failure.value) and "CRL" in str(failure.value)
        assert len(connections) == 2
    finally:
        await statuses.stop()
        for writer in connections:
            writer.close()
        listener.close()
        await listener.wait_closed()


# --- the checks, settled against a real responder ------------------------------------------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([packaged("sxml")])


def _checks(
    server: PkiServer, catalog: Catalog, statuses: RevocationStatuses, policy: str = "hard"
) -> Checks:
    """The checks trusting the server's SC authority as a plain anchor: its statuses are asked over
    HTTP, at the URLs its certificates carry."""
    settings = SignatureSettings(
        sc_anchors=(server.folder / "sc" / "ca.pem",), revocation_sc=policy, revocation_timeout_seconds=1.0
    )
    return Checks(catalog, configured_signature_stage(settings, statuses), ParsingSettings())


def _signed_by_new_signer(server: PkiServer, message_id: str) -> bytes:
    authority = server.admin.authority("sc")
    issued = authority.issue("Jan Kowalski", pesel=PESEL)
    server.admin.save(authority)
    assert issued.private_key is not None
    return sign_xades(
        build("CC015C", SampleParams(message_id=message_id)),
        issued.private_key,
        issued.certificate,
        signing_time=datetime.now(UTC) - timedelta(minutes=1),
    )


class CountedRuns:
    """``check`` as the service runs it, counting its runs."""

    def __init__(self, body: bytes, checks: Checks) -> None:
        self.runs = 0
        self.call = partial(check, body, datetime.now(UTC), checks)

    def __call__(self) -> Verdict:
        self.runs += 1
        return self.call()


async def test_a_cold_cache_is_filled_off_the_check_and_the_verdict_names_its_evidence(
    server: PkiServer, catalog: Catalog, statuses: RevocationStatuses
) -> None:
    checks = _checks(server, catalog, statuses)
    run = CountedRuns(_signed_by_new_signer(server, "COLD-1"), checks)
    with pytest.raises(RevocationNeeded):  # the checks alone do not wait for the network
        await asyncio.to_thread(run)
    assert server.ocsp_requests() == 0

    verdict = await statuses.settle(None, run)
    assert verdict.accepted, verdict.errors
    assert run.runs == 3  # the one above, the one that needed, the one that decided
    assert server.ocsp_requests() == 1
    evidence = verdict.revocation
    assert evidence is not None
    assert (evidence.status, evidence.source) == (RevocationStatus.GOOD, "ocsp")
    assert evidence.location == f"{server.base}/pki/sc/ocsp"
    assert evidence.this_update is not None and evidence.next_update is not None


async def test_a_warm_cache_makes_no_network_call(
    server: PkiServer, catalog: Catalog, statuses: RevocationStatuses
) -> None:
    checks = _checks(server, catalog, statuses)
    body = _signed_by_new_signer(server, "WARM-1")
    first = await statuses.settle(None, CountedRuns(body, checks))
    asked = list(server.asked)
    assert server.ocsp_requests() == 1

    again = CountedRuns(body, checks)
    verdict = await statuses.settle(None, again)
    assert again.runs == 1 and verdict.accepted
    assert verdict.revocation is first.revocation  # the very answer kept
    # and without the event loop at all, in a thread, as the service's executor runs it
    assert (await asyncio.to_thread(CountedRuns(body, checks))).revocation is first.revocation
    assert server.asked == asked


async def test_a_background_refresh_renews_an_answer_before_it_expires(tmp_path: Path) -> None:
    """Answers valid for 4 s, renewed 2 s before: a steady stream of checks never finds none at hand."""
    async with pki_server(
        tmp_path / "pki", ocsp_validity=timedelta(seconds=4), reuse=timedelta(seconds=0.5)
    ) as server:
        sc = server.admin.authority("sc")
        jan = _issue(server, "sc", "Jan Kowalski", pesel=PESEL)
        statuses = RevocationStatuses(
            timeout=2.0,
            refresh_before=timedelta(seconds=2),
            refresh_interval=0.05,
            failure_ttl=timedelta(seconds=0.2),
        )
        statuses.start()
        try:
            first = await statuses.check(jan, sc.certificate, at=datetime.now(UTC))
            assert first.next_update is not None and first.this_update is not None
            assert first.next_update - first.this_update == timedelta(seconds=4)
            renewed_at: datetime | None = None
            while (now := datetime.now(UTC)) < first.next_update + timedelta(seconds=1):
                evidence = statuses.status(jan, sc.certificate, at=now)  # raises if none is at hand
                if evidence is not first and renewed_at is None:
                    renewed_at = now
                    assert evidence.this_update is not None and evidence.this_update > first.this_update
                await asyncio.sleep(0.1)
            assert renewed_at is not None and renewed_at < first.next_update
            assert server.ocsp_requests() >= 2
        finally:
            await statuses.stop()


@pytest.mark.parametrize("policy", ["hard", "soft", "none"])
async def test_with_the_responder_down_the_policy_decides_as_before(
    server: PkiServer, catalog: Catalog, statuses: RevocationStatuses, policy: str
) -> None:
    body = _signed_by_new_signer(server, "DOWN-1")
    await server.runner.cleanup()
    checks = _checks(server, catalog, statuses, policy)
    started = time.monotonic()
    verdict = await statuses.settle(None, CountedRuns(body, checks))
    assert time.monotonic() - started < 2 * 1.0 + 1.0  # OCSP then CRL, a timeout each at most
    if policy == "hard":
        assert verdict.refusal == "CERT_STATUS_UNKNOWN"
        assert "revocation status could not be obtained" in verdict.errors[0].message
        return
    assert verdict.accepted
    assert verdict.revocation is None
    unchecked = [w for w in verdict.warnings if w.startswith("REVOCATION_UNCHECKED")]
    if policy == "soft":
        assert len(unchecked) == 1 and "cannot fetch" in unchecked[0]
    else:
        assert unchecked == []
        # not even asked: the checks alone decide
        assert (await asyncio.to_thread(CountedRuns(body, checks))).accepted


# --- the HTTP client's bounds ---------------------------------------------------------------------------


async def test_the_client_refuses_large_or_failed_answers_and_other_schemes() -> None:
    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to refuse up front
        await response.prepare(request)
        for _ in range(4):
            await response.write(b"x" * 600)
        await response.write_eof()
        return response

    async def declared(request: web.Request) -> web.Response:
        return web.Response(body=b"y" * 2000)

    app = web.Application()
    app.router.add_get("/big", big)
    app.router.add_get("/declared", declared)
    app.router.add_post("/echo", _echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    fetch = HttpFetch(max_bytes=1000)
    try:
        for path in ("/big", "/declared"):
            with pytest.raises(OSError, match="larger than 1000 bytes"):
                await fetch(base + path, None, None, 2.0)
        with pytest.raises(OSError, match="HTTP 404"):
            await fetch(base + "/missing", None, None, 2.0)
        assert await fetch(base + "/echo", b"request", "application/ocsp-request", 2.0) == (
            b"application/ocsp-request:request"
        )
        with pytest.raises(ValueError, match="unsupported URL scheme"):
            await fetch("ftp://127.0.0.1/ca.crl", None, None, 2.0)
        # from another event loop (a CLI's asyncio.run): a session of its own, this one untouched
        other = await asyncio.to_thread(asyncio.run, fetch(base + "/echo", b"x", "text/plain", 2.0))
        assert other == b"text/plain:x"
        assert await fetch(base + "/echo", b"y", "text/plain", 2.0) == b"text/plain:y"
    finally:
        await fetch.close()
        await runner.cleanup()


async def _echo(request: web.Request) -> web.Response:
    return web.Response(body=f"{request.content_type}:".encode() + await request.read())
