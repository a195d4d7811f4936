"""CRLs (RFC 5280): read, validated against the issuer, and asked about one certificate.

A CRL is used only when it is signed by the issuer, complete (not a delta, partial or indirect CRL)
and current at the time asked about.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from gateway.core.revocation.answers import Answer, status_of
from gateway.core.signature.model import RevocationEvidence, RevocationUnavailable


def parse_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL in DER or PEM."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise RevocationUnavailable(f"not a CRL: {exc}") from exc


def answer_from_crl(
    crl: x509.CertificateRevocationList,
    cert: x509.Certificate,
    issuer: x509.Certificate,
    *,
    at: datetime,
    now: datetime,
    location: str,
    max_skew: timedelta,
) -> Answer:
    """What ``crl`` (published at ``location``) says about ``cert`` for the moment ``at``, checked
    ``now``; raises :class:`RevocationUnavailable` when the CRL cannot be trusted."""
    try:
        next_update = check_crl(crl, issuer, at=at, max_skew=max_skew)
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        revoked_at: datetime | None = None
        reason: x509.ReasonFlags | None = None
        revoked = False
        if entry is not None:
            try:
                reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            except x509.ExtensionNotFound:
                reason = None
            revoked = reason is not x509.ReasonFlags.remove_from_crl
            if revoked:
                revoked_at = entry.revocation_date_utc
            else:
                reason = None
    except RevocationUnavailable:
        raise
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise RevocationUnavailable(f"unusable CRL: {type(exc).__name__}: {exc}") from exc
    evidence = RevocationEvidence(
        status=status_of(revoked, reason),
        source="crl",
        location=location,
        checked_at=now,
        this_update=crl.last_update_utc,
        next_update=next_update,
        revoked_at=revoked_at,
        reason=reason.value if reason is not None else None,
    )
    return Answer(evidence, next_update)


def check_crl(
    crl: x509.CertificateRevocationList, issuer: x509.Certificate, *, at: datetime, max_skew: timedelta
) -> datetime:
    """Refuses a CRL that is not the issuer's complete, current list; its nextUpdate otherwise."""
    if crl.issuer != issuer.subject:
        raise RevocationUnavailable("the CRL was issued by someone else")
    key = issuer.public_key()
    if not isinstance(
        key,
        rsa.RSAPublicKey
        | ec.EllipticCurvePublicKey
        | dsa.DSAPublicKey
        | ed25519.Ed25519PublicKey
        | ed448.Ed448PublicKey,
    ) or not crl.is_signature_valid(key):
        raise RevocationUnavailable("the CRL signature does not verify with the issuer's key")
    for extension in crl.extensions:
        value = extension.value
        if isinstance(value, x509.DeltaCRLIndicator):
            raise RevocationUnavailable("a delta CRL cannot be used alone")
        if isinstance(value, x509.IssuingDistributionPoint) and (
            value.indirect_crl
            or value.only_contains_ca_certs
            or value.only_contains_attribute_certs
            or value.only_some_reasons is not None
        ):
            raise RevocationUnavailable("a partial or indirect CRL cannot be used")
    if crl.last_update_utc > at + max_skew:
        raise RevocationUnavailable(f"the CRL is from the future (thisUpdate {crl.last_update_utc})")
    next_update = crl.next_update_utc
    if next_update is None:
        raise RevocationUnavailable("the CRL has no nextUpdate")
    if at > next_update:
        raise RevocationUnavailable(f"the CRL is stale (nextUpdate {next_update})")
    return next_update
