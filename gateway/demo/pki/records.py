"""Values describing issued certificates and their revocation status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from cryptography import x509
from cryptography.x509.oid import NameOID

from gateway.core.xmldsig.keys import PrivateKey, fingerprint
from gateway.demo.pki.profiles import CERTIFICATE_KINDS, CertificateKind

Status = Literal["good", "revoked", "hold"]
STATUSES: tuple[Status, ...] = ("good", "revoked", "hold")


def name_text(name: x509.Name) -> str:
    """RFC 4514 text of a name, with ``serialNumber`` spelt out instead of ``2.5.4.5``."""
    return name.rfc4514_string({NameOID.SERIAL_NUMBER: "serialNumber"})


def serial_hex(serial: int) -> str:
    """How serial numbers are written in files, JSON and the CLI: upper-case hex, no prefix."""
    return format(serial, "X")


def parse_serial(text: str) -> int:
    """Reads a serial written by :func:`serial_hex` (``0x`` prefix and colons tolerated)."""
    cleaned = text.strip().replace(":", "")
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    try:
        return int(cleaned, 16)
    except ValueError:
        raise ValueError(f"not a hexadecimal serial number: {text!r}") from None


def parse_reason(text: str) -> x509.ReasonFlags:
    """A revocation reason by its RFC 5280 name (``keyCompromise``) or Python name (``key_compromise``)."""
    for flag in x509.ReasonFlags:
        if text in (flag.value, flag.name):
            return flag
    names = ", ".join(flag.value for flag in x509.ReasonFlags)
    raise ValueError(f"unknown revocation reason {text!r} (one of: {names})")


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate the authority issued, with its private key when the key was generated here."""

    certificate: x509.Certificate
    private_key: PrivateKey | None
    kind: CertificateKind

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    @property
    def serial_hex(self) -> str:
        return serial_hex(self.certificate.serial_number)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


@dataclass(frozen=True)
class CertificateRecord:
    """One row of ``issued.json``."""

    serial: int
    subject: str
    kind: CertificateKind
    status: Status
    reason: x509.ReasonFlags | None
    revoked_at: datetime | None
    not_before: datetime
    not_after: datetime
    fingerprint: str

    @classmethod
    def for_certificate(cls, cert: x509.Certificate, kind: CertificateKind) -> CertificateRecord:
        return cls(
            serial=cert.serial_number,
            subject=name_text(cert.subject),
            kind=kind,
            status="good",
            reason=None,
            revoked_at=None,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            fingerprint=fingerprint(cert),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason.value if self.reason is not None else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at is not None else None,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_json(cls, serial: str, data: dict[str, Any]) -> CertificateRecord:
        kind, status = data["kind"], data["status"]
        if kind not in CERTIFICATE_KINDS:
            raise ValueError(f"certificate {serial}: unknown kind {kind!r}")
        if status not in STATUSES:
            raise ValueError(f"certificate {serial}: unknown status {status!r}")
        return cls(
            serial=parse_serial(serial),
            subject=str(data["subject"]),
            kind=cast(CertificateKind, kind),
            status=cast(Status, status),
            reason=parse_reason(data["reason"]) if data.get("reason") else None,
            revoked_at=datetime.fromisoformat(data["revoked_at"]) if data.get("revoked_at") else None,
            not_before=datetime.fromisoformat(data["not_before"]),
            not_after=datetime.fromisoformat(data["not_after"]),
            fingerprint=str(data["fingerprint"]),
        )
