"""A demo certificate authority: root CA, end-entity issuing per profile, revocation, CRL and OCSP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from gateway.core.xmldsig.keys import PrivateKey, PublicKey, generate_key, public_key_of
from gateway.demo.pki.profiles import (
    AuthorityKind,
    CertificateKind,
    ca_extensions,
    ca_subject,
    end_entity_extensions,
    end_entity_subject,
)
from gateway.demo.pki.records import CertificateRecord, IssuedCertificate, serial_hex
from gateway.demo.pki.revocation import build_crl, build_ocsp_response

_BACKDATE = timedelta(minutes=5)
_ISSUABLE: dict[AuthorityKind, tuple[CertificateKind, ...]] = {
    "sc": ("sc", "ocsp", "receipt"),
    "qualified": ("qualified", "ocsp"),
    "epuap": ("epuap",),
    "cbtd": ("cbtd", "ocsp"),
    "tsl": ("tsl",),
}


class CertificateAuthority:
    """A self-signed root CA of one kind and everything it issued.

    Issued certificates, their generated keys and their revocation records are kept in memory;
    :class:`gateway.demo.pki.store.PkiDirectory` persists them.
    """

    def __init__(
        self,
        kind: AuthorityKind,
        certificate: x509.Certificate,
        private_key: PrivateKey,
        *,
        base_url: str | None = None,
        issued: Mapping[int, IssuedCertificate] | None = None,
        records: Mapping[int, CertificateRecord] | None = None,
        crl_number: int = 1,
        ocsp_responder_serial: int | None = None,
    ) -> None:
        if public_key_of(certificate) != private_key.public_key():
            raise ValueError("the CA key does not match the CA certificate")
        self.kind: AuthorityKind = kind
        self.certificate = certificate
        self.private_key = private_key
        self.base_url = base_url
        self.crl_number = crl_number
        self._issued: dict[int, IssuedCertificate] = dict(issued or {})
        self._records: dict[int, CertificateRecord] = dict(records or {})
        missing = set(self._records) ^ set(self._issued)
        if missing:
            raise ValueError(
                f"records and certificates disagree on serials {sorted(map(serial_hex, missing))}"
            )
        if ocsp_responder_serial is not None and ocsp_responder_serial not in self._issued:
            raise ValueError(f"OCSP responder {serial_hex(ocsp_responder_serial)} was not issued here")
        self.ocsp_responder_serial = ocsp_responder_serial
        #: counts changes of the records (issued, revoked, suspended, released): what was answered
        #: under another count may be out of date
        self.changes = 0

    @classmethod
    def create(
        cls,
        kind: AuthorityKind,
        *,
        name: str | None = None,
        organization: str | None = None,
        rsa_bits: int | None = None,
        not_before: datetime | None = None,
        days: int = 3650,
        base_url: str | None = None,
    ) -> CertificateAuthority:
        """A new root CA: EC P-256 unless ``rsa_bits`` (e.g. 3072) is given."""
        key = generate_key(rsa_bits)
        subject = ca_subject(kind, name, organization)
        start = _utc(not_before) if not_before is not None else _now() - _BACKDATE
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=days))
        )
        for extension, critical in ca_extensions(key.public_key()):
            builder = builder.add_extension(extension, critical)
        return cls(kind, builder.sign(key, hashes.SHA256()), key, base_url=base_url)

    # -- issuing ----------------------------------------------------------------------------------------

    def issue(
        self,
        name: str | None = None,
        *,
        kind: CertificateKind | None = None,
        pesel: str | None = None,
        nip: str | None = None,
        organization: str | None = None,
        csr: x509.CertificateSigningRequest | None = None,
        rsa_bits: int | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        days: int = 365,
    ) -> IssuedCertificate:
        """Issues an end-entity certificate of ``kind`` (default: the authority's own kind) for a key
        generated here (EC P-256, or RSA of ``rsa_bits``; cbtd defaults to RSA 2048) or for the key of
        ``csr``. The validity window is ``not_before`` (default: now minus 5 minutes) to ``not_after``
        (default: ``not_before`` + ``days``); both may lie in the past or future to make expired or
        not-yet-valid certificates."""
        kind = kind or self._default_kind()
        if kind not in _ISSUABLE[self.kind]:
            raise ValueError(f"the {self.kind} authority does not issue {kind} certificates")
        subject = end_entity_subject(kind, name, pesel=pesel, nip=nip, organization=organization)
        private_key: PrivateKey | None = None
        public_key: PublicKey
        if csr is not None:
            if rsa_bits is not None:
                raise ValueError("rsa_bits and csr exclude each other: the CSR brings its key")
            if not csr.is_signature_valid:
                raise ValueError("the CSR signature does not verify")
            public_key = public_key_of(csr)
        else:
            if rsa_bits is None and kind == "cbtd":
                rsa_bits = 2048
            private_key = generate_key(rsa_bits)
            public_key = private_key.public_key()
        start = _utc(not_before) if not_before is not None else _now() - _BACKDATE
        end = _utc(not_after) if not_after is not None else start + timedelta(days=days)
        if end <= start:
            raise ValueError("not_after must be later than not_before")
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(self._new_serial())
            .not_valid_before(start)
            .not_valid_after(end)
        )
        for extension, critical in end_entity_extensions(
            kind, public_key, public_key_of(self.certificate), self.base_url
        ):
            builder = builder.add_extension(extension, critical)
        issued = IssuedCertificate(builder.sign(self.private_key, hashes.SHA256()), private_key, kind)
        self._issued[issued.serial] = issued
        self._records[issued.serial] = CertificateRecord.for_certificate(issued.certificate, kind)
        self.changes += 1
        return issued

    def issue_ocsp_responder(self, name: str | None = None, *, days: int = 365) -> IssuedCertificate:
        """Issues a delegated OCSP responder certificate (id-kp-OCSPSigning, OCSPNoCheck) and uses it
        for every later :meth:`ocsp_response`."""
        common_names = [
            attribute.value
            for attribute in self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            if isinstance(attribute.value, str)
        ]
        default_name = f"{common_names[0] if common_names else self.kind} OCSP Responder"[:64]
        responder = self.issue(name or default_name, kind="ocsp", days=days)
        self.ocsp_responder_serial = responder.serial
        return responder

    # -- lookups ----------------------------------------------------------------------------------------

    @property
    def records(self) -> dict[int, CertificateRecord]:
        """Serial → record (a copy)."""
        return dict(self._records)

    @property
    def issued(self) -> dict[int, IssuedCertificate]:
        """Serial → issued certificate (a copy)."""
        return dict(self._issued)

    def record(self, serial: int) -> CertificateRecord:
        try:
            return self._records[serial]
        except KeyError:
            raise KeyError(
                f"no certificate {serial_hex(serial)} issued by the {self.kind} authority"
            ) from None

    def get(self, serial: int) -> IssuedCertificate:
        self.record(serial)
        return self._issued[serial]

    def latest(self, kind: CertificateKind) -> IssuedCertificate | None:
        """The most recently valid (latest notBefore) good certificate of ``kind``, if any."""
        good = [
            self._issued[r.serial] for r in self._records.values() if r.kind == kind and r.status == "good"
        ]
        return max(good, key=lambda i: i.certificate.not_valid_before_utc, default=None)

    # -- revocation -------------------------------------------------------------------------------------

    def revoke(
        self,
        serial: int,
        reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
        at: datetime | None = None,
    ) -> CertificateRecord:
        """Revokes for good (a held certificate may still be revoked); ``certificateHold`` suspends."""
        if reason is x509.ReasonFlags.certificate_hold:
            return self.suspend(serial, at)
        if reason is x509.ReasonFlags.remove_from_crl:
            raise ValueError("removeFromCRL is not a revocation reason; use release()")
        record = self.record(serial)
        if record.status == "revoked":
            raise ValueError(f"certificate {serial_hex(serial)} is already revoked")
        return self._set(replace(record, status="revoked", reason=reason, revoked_at=_utc(at or _now())))

    def suspend(self, serial: int, at: datetime | None = None) -> CertificateRecord:
        """Puts a good certificate on hold (reason certificateHold)."""
        record = self.record(serial)
        if record.status != "good":
            raise ValueError(f"certificate {serial_hex(serial)} is {record.status}, not good")
        return self._set(
            replace(
                record, status="hold", reason=x509.ReasonFlags.certificate_hold, revoked_at=_utc(at or _now())
            )
        )

    def release(self, serial: int) -> CertificateRecord:
        """Lifts a hold: the certificate is good again."""
        record = self.record(serial)
        if record.status != "hold":
            raise ValueError(f"certificate {serial_hex(serial)} is {record.status}, not on hold")
        return self._set(replace(record, status="good", reason=None, revoked_at=None))

    def crl(self, this_update: datetime | None = None, next_update: datetime | None = None) -> bytes:
        """A signed DER CRL (default window: now to now + 7 days); each call takes the next CRL number."""
        start = _utc(this_update) if this_update is not None else _now()
        end = _utc(next_update) if next_update is not None else start + timedelta(days=7)
        der = build_crl(
            ca_certificate=self.certificate,
            ca_key=self.private_key,
            records=self._records,
            number=self.crl_number,
            this_update=start,
            next_update=end,
        )
        self.crl_number += 1
        return der

    def ocsp_response(
        self,
        request_der: bytes,
        now: datetime | None = None,
        *,
        use_ca_key: bool = False,
        validity: timedelta = timedelta(hours=1),
        echo_nonce: bool = True,
    ) -> bytes:
        """A DER OCSP response, signed by the delegated responder if one was issued (unless
        ``use_ca_key``), else by the CA itself; without the request's nonce unless ``echo_nonce``."""
        responder_certificate, responder_key = self.certificate, self.private_key
        if self.ocsp_responder_serial is not None and not use_ca_key:
            responder = self._issued[self.ocsp_responder_serial]
            if responder.private_key is None:
                raise ValueError("the OCSP responder's key is not held here")
            responder_certificate, responder_key = responder.certificate, responder.private_key
        return build_ocsp_response(
            request_der,
            now=_utc(now or _now()),
            ca_certificate=self.certificate,
            records=self._records,
            responder_certificate=responder_certificate,
            responder_key=responder_key,
            validity=validity,
            echo_nonce=echo_nonce,
        )

    # -- internals --------------------------------------------------------------------------------------

    def _default_kind(self) -> CertificateKind:
        return _ISSUABLE[self.kind][0]

    def _new_serial(self) -> int:
        while True:
            serial = x509.random_serial_number()
            if serial not in self._issued:
                return serial

    def _set(self, record: CertificateRecord) -> CertificateRecord:
        self._records[record.serial] = record
        self.changes += 1
        return record


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; naive datetimes are taken as UTC. Certificates carry whole seconds."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0)
