"""gateway.adapters.revocation: OCSP and CRL answers produced by a real demo CA, validated for real,
asked for on the event loop (a fake network) and kept between checks."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.adapters.revocation import RevocationStatuses
from gateway.config import SignatureSettings
from gateway.core.revocation.policy import revocation_policy
from gateway.core.signature.model import RevocationStatus, RevocationUnavailable, SignerKind
from gateway.demo.pki import CertificateAuthority, PkiDirectory
from gateway.demo.pki.local import local_authorities
from gateway.demo.pki.revocation import build_ocsp_response

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _now_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """NOW is read when a test runs: certificates issued during a long run start after import time."""
    monkeypatch.setattr(sys.modules[__name__], "NOW", datetime.now(UTC).replace(microsecond=0))


BASE = "http://pki.test/sc/"
OCSP_URL = BASE + "ocsp"
CRL_URL = BASE + "ca.crl"
PESEL = "44051401359"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeNet:
    """Serves the CA's real OCSP responses and CRLs at the URLs its certificates carry; hooks change
    requests or responses on the way, or take a service down."""

    def __init__(self, ca: CertificateAuthority, clock: Clock) -> None:
        self.ca = ca
        self.clock = clock
        self.calls: list[str] = []
        self.timeouts: list[float] = []
        self.responses: list[bytes] = []
        self.ocsp_down = False
        self.crl_down = False
        self.crl_der: bytes | None = None
        self.edit_request: Callable[[bytes], bytes] | None = None
        self.edit_response: Callable[[bytes], bytes] | None = None
        self.respond: Callable[[bytes], bytes] | None = None
        self.entered = asyncio.Event()
        self.gate: asyncio.Event | None = None

    async def __call__(self, url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        self.calls.append(url)
        self.timeouts.append(timeout)
        self.entered.set()
        if self.gate is not None:
            await asyncio.wait_for(self.gate.wait(), 10)
        if url == OCSP_URL:
            assert body is not None and content_type == "application/ocsp-request"
            if self.ocsp_down:
                raise ConnectionRefusedError("connection refused")
            if self.edit_request is not None:
                body = self.edit_request(body)
            der = self.respond(body) if self.respond else self.ca.ocsp_response(body, self.clock())
            if self.edit_response is not None:
                der = self.edit_response(der)
            self.responses.append(der)
            return der
        if url == CRL_URL:
            assert body is None
            if self.crl_down:
                raise TimeoutError("timed out")
            return self.crl_der if self.crl_der is not None else self.ca.crl(self.clock())
        raise AssertionError(f"unexpected URL {url}")


@pytest.fixture
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("sc", base_url=BASE)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def net(ca: CertificateAuthority, clock: Clock) -> FakeNet:
    return FakeNet(ca, clock)


@pytest.fixture
async def statuses(net: FakeNet, clock: Clock) -> AsyncIterator[RevocationStatuses]:
    statuses = RevocationStatuses(timeout=5.0, fetch=net, clock=clock)
    yield statuses
    await statuses.stop()


def _unrecorded_twin(ca: CertificateAuthority) -> x509.Certificate:
    """A certificate really signed by the CA (same extensions, URLs) but under a serial it never recorded."""
    model = ca.issue("Model").certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(model.subject)
        .issuer_name(model.issuer)
        .public_key(model.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(model.not_valid_before_utc)
        .not_valid_after(model.not_valid_after_utc)
    )
    for extension in model.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    return builder.sign(ca.private_key, hashes.SHA256())


def _with_nonce(nonce: bytes | None) -> Callable[[bytes], bytes]:
    """Rewrites a request to carry ``nonce`` (or none) instead of the checker's."""

    def edit(body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
            request.issuer_name_hash, request.issuer_key_hash, request.serial_number, request.hash_algorithm
        )
        if nonce is not None:
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        return builder.build().public_bytes(serialization.Encoding.DER)

    return edit


# --- OCSP: statuses ---------------------------------------------------------------------------------


