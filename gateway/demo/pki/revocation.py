"""CRLs and OCSP responses from an authority's records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from gateway.core.xmldsig.keys import PrivateKey, public_key_bits, public_key_of
from gateway.demo.pki.records import CertificateRecord


def build_crl(
    *,
    ca_certificate: x509.Certificate,
    ca_key: PrivateKey,
    records: Mapping[int, CertificateRecord],
    number: int,
    this_update: datetime,
    next_update: datetime,
) -> bytes:
    """A DER CRL listing every revoked and suspended (certificateHold) certificate."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key_of(ca_certificate)), False
        )
    )
    for record in sorted(records.values(), key=lambda r: r.serial):
        if record.status == "good" or record.revoked_at is None:
            continue
        entry = (
            x509.RevokedCertificateBuilder().serial_number(record.serial).revocation_date(record.revoked_at)
        )
        if record.reason is not None and record.reason is not x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(record.reason), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def build_ocsp_response(
    request_der: bytes,
    *,
    now: datetime,
    ca_certificate: x509.Certificate,
    records: Mapping[int, CertificateRecord],
    responder_certificate: x509.Certificate,
    responder_key: PrivateKey,
    validity: timedelta = timedelta(hours=1),
    echo_nonce: bool = True,
) -> bytes:
    """Answers a single-certificate OCSP request: good, revoked (with reason; a hold is revoked with
    certificateHold) or unknown. Requests about another issuer get ``unauthorized``, unparsable ones
    ``malformedRequest``. The nonce of the request, if any, is echoed (unless not ``echo_nonce``: an
    answer to be given again, to other requests). A responder certificate other than the CA's own is
    included in the response."""
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    algorithm = request.hash_algorithm
    expected_name_hash = _digest(algorithm, ca_certificate.subject.public_bytes())
    expected_key_hash = _digest(algorithm, public_key_bits(public_key_of(ca_certificate)))
    if request.issuer_name_hash != expected_name_hash or request.issuer_key_hash != expected_key_hash:
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)

    record = records.get(request.serial_number)
    revocation_time: datetime | None = None
    reason: x509.ReasonFlags | None = None
    if record is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif record.status == "good":
        status = ocsp.OCSPCertStatus.GOOD
    else:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = record.revoked_at
        reason = record.reason or x509.ReasonFlags.unspecified
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash,
        issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number,
        algorithm=algorithm,
        cert_status=status,
        this_update=now,
        next_update=now + validity,
        revocation_time=revocation_time,
        revocation_reason=reason,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder_certificate)
    if responder_certificate != ca_certificate:
        builder = builder.certificates([responder_certificate])
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce)
    except x509.ExtensionNotFound:
        pass
    else:
        if echo_nonce:
            builder = builder.add_extension(nonce.value, critical=False)
    response = builder.sign(responder_key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize()
