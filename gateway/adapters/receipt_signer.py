"""The gateway's receipt-signing key: loaded from the configured files, or a DEMO one made once.

Receipts are signed like the documents they answer: one enveloped XAdES-BES signature with the
document reference ``URI=""`` and the signed properties (signing time, signing certificate).
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from gateway.config import ReceiptSettings
from gateway.core.xmldsig.keys import (
    PrivateKey,
    certificate_pem,
    fingerprint,
    generate_key,
    load_private_key_pem,
    private_key_pem,
    public_key_of,
    signing_key_usage,
)
from gateway.core.xmldsig.signing import sign_xades

log = logging.getLogger(__name__)

DEMO_KEY = "receipt-signer.key.pem"
DEMO_CERTIFICATE = "receipt-signer.pem"
DEMO_SUBJECT = "customs-gateway receipts (DEMO - not for production)"
DEMO_YEARS = 10


class ReceiptSignerError(ValueError):
    """The configured receipt key or certificate cannot be used."""


@dataclass(frozen=True, slots=True)
class ReceiptSigner:
    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    #: a self-signed key made by the gateway itself because none was configured
    demo: bool = False

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    def seconds_left(self, now: datetime) -> float:
        """Until the certificate expires: receipts signed after that no longer verify."""
        return (self.certificate.not_valid_after_utc - now).total_seconds()

    def sign(self, unsigned: bytes, at: datetime) -> bytes:
        return sign_xades(unsigned, self.key, self.certificate, signing_time=at, chain=self.chain)

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The signer's certificate and its chain: what a verifier pins."""
        return (self.certificate, *self.chain)

    def certificates_pem(self) -> bytes:
        """The signer's certificate and its chain: what a verifier pins."""
        return b"".join(certificate_pem(c) for c in (self.certificate, *self.chain))


def load_receipt_signer(settings: ReceiptSettings) -> ReceiptSigner:
    if (settings.key is None) != (settings.certificate is None):
        raise ReceiptSignerError("receipts.key and receipts.certificate are set together, or neither")
    if settings.key is None or settings.certificate is None:
        return demo_signer(settings.demo_dir)
    return _signer_from_files(settings.key, settings.certificate, settings.chain)


def _signer_from_files(key_path: Path, cert_path: Path, chain: tuple[Path, ...]) -> ReceiptSigner:
    try:
        key = load_private_key_pem(key_path.read_bytes())
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        others = tuple(c for path in chain for c in x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ReceiptSignerError(f"the receipt signer cannot be loaded: {exc}") from None
    if public_key_of(certificate).public_numbers() != key.public_key().public_numbers():
        raise ReceiptSignerError(f"{key_path} is not the key of the certificate {cert_path}")
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise ReceiptSignerError(
            f"the receipt certificate {cert_path} is valid from {certificate.not_valid_before_utc} "
            f"to {certificate.not_valid_after_utc}, not now"
        )
    return ReceiptSigner(key, certificate, others)


def demo_signer(folder: Path) -> ReceiptSigner:
    """The self-signed DEMO signer kept in ``folder``, made on first use.

    Kept, not made anew at each start, so that receipts issued before a restart still verify.
    Made under a lock, so that the workers of ``gateway serve --workers N`` starting together
    make one; the certificate is written last, so a folder with a certificate is complete.
    """
    key_path, cert_path = folder / DEMO_KEY, folder / DEMO_CERTIFICATE
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not cert_path.exists():
            key, certificate = _self_signed()
            _write_new(key_path, private_key_pem(key), mode=0o600)
            _write_new(cert_path, certificate_pem(certificate), mode=0o644)
            log.warning("made a DEMO receipt signer in %s; configure receipts.key for production", folder)
    signer = _signer_from_files(key_path, cert_path, ())
    log.warning("receipts are signed by the DEMO key %s (%s)", signer.fingerprint, folder)
    return ReceiptSigner(signer.key, signer.certificate, demo=True)


def _write_new(path: Path, data: bytes, *, mode: int) -> None:
    """Replaces ``path`` in one step: a reader sees the old file or the whole new one."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _self_signed() -> tuple[PrivateKey, x509.Certificate]:
    key = generate_key()
    return key, self_signed_certificate(key, DEMO_SUBJECT, days=365 * DEMO_YEARS)


def self_signed_certificate(key: PrivateKey, common_name: str, *, days: int) -> x509.Certificate:
    """A self-signed receipt-signing certificate (for demonstrations and benchmarks)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "customs-gateway (TEST)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = datetime.now(UTC) - timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(signing_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