async def test_good(statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet) -> None:
    issued = ca.issue("Jan Kowalski", pesel=PESEL)
    evidence = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.GOOD
    assert (evidence.source, evidence.location) == ("ocsp", OCSP_URL)
    assert evidence.checked_at == NOW
    assert evidence.this_update == NOW
    assert evidence.next_update == NOW + timedelta(hours=1)
    assert evidence.revoked_at is None and evidence.reason is None
    assert net.calls == [OCSP_URL]
    assert 4.0 < net.timeouts[0] <= 5.0
    # the request was a real one: SHA-1 cert id of this certificate, with a 16-byte nonce echoed back
    response = ocsp.load_der_ocsp_response(net.responses[0])
    assert response.serial_number == issued.serial
    assert isinstance(response.hash_algorithm, hashes.SHA1)
    assert len(response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce) == 16


async def test_revoked_and_hold(statuses: RevocationStatuses, ca: CertificateAuthority) -> None:
    revoked, held = ca.issue("Revoked"), ca.issue("Held")
    revoked_at = NOW - timedelta(hours=2)
    ca.revoke(revoked.serial, x509.ReasonFlags.key_compromise, revoked_at)
    ca.suspend(held.serial, NOW - timedelta(minutes=3))

    evidence = await statuses.check(revoked.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.REVOKED
    assert evidence.revoked_at == revoked_at
    assert evidence.reason == "keyCompromise"

    evidence = await statuses.check(held.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.HOLD
    assert evidence.revoked_at == NOW - timedelta(minutes=3)
    assert evidence.reason == "certificateHold"


async def test_unknown_to_the_responder_is_unavailable_without_crl_fallback(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    twin = _unrecorded_twin(ca)
    with pytest.raises(RevocationUnavailable, match="does not know"):
        await statuses.check(twin, ca.certificate, at=NOW)
    assert net.calls == [OCSP_URL]  # the CRL would have said "not listed", i.e. wrongly good


async def test_certificate_without_revocation_pointers() -> None:
    epuap = CertificateAuthority.create("epuap", base_url="http://pki.test/epuap/")
    seal = epuap.issue()

    async def nothing(url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        raise AssertionError(f"nothing to ask, but {url} was asked")

    statuses = RevocationStatuses(fetch=nothing)
    with pytest.raises(RevocationUnavailable, match="neither an OCSP responder nor a CRL"):
        await statuses.check(seal.certificate, epuap.certificate, at=NOW)


# --- OCSP: who signed -------------------------------------------------------------------------------


async def test_delegated_responder_accepted(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    responder = ca.issue_ocsp_responder()
    issued = ca.issue("Jan")
    evidence = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.GOOD
    assert ocsp.load_der_ocsp_response(net.responses[0]).certificates == [responder.certificate]


async def test_responder_without_ocsp_signing_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    not_a_responder = ca.issue("Ordinary Signer")  # issued by the CA, but not for OCSP
    ca.ocsp_responder_serial = not_a_responder.serial
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="OCSPSigning"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


@pytest.mark.parametrize("impostor_name", [None, "Stranger CA"])
async def test_responder_of_another_ca_refused(
    statuses: RevocationStatuses,
    ca: CertificateAuthority,
    net: FakeNet,
    clock: Clock,
    impostor_name: str | None,
) -> None:
    """A real OCSP responder of another CA (its name the same as our CA's, or not) answers for ours."""
    stranger = CertificateAuthority.create("sc", name=impostor_name)
    stranger_responder = stranger.issue_ocsp_responder()
    assert stranger_responder.private_key is not None
    issued = ca.issue("Jan")

    def respond(body: bytes) -> bytes:
        assert stranger_responder.private_key is not None
        return build_ocsp_response(
            body,
            now=clock(),
            ca_certificate=ca.certificate,
            records=ca.records,
            responder_certificate=stranger_responder.certificate,
            responder_key=stranger_responder.private_key,
        )

    net.respond = respond
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="not issued by the certificate's issuer"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_another_ca_signing_as_itself_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    impostor = CertificateAuthority.create("sc")  # same subject name as ``ca``, another key
    assert impostor.certificate.subject == ca.certificate.subject
    issued = ca.issue("Jan")
    net.respond = lambda body: build_ocsp_response(
        body,
        now=clock(),
        ca_certificate=ca.certificate,
        records=ca.records,
        responder_certificate=impostor.certificate,
        responder_key=impostor.private_key,
    )
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="not issued by"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


@pytest.mark.parametrize("delegated", [False, True])
async def test_tampered_signature_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, delegated: bool
) -> None:
    if delegated:
        ca.issue_ocsp_responder()
    issued = ca.issue("Jan")

    def flip(der: bytes) -> bytes:
        signature = ocsp.load_der_ocsp_response(der).signature
        last = der.index(signature) + len(signature) - 1
        tampered = der[:last] + bytes([der[last] ^ 0x01]) + der[last + 1 :]
        assert ocsp.load_der_ocsp_response(tampered).signature != signature  # still parses
        return tampered

    net.edit_response = flip
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="InvalidSignature"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_answer_about_another_certificate_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued, other = ca.issue("Jan"), ca.issue("Anna")

    def about_other(body: bytes) -> bytes:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(other.certificate, ca.certificate, hashes.SHA1())
            .add_extension(ocsp.load_der_ocsp_request(body).extensions[0].value, critical=False)
            .build()
        )
        return ca.ocsp_response(request.public_bytes(serialization.Encoding.DER), NOW)

    net.respond = about_other
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="not about the certificate asked for"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_unsuccessful_response_falls_back_to_crl(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    net.respond = lambda _body: ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER
    ).public_bytes(serialization.Encoding.DER)
    evidence = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert (evidence.status, evidence.source) == (RevocationStatus.GOOD, "crl")
    net.crl_down = True
    statuses.clear()
    with pytest.raises(RevocationUnavailable, match="TRY_LATER"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


# --- OCSP: nonce and freshness -------------------------------------------------------------------------


async def test_wrong_nonce_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    net.edit_request = _with_nonce(b"someone-elses-16")
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="another nonce"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_missing_nonce_accepted_only_when_fresh(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    net.edit_request = _with_nonce(None)
    evidence = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.GOOD
    assert len(ocsp.load_der_ocsp_response(net.responses[-1]).extensions) == 0

    # a pre-produced answer (10 minutes old, still within its validity) without a nonce: a possible replay
    statuses.clear()
    net.respond = lambda body: ca.ocsp_response(body, clock() - timedelta(minutes=10))
    net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="no nonce and not fresh"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_stale_and_future_ocsp_answers_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    net.crl_down = True
    net.respond = lambda body: ca.ocsp_response(body, clock() - timedelta(hours=2))
    with pytest.raises(RevocationUnavailable, match="stale"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)
    clock.advance(seconds=10)  # past the short memory of failures
    net.respond = lambda body: ca.ocsp_response(body, clock() + timedelta(hours=1))
    with pytest.raises(RevocationUnavailable, match="from the future"):
        await statuses.check(issued.certificate, ca.certificate, at=clock())


# --- CRL ---------------------------------------------------------------------------------------------


async def test_crl_used_when_ocsp_fails(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    good, revoked, held = ca.issue("Good"), ca.issue("Revoked"), ca.issue("Held")
    ca.revoke(revoked.serial, x509.ReasonFlags.superseded, NOW - timedelta(days=1))
    ca.suspend(held.serial, NOW - timedelta(hours=1))
    net.ocsp_down = True

    evidence = await statuses.check(good.certificate, ca.certificate, at=NOW)
    assert (evidence.status, evidence.source, evidence.location) == (RevocationStatus.GOOD, "crl", CRL_URL)
    assert evidence.this_update == NOW and evidence.next_update == NOW + timedelta(days=7)
    assert net.calls == [OCSP_URL, CRL_URL]

    evidence = await statuses.check(revoked.certificate, ca.certificate, at=NOW)
    assert evidence.status is RevocationStatus.REVOKED
    assert (evidence.reason, evidence.revoked_at) == ("superseded", NOW - timedelta(days=1))
    evidence = await statuses.check(held.certificate, ca.certificate, at=NOW)
    assert (evidence.status, evidence.reason) == (RevocationStatus.HOLD, "certificateHold")
    # the CRL itself was fetched once and cached per URL
    assert net.calls.count(CRL_URL) == 1


async def test_pem_crl_accepted(statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet) -> None:
    revoked = ca.issue("Revoked")
    ca.revoke(revoked.serial, at=NOW - timedelta(hours=1))
    net.ocsp_down = True
    net.crl_der = (
        x509.load_der_x509_crl(ca.crl(NOW)).public_bytes(serialization.Encoding.PEM).replace(b"\n", b"\r\n")
    )
    evidence = await statuses.check(revoked.certificate, ca.certificate, at=NOW)
    assert (evidence.status, evidence.source, evidence.reason) == (RevocationStatus.REVOKED, "crl", None)


async def test_stale_crl_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    net.ocsp_down = True
    net.crl_der = ca.crl(NOW - timedelta(days=8), NOW - timedelta(days=1))
    with pytest.raises(RevocationUnavailable, match="CRL is stale"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


async def test_crl_of_an_impostor_refused(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    impostor = CertificateAuthority.create("sc")  # same name, other key
    net.ocsp_down = True
    net.crl_der = impostor.crl(NOW)
    with pytest.raises(RevocationUnavailable, match="signature does not verify"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)
    net.crl_der = CertificateAuthority.create("sc", name="Other CA").crl(NOW)
    statuses.clear()
    with pytest.raises(RevocationUnavailable, match="issued by someone else"):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)


# --- cache ---------------------------------------------------------------------------------------------


async def test_cache_hit_and_expiry(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    first = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    second = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert second is first
    assert net.calls == [OCSP_URL]

    clock.advance(hours=1, seconds=1)  # past nextUpdate
    third = await statuses.check(issued.certificate, ca.certificate, at=clock())
    assert net.calls == [OCSP_URL, OCSP_URL]
    assert third.checked_at == clock() and third.this_update == clock()


async def test_refresh_ahead_in_the_background(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    first = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    clock.advance(minutes=30)  # half the validity left: nothing due
    assert statuses.status(issued.certificate, ca.certificate, at=clock()) is first
    assert await statuses.refresh_due() == 0
    assert len(net.calls) == 1

    clock.advance(minutes=26)  # 4 of 60 minutes left (< the 5 minutes before): due
    assert statuses.status(issued.certificate, ca.certificate, at=clock()) is first
    net.entered.clear()
    net.gate = asyncio.Event()
    refresh = asyncio.create_task(statuses.refresh_due())
    await asyncio.wait_for(net.entered.wait(), 5)
    # while the renewal waits for the network, the checks answer from the cache, and it is not asked twice
    assert statuses.status(issued.certificate, ca.certificate, at=clock()) is first
    assert await statuses.refresh_due() == 0
    net.gate.set()
    assert await refresh == 1

    evidence = statuses.status(issued.certificate, ca.certificate, at=clock())
    assert evidence is not first
    assert evidence.checked_at == NOW + timedelta(minutes=56)
    assert evidence.next_update == NOW + timedelta(minutes=116)
    assert len(net.calls) == 2


async def test_the_refresh_task_renews_answers_in_use_only(
    ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    statuses = RevocationStatuses(fetch=net, clock=clock, refresh_interval=0.01)
    used, idle = ca.issue("Jan"), ca.issue("Anna")
    first = await statuses.check(used.certificate, ca.certificate, at=NOW)
    await statuses.check(idle.certificate, ca.certificate, at=NOW)
    statuses.start()
    try:
        clock.advance(minutes=57)
        assert statuses.status(used.certificate, ca.certificate, at=clock()) is first  # in use
        for _ in range(500):
            if len(net.calls) == 3:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        assert len(net.calls) == 3, "the answer in use was not renewed (or the idle one was too)"
        renewed = statuses.status(used.certificate, ca.certificate, at=clock())
        assert renewed.this_update == clock()
    finally:
        await statuses.stop()


async def test_failed_refresh_keeps_the_cached_answer(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    first = await statuses.check(issued.certificate, ca.certificate, at=NOW)
    net.ocsp_down = net.crl_down = True
    clock.advance(minutes=55)
    assert statuses.status(issued.certificate, ca.certificate, at=clock()) is first
    assert await statuses.refresh_due() == 1
    assert net.calls == [OCSP_URL, OCSP_URL, CRL_URL]  # OCSP then CRL, both down
    assert statuses.status(issued.certificate, ca.certificate, at=clock()) is first
    assert await statuses.refresh_due() == 0  # tried a moment ago
    clock.advance(seconds=4)
    assert await statuses.refresh_due() == 1


async def test_failures_remembered_only_briefly(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet, clock: Clock
) -> None:
    issued = ca.issue("Jan")
    net.ocsp_down = net.crl_down = True
    with pytest.raises(RevocationUnavailable, match="connection refused") as failure:
        await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert "timed out" in str(failure.value)
    assert net.calls == [OCSP_URL, CRL_URL]
    with pytest.raises(RevocationUnavailable):
        await statuses.check(issued.certificate, ca.certificate, at=NOW)
    assert len(net.calls) == 2  # not asked again at once

    clock.advance(seconds=4)
    net.ocsp_down = False
    assert (
        await statuses.check(issued.certificate, ca.certificate, at=clock())
    ).status is RevocationStatus.GOOD
    assert len(net.calls) == 3


async def test_concurrent_checks_ask_once(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: FakeNet
) -> None:
    issued = ca.issue("Jan")
    net.gate = asyncio.Event()
    checks = [
        asyncio.create_task(statuses.check(issued.certificate, ca.certificate, at=NOW)) for _ in range(16)
    ]
    await asyncio.wait_for(net.entered.wait(), 5)
    await asyncio.sleep(0.05)
    net.gate.set()
    results = await asyncio.wait_for(asyncio.gather(*checks), 5)
    assert {id(result) for result in results} == {id(results[0])}
    assert net.calls == [OCSP_URL]


# --- the local demo PKI ------------------------------------------------------------------------------


async def test_local_pki_answers_in_process(tmp_path: Path) -> None:
    pki = PkiDirectory.initialise(tmp_path / "pki", base_url="http://unreachable.test/pki/")
    sc = pki.authority("sc")
    first, second = sc.issue("Jan", pesel=PESEL), sc.issue("Anna")
    pki.save(sc)
    asked: list[str] = []

    async def fetch(url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        asked.append(url)
        raise OSError("no network in this test")

    statuses = RevocationStatuses(local=local_authorities(pki), fetch=fetch)
    evidence = await statuses.check(first.certificate, sc.certificate, at=datetime.now(UTC))
    assert (evidence.status, evidence.source, evidence.location) == (
        RevocationStatus.GOOD,
        "ocsp",
        "local:sc",
    )

    # revoked in this process: seen at once (a local answer holds only while the records are unchanged)
    sc.revoke(first.serial, x509.ReasonFlags.key_compromise)
    evidence = await statuses.check(first.certificate, sc.certificate, at=datetime.now(UTC))
    assert (evidence.status, evidence.reason) == (RevocationStatus.REVOKED, "keyCompromise")

    # suspended by another process (``gateway pki suspend``): re-read from disk
    pki.save(sc)
    other = PkiDirectory(tmp_path / "pki")
    other_sc = other.authority("sc")
    other_sc.suspend(second.serial)
    other.save(other_sc)
    evidence = await statuses.check(second.certificate, sc.certificate, at=datetime.now(UTC))
    assert evidence.status is RevocationStatus.HOLD
    assert (await statuses.check(first.certificate, sc.certificate, at=datetime.now(UTC))).status is (
        RevocationStatus.REVOKED
    )

    # an authority without a delegated responder signs its answers itself
    qualified = pki.authority("qualified")
    person = qualified.issue("Jan", pesel=PESEL)
    evidence = await statuses.check(person.certificate, qualified.certificate, at=datetime.now(UTC))
    assert (evidence.status, evidence.location) == (RevocationStatus.GOOD, "local:qualified")

    # an authority outside the directory is asked over the network, as its certificates say
    outsider = CertificateAuthority.create("sc", name="Outside CA", base_url="http://outside.test/sc/")
    with pytest.raises(RevocationUnavailable, match="no network"):
        await statuses.check(outsider.issue("X").certificate, outsider.certificate, at=datetime.now(UTC))
    assert asked == ["http://outside.test/sc/ocsp", "http://outside.test/sc/ca.crl"]


# --- configuration -----------------------------------------------------------------------------------


async def test_settings(tmp_path: Path) -> None:
    settings = SignatureSettings(revocation_timeout_seconds=1.5, revocation_cbtd="Soft")
    assert RevocationStatuses.from_settings(settings).timeout == 1.5
    assert revocation_policy(settings, SignerKind.SC) == "hard"
    assert revocation_policy(settings, SignerKind.CBTD) == "soft"
    assert revocation_policy(settings, SignerKind.EPUAP) == "none"
    with pytest.raises(ValueError, match="hard, soft or none"):
        revocation_policy(SignatureSettings(revocation_sc="strict"), SignerKind.SC)
