"""OCSP (RFC 6960): the request the gateway sends, and the validation of the response it gets.

A response is used only when it is successful, about exactly the certificate asked for, signed by the
issuer or by a delegated responder the issuer certified for OCSP signing, current at the time asked
about, and echoes our nonce (or, without one, is fresh).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID

from gateway.core.revocation.answers import Answer, Freshness, StatusUnknown, status_of
from gateway.core.signature.model import RevocationEvidence, RevocationUnavailable

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"


@dataclass(frozen=True, slots=True)
class OcspRequest:
    der: bytes
    #: what the response must echo, if it echoes anything
    nonce: bytes


def build_request(
    cert: x509.Certificate, issuer: x509.Certificate, nonce: bytes | None = None
) -> OcspRequest:
    """A DER OCSP request (SHA-1 cert id, the common denominator) with a nonce (16 random bytes unless
    given)."""
    nonce = os.urandom(16) if nonce is None else nonce
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA1())  # the CertID hash, not a signature
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise RevocationUnavailable(f"cannot build an OCSP request: {exc}") from exc
    return OcspRequest(request.public_bytes(serialization.Encoding.DER), nonce)


def validate_response(
    response_der: bytes,
    request: OcspRequest,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    at: datetime,
    now: datetime,
    location: str,
    rules: Freshness,
) -> Answer:
    """The answer ``response_der`` gives about ``cert`` for the moment ``at``, checked ``now``; raises
    :class:`RevocationUnavailable` when it cannot be trusted, :class:`StatusUnknown` when the responder
    does not know the certificate."""
    try:
        response = ocsp.load_der_ocsp_response(response_der)
        if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise RevocationUnavailable(f"the responder answered {response.response_status.name}")
        single = _matching_single_response(response, cert, issuer)
        signer = _responder_certificate(response, issuer, at)
        _verify_response_signature(response, signer)
        this_update = single.this_update_utc
        next_update = single.next_update_utc
        if this_update > at + rules.max_skew:
            raise RevocationUnavailable(f"the answer is from the future (thisUpdate {this_update})")
        if next_update is not None and next_update < this_update:
            raise RevocationUnavailable("nextUpdate is earlier than thisUpdate")
        valid_until = next_update if next_update is not None else this_update + rules.default_validity
        if at > valid_until:
            raise RevocationUnavailable(f"the answer is stale (valid until {valid_until})")
        try:
            echoed: bytes | None = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            echoed = None
        if echoed is not None and echoed != request.nonce:
            raise RevocationUnavailable("the responder echoed another nonce (a replayed answer?)")
        if echoed is None and abs(now - this_update) > rules.nonce_free_window:
            raise RevocationUnavailable(
                f"no nonce and not fresh (thisUpdate {this_update}, more than "
                f"{rules.nonce_free_window} from now)"
            )
        status = single.certificate_status
        if status is ocsp.OCSPCertStatus.UNKNOWN:
            raise StatusUnknown(f"{location}: the responder does not know this certificate")
        revoked_at: datetime | None = None
        reason: x509.ReasonFlags | None = None
        if status is ocsp.OCSPCertStatus.REVOKED:
            revoked_at = single.revocation_time_utc
            reason = single.revocation_reason
        evidence = RevocationEvidence(
            status=status_of(status is ocsp.OCSPCertStatus.REVOKED, reason),
            source="ocsp",
            location=location,
            checked_at=now,
            this_update=this_update,
            next_update=next_update,
            revoked_at=revoked_at,
            reason=reason.value if reason is not None else None,
        )
    except RevocationUnavailable:
        raise
    except (ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature) as exc:
        raise RevocationUnavailable(f"unusable OCSP response: {type(exc).__name__}: {exc}") from exc
    return Answer(evidence, valid_until)


def _matching_single_response(
    response: ocsp.OCSPResponse, cert: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPSingleResponse:
    """The single response about ``cert``: same serial, issuer name hash and issuer key hash."""
    for single in response.responses:
        if single.serial_number != cert.serial_number:
            continue
        try:
            expected = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, single.hash_algorithm).build()
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        if (
            single.issuer_name_hash == expected.issuer_name_hash
            and single.issuer_key_hash == expected.issuer_key_hash
        ):
            return single
    raise RevocationUnavailable("the answer is not about the certificate asked for")


def _responder_certificate(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, at: datetime
) -> x509.Certificate:
    """The issuer itself, or a delegated responder directly issued by it for OCSP signing."""
    if _names_responder(response, issuer):
        return issuer
    refusals: list[str] = []
    for candidate in response.certificates:
        if not _names_responder(response, candidate):
            continue
        try:
            candidate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            refusals.append("the responder certificate was not issued by the certificate's issuer")
            continue
        if not candidate.not_valid_before_utc <= at <= candidate.not_valid_after_utc:
            refusals.append("the responder certificate is not valid at the time asked about")
            continue
        try:
            usages = set(candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            usages = set()  # (newer cryptography refuses an empty ExtendedKeyUsage)
        if ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
            refusals.append("the responder certificate lacks the OCSPSigning extended key usage")
            continue
        return candidate
    if refusals:
        raise RevocationUnavailable("; ".join(refusals))
    raise RevocationUnavailable("signed by a responder that is neither the issuer nor certified by it")


def _names_responder(response: ocsp.OCSPResponse, candidate: x509.Certificate) -> bool:
    if response.responder_key_hash is not None:
        digest: bytes = x509.SubjectKeyIdentifier.from_public_key(candidate.public_key()).digest
        return digest == response.responder_key_hash
    return response.responder_name == candidate.subject


def _verify_response_signature(response: ocsp.OCSPResponse, signer: x509.Certificate) -> None:
    key = signer.public_key()
    data, signature = response.tbs_response_bytes, response.signature
    algorithm = response.signature_hash_algorithm
    if isinstance(algorithm, hashes.MD5):
        raise RevocationUnavailable("the response is signed with MD5")
    if isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        key.verify(signature, data)
        return
    if algorithm is None:
        raise RevocationUnavailable("the response's signature algorithm names no hash")
    if isinstance(key, rsa.RSAPublicKey):
        if response.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS:
            raise RevocationUnavailable("RSASSA-PSS signed responses are not supported")
        key.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(algorithm))
    else:
        raise RevocationUnavailable(f"unsupported responder key {type(key).__name__}")
