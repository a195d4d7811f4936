"""The demo PKI's in-process authorities: OCSP answers signed once and given again until the records
change or they are a minute old; the revision that tells the gateway an answer may be out of date."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.demo.pki import PkiDirectory
from gateway.demo.pki.local import LocalAuthorities
from gateway.demo.pki.records import IssuedCertificate
from gateway.demo.samplegen.signing import SAMPLE_PKI

NOW = datetime.now(UTC).replace(microsecond=0)
SHA1 = hashes.SHA1()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "pki"
    shutil.copytree(SAMPLE_PKI, copy)
    return copy


def _person(pki: PkiDirectory) -> IssuedCertificate:
    sc = pki.authority("sc")
    return next(
        i
        for i in sc.issued.values()
        if sc.record(i.serial).kind == "sc" and sc.record(i.serial).status == "good"
    )


def _request(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    nonce: bytes | None,
    algorithm: hashes.HashAlgorithm = SHA1,
) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, algorithm)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def test_an_answer_is_given_again_to_other_requests_without_their_nonce(folder: Path) -> None:
    pki = PkiDirectory(folder)
    local = LocalAuthorities(pki)
    person, ca = _person(pki), pki.authority("sc").certificate
    first = local.ocsp_response("sc", _request(person.certificate, ca, b"first-nonce-1234"), NOW)
    again = local.ocsp_response(
        "sc", _request(person.certificate, ca, b"other-nonce-5678"), NOW + timedelta(seconds=30)
    )
    assert again == first
    response = ocsp.load_der_ocsp_response(first)
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert len(response.extensions) == 0  # no nonce: it answers any request about the certificate
    assert response.next_update_utc == NOW + timedelta(hours=1)
    # asked with another CertID hash: another answer
    assert local.ocsp_response("sc", _request(person.certificate, ca, None, hashes.SHA256()), NOW) != first
    # a minute on, signed anew
    renewed = local.ocsp_response("sc", _request(person.certificate, ca, None), NOW + timedelta(seconds=61))
    assert renewed != first
    assert ocsp.load_der_ocsp_response(renewed).this_update_utc == NOW + timedelta(seconds=61)


def test_a_change_of_the_records_takes_effect_at_once(folder: Path) -> None:
    pki = PkiDirectory(folder)
    local = LocalAuthorities(pki)
    person, sc = _person(pki), pki.authority("sc")
    request = _request(person.certificate, sc.certificate, None)
    revision = local.revision("sc")
    assert local.revision("sc") == revision
    assert ocsp.load_der_ocsp_response(local.ocsp_response("sc", request, NOW)).certificate_status is (
        ocsp.OCSPCertStatus.GOOD
    )

    sc.suspend(person.serial)  # in this process, not saved
    assert local.revision("sc") != revision
    held = ocsp.load_der_ocsp_response(local.ocsp_response("sc", request, NOW))
    assert (held.certificate_status, held.revocation_reason) == (
        ocsp.OCSPCertStatus.REVOKED,
        x509.ReasonFlags.certificate_hold,
    )

    other = PkiDirectory(folder)  # ``gateway pki revoke`` in another process
    other_sc = other.authority("sc")
    other_sc.revoke(person.serial, x509.ReasonFlags.key_compromise)
    other.save(other_sc)
    assert local.revision("sc") != revision
    revision = local.revision("sc")
    revoked = ocsp.load_der_ocsp_response(local.ocsp_response("sc", request, NOW))
    assert (revoked.certificate_status, revoked.revocation_reason) == (
        ocsp.OCSPCertStatus.REVOKED,
        x509.ReasonFlags.key_compromise,
    )
    assert local.revision("sc") == revision  # answering changes nothing


def test_refusals_are_not_kept_and_unknown_kinds_are_refused(folder: Path) -> None:
    pki = PkiDirectory(folder)
    local = LocalAuthorities(pki)
    person = _person(pki)
    qualified = pki.authority("qualified").certificate
    about_another_issuer = _request(person.certificate, qualified, None)
    unauthorized = local.ocsp_response("sc", about_another_issuer, NOW)
    assert ocsp.load_der_ocsp_response(unauthorized).response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    malformed = local.ocsp_response("sc", b"\x30\x03abc", NOW)
    assert ocsp.load_der_ocsp_response(malformed).response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    with pytest.raises(ValueError, match="no 'nosuch' authority"):
        local.revision("nosuch")


def test_short_lived_answers_are_reused_for_half_their_validity_at_most(folder: Path) -> None:
    pki = PkiDirectory(folder)
    local = LocalAuthorities(pki, ocsp_validity=timedelta(seconds=40))
    person, ca = _person(pki), pki.authority("sc").certificate
    request = _request(person.certificate, ca, None)
    first = local.ocsp_response("sc", request, NOW)
    assert ocsp.load_der_ocsp_response(first).next_update_utc == NOW + timedelta(seconds=40)
    assert local.ocsp_response("sc", request, NOW + timedelta(seconds=20)) == first
    assert local.ocsp_response("sc", request, NOW + timedelta(seconds=21)) != first
