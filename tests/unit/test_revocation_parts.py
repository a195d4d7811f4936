"""The revocation parts on their own: the pure OCSP/CRL validation and policy
(gateway.core.revocation) and the status cache (gateway.adapters.revocation.cache)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.adapters.revocation.cache import StatusCache, key_of
from gateway.config import SignatureSettings
from gateway.core.errors import CertRevoked, CertStatusUnknown
from gateway.core.revocation.answers import Answer, Freshness
from gateway.core.revocation.crl import answer_from_crl, parse_crl
from gateway.core.revocation.ocsp import build_request, validate_response
from gateway.core.revocation.policy import RevocationPolicy, judge, revocation_policy, when_unavailable
from gateway.core.signature.model import (
    RevocationEvidence,
    RevocationStatus,
    RevocationUnavailable,
    SignerKind,
)
from gateway.demo.pki import CertificateAuthority

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BASE = "http://pki.test/sc/"


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("sc", base_url=BASE)


# --- OCSP ---------------------------------------------------------------------------------------------


def test_the_request_names_the_certificate_and_carries_the_nonce(ca: CertificateAuthority) -> None:
    issued = ca.issue("Jan")
    request = build_request(issued.certificate, ca.certificate, nonce=b"0123456789abcdef")
    parsed = ocsp.load_der_ocsp_request(request.der)
    assert (parsed.serial_number, request.nonce) == (issued.serial, b"0123456789abcdef")
    assert isinstance(parsed.hash_algorithm, hashes.SHA1)
    assert parsed.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    assert build_request(issued.certificate, ca.certificate).nonce != request.nonce  # random otherwise


def test_an_answer_without_next_update_is_current_for_the_default_validity(ca: CertificateAuthority) -> None:
    issued = ca.issue("Jan")
    request = build_request(issued.certificate, ca.certificate)
    response = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=issued.certificate,
            issuer=ca.certificate,
            algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD,
            this_update=NOW,
            next_update=None,
            revocation_time=None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
        .add_extension(x509.OCSPNonce(request.nonce), critical=False)
        .sign(ca.private_key, hashes.SHA256())
        .public_bytes(serialization.Encoding.DER)
    )
    rules = Freshness(default_validity=timedelta(minutes=7))
    answer = validate_response(
        response, request, issued.certificate, ca.certificate, at=NOW, now=NOW, location="x", rules=rules
    )
    assert answer.valid_until == NOW + timedelta(minutes=7)
    assert (answer.evidence.next_update, answer.evidence.status) == (None, RevocationStatus.GOOD)
    later = NOW + timedelta(minutes=8)
    with pytest.raises(RevocationUnavailable, match="stale"):
        validate_response(
            response,
            request,
            issued.certificate,
            ca.certificate,
            at=later,
            now=NOW,
            location="x",
            rules=rules,
        )


def test_a_future_answer_is_accepted_within_the_skew_only(ca: CertificateAuthority) -> None:
    issued = ca.issue("Jan")
    request = build_request(issued.certificate, ca.certificate)
    response = ca.ocsp_response(request.der, NOW + timedelta(minutes=3))
    for skew, accepted in ((timedelta(minutes=5), True), (timedelta(minutes=1), False)):
        rules = Freshness(max_skew=skew)
        if accepted:
            answer = validate_response(
                response,
                request,
                issued.certificate,
                ca.certificate,
                at=NOW,
                now=NOW,
                location="x",
                rules=rules,
            )
            assert answer.starts == NOW + timedelta(minutes=3)
            continue
        with pytest.raises(RevocationUnavailable, match="from the future"):
            validate_response(
                response,
                request,
                issued.certificate,
                ca.certificate,
                at=NOW,
                now=NOW,
                location="x",
                rules=rules,
            )


# --- CRL ----------------------------------------------------------------------------------------------


def _crl(
    ca: CertificateAuthority,
    *extensions: x509.ExtensionType,
    entries: tuple[tuple[int, x509.ReasonFlags | None], ...] = (),
    next_update: datetime = NOW + timedelta(days=1),
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(NOW)
        .next_update(next_update)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    for serial, reason in entries:
        entry = (
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW - timedelta(hours=1))
        )
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca.private_key, hashes.SHA256())


def _from_crl(
    crl: x509.CertificateRevocationList, cert: x509.Certificate, ca: CertificateAuthority
) -> Answer:
    return answer_from_crl(
        crl, cert, ca.certificate, at=NOW, now=NOW, location="http://pki.test/ca.crl", max_skew=timedelta(0)
    )


@pytest.mark.parametrize(
    ("extension", "refusal"),
    [
        (x509.DeltaCRLIndicator(3), "delta CRL"),
        (
            x509.IssuingDistributionPoint(None, None, False, True, None, False, False),
            "partial or indirect",
        ),
        (
            x509.IssuingDistributionPoint(
                None, None, False, False, frozenset({x509.ReasonFlags.key_compromise}), False, False
            ),
            "partial or indirect",
        ),
    ],
)
def test_only_a_complete_crl_is_used(
    ca: CertificateAuthority, extension: x509.ExtensionType, refusal: str
) -> None:
    with pytest.raises(RevocationUnavailable, match=refusal):
        _from_crl(_crl(ca, extension), ca.issue("Jan").certificate, ca)


def test_a_crl_entry_removed_from_the_crl_is_good_and_reasons_are_read(ca: CertificateAuthority) -> None:
    released, held, revoked = ca.issue("A"), ca.issue("B"), ca.issue("C")
    crl = _crl(
        ca,
        entries=(
            (released.serial, x509.ReasonFlags.remove_from_crl),
            (held.serial, x509.ReasonFlags.certificate_hold),
            (revoked.serial, None),
        ),
    )
    good = _from_crl(crl, released.certificate, ca).evidence
    assert (good.status, good.revoked_at, good.reason) == (RevocationStatus.GOOD, None, None)
    assert _from_crl(crl, held.certificate, ca).evidence.status is RevocationStatus.HOLD
    answer = _from_crl(crl, revoked.certificate, ca)
    assert (answer.evidence.status, answer.evidence.reason) == (RevocationStatus.REVOKED, None)
    assert answer.valid_until == NOW + timedelta(days=1) and answer.evidence.source == "crl"


def test_pem_and_der_crls_are_read_and_garbage_is_not(ca: CertificateAuthority) -> None:
    crl = _crl(ca)
    assert parse_crl(crl.public_bytes(serialization.Encoding.DER)) == crl
    assert parse_crl(b"\n" + crl.public_bytes(serialization.Encoding.PEM)) == crl
    with pytest.raises(RevocationUnavailable, match="not a CRL"):
        parse_crl(b"<html>not found</html>")


# --- policy -------------------------------------------------------------------------------------------


def test_the_policy_per_kind_and_what_it_does_without_a_status() -> None:
    settings = SignatureSettings(revocation_qualified=" SOFT ")
    assert revocation_policy(settings, SignerKind.QUALIFIED) is RevocationPolicy.SOFT
    assert revocation_policy(settings, SignerKind.SC) is RevocationPolicy.HARD
    assert when_unavailable(RevocationPolicy.SOFT, "signing certificate", "down") == (
        "REVOCATION_UNCHECKED: the signing certificate's status could not be obtained (down)",
    )
    with pytest.raises(CertStatusUnknown, match="the signing certificate's revocation status could not"):
        when_unavailable(RevocationPolicy.HARD, "signing certificate", "down")


def test_what_a_status_means_for_a_message_received_at_a_moment() -> None:
    good = RevocationEvidence(RevocationStatus.GOOD, "ocsp", "u", NOW)
    later = RevocationEvidence(
        RevocationStatus.REVOKED, "ocsp", "u", NOW, revoked_at=NOW + timedelta(hours=1)
    )
    held = RevocationEvidence(RevocationStatus.HOLD, "crl", "u", NOW, revoked_at=NOW - timedelta(hours=1))
    assert judge(good, "signing certificate", NOW) == ()
    revoked_at = (NOW + timedelta(hours=1)).isoformat()
    assert judge(later, "signing certificate", NOW) == (
        f"CERT_REVOKED_LATER: the signing certificate was revoked at {revoked_at}",
    )
    with pytest.raises(CertRevoked, match=r"is suspended \(certificateHold\) since .* \(crl: u\)"):
        judge(held, "signing certificate", NOW)


# --- the cache ----------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _answer(
    status: RevocationStatus = RevocationStatus.GOOD,
    *,
    this: datetime = NOW,
    valid: timedelta = timedelta(hours=1),
) -> Answer:
    return Answer(
        RevocationEvidence(status, "ocsp", "u", this, this_update=this, next_update=this + valid),
        this + valid,
    )


@pytest.fixture
def pair(ca: CertificateAuthority) -> tuple[x509.Certificate, x509.Certificate]:
    return ca.issue("Jan").certificate, ca.certificate


def test_answers_are_kept_until_next_update_capped_by_the_maximum_age(
    pair: tuple[x509.Certificate, ...],
) -> None:
    clock = Clock()
    cache = StatusCache(clock, max_age=timedelta(hours=2))
    key = key_of(*pair)
    kept = cache.store(key, _answer(valid=timedelta(days=7)), *pair)
    assert kept.keep_until == NOW + timedelta(hours=2)
    assert cache.entry(key, NOW, timedelta(0)) == kept
    clock.now += timedelta(hours=2, seconds=1)
    assert cache.entry(key, clock.now, timedelta(0)) is None
    assert cache.entry(key, NOW, timedelta(0)) is None  # dropped, not only unusable


def test_an_answer_speaks_only_for_moments_it_covers(pair: tuple[x509.Certificate, ...]) -> None:
    cache = StatusCache(Clock())
    key = key_of(*pair)
    cache.store(key, _answer(this=NOW + timedelta(minutes=10)), *pair)
    assert cache.entry(key, NOW, timedelta(minutes=5)) is None  # newer than the message, beyond the skew
    assert cache.entry(key, NOW, timedelta(minutes=15)) is not None


def test_failures_are_remembered_for_their_time_to_live_and_an_answer_clears_them(
    pair: tuple[x509.Certificate, ...],
) -> None:
    clock = Clock()
    cache = StatusCache(clock, failure_ttl=timedelta(seconds=3))
    key = key_of(*pair)
    cache.fail(key, "down")
    assert cache.failure(key) == "down"
    clock.now += timedelta(seconds=3)
    assert cache.failure(key) is None
    cache.fail(key, "down")
    cache.store(key, _answer(this=clock.now), *pair)
    assert cache.failure(key) is None


def test_only_answers_in_use_and_not_revoked_are_due_for_renewal(ca: CertificateAuthority) -> None:
    clock = Clock()
    cache = StatusCache(clock, failure_ttl=timedelta(seconds=3))
    used, idle, revoked, short = (ca.issue(name).certificate for name in ("A", "B", "C", "D"))
    keys = {cert: key_of(cert, ca.certificate) for cert in (used, idle, revoked, short)}
    cache.store(keys[used], _answer(), used, ca.certificate)
    cache.store(keys[idle], _answer(), idle, ca.certificate)
    cache.store(keys[revoked], _answer(RevocationStatus.REVOKED), revoked, ca.certificate)
    cache.store(keys[short], _answer(valid=timedelta(minutes=4)), short, ca.certificate)
    for cert in (used, revoked, short):
        assert cache.entry(keys[cert], NOW, timedelta(0)) is not None
    before = timedelta(minutes=5)
    clock.now = NOW + timedelta(minutes=1)  # the 4-minute answer: half its lifetime is not yet gone
    assert cache.due(before) == []
    clock.now = NOW + timedelta(minutes=2)
    assert [key for key, _ in cache.due(before)] == [keys[short]]
    clock.now = NOW + timedelta(minutes=56)
    assert [key for key, _ in cache.due(before)] == [keys[used]]  # the short one expired meanwhile
    cache.hold_refresh(keys[used])
    assert cache.due(before) == []
    clock.now += timedelta(seconds=3)
    assert [entry.certificate for _, entry in cache.due(before)] == [used]
    cache.store(keys[used], _answer(this=clock.now), used, ca.certificate)  # renewed: in use again once asked
    assert cache.due(timedelta(hours=1)) == []


def test_the_oldest_answers_go_when_the_cache_is_full(ca: CertificateAuthority) -> None:
    cache = StatusCache(Clock(), max_entries=2)
    certificates = [ca.issue(name).certificate for name in ("A", "B", "C")]
    keys = [key_of(cert, ca.certificate) for cert in certificates]
    cache.store(keys[0], _answer(), certificates[0], ca.certificate)
    cache.store(keys[1], _answer(), certificates[1], ca.certificate)
    cache.store(keys[0], _answer(), certificates[0], ca.certificate)  # stored again: now the newest
    cache.store(keys[2], _answer(), certificates[2], ca.certificate)
    assert [cache.entry(key, NOW, timedelta(0)) is not None for key in keys] == [True, False, True]


def test_crls_are_kept_per_url_until_next_update_capped(ca: CertificateAuthority) -> None:
    clock = Clock()
    cache = StatusCache(clock, max_age=timedelta(hours=6))
    crl = _crl(ca, next_update=NOW + timedelta(days=7))
    cache.store_crl("http://a/ca.crl", crl, NOW + timedelta(days=7))
    cache.store_crl("http://b/ca.crl", crl, NOW - timedelta(seconds=1))  # already stale: not kept
    assert cache.crl("http://a/ca.crl") == crl and cache.crl("http://b/ca.crl") is None
    clock.now += timedelta(hours=6, seconds=1)
    assert cache.crl("http://a/ca.crl") is None


def test_the_key_is_the_issuer_key_and_the_serial(ca: CertificateAuthority) -> None:
    twin = CertificateAuthority.create("sc")  # same name, other key
    issued = ca.issue("Jan").certificate
    assert key_of(issued, ca.certificate) == key_of(issued, ca.certificate)
    assert key_of(issued, ca.certificate) != key_of(issued, twin.certificate)
    assert key_of(issued, ca.certificate)[1] == issued.serial_number
