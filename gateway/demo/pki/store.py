"""``PkiDirectory``: one demo PKI on disk, one subfolder per authority."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.core.signature.trusted_list import TSL_NS, TrustService, TrustServiceProvider, build_trusted_list
from gateway.core.xmldsig.keys import certificate_pem, load_private_key_pem, private_key_pem
from gateway.demo.pki.authority import CertificateAuthority
from gateway.demo.pki.profiles import AUTHORITY_KINDS, SIGNER_KINDS, AuthorityKind
from gateway.demo.pki.records import CertificateRecord, IssuedCertificate, parse_serial, serial_hex

DEFAULT_BASE_URL = "http://127.0.0.1:8080/pki/"
KEY_WARNING = "TEST KEYS — demo PKI only, never production"
TRUSTED_LIST_FILE = "trusted-list.xml"
CRL_FILE = "ca.crl"

_README = f"""{KEY_WARNING}

This folder belongs to a demo/test PKI made by `gateway pki init`. The private keys here
(ca.key.pem, certs/*.key.pem) are stored unencrypted on purpose. Never trust these
certificates outside tests and demos.

  ca.pem, ca.crt    the authority's self-signed certificate (PEM, DER)
  ca.key.pem        the authority's private key
  authority.json    kind, base URL, next CRL number, delegated OCSP responder
  issued.json       serial -> subject, kind, status (good/revoked/hold), reason, revoked_at,
                    not_before, not_after, fingerprint (SHA-256)
  certs/SERIAL.pem  issued certificates; certs/SERIAL.key.pem their keys when generated here
  ca.crl            the last published CRL (DER)
"""


class PkiDirectory:
    """Loads and saves the authorities (``sc``, ``qualified``, ``epuap``, ``cbtd``, ``tsl``) of one
    demo PKI. Authorities are cached once loaded; :meth:`save` writes one back."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._cache: dict[AuthorityKind, CertificateAuthority] = {}

    @classmethod
    def initialise(
        cls, path: str | os.PathLike[str], *, base_url: str = DEFAULT_BASE_URL, now: datetime | None = None
    ) -> PkiDirectory:
        """A new demo PKI: all authorities, the trusted-list signer (issued by ``tsl``), a delegated
        OCSP responder for ``sc``, first CRLs, and a signed trusted list naming the qualified CA.
        Authority URLs are ``base_url`` + kind + ``/``."""
        directory = cls(path)
        existing = [kind for kind in AUTHORITY_KINDS if directory.has(kind)]
        if existing:
            raise FileExistsError(f"{directory.path} already holds authorities: {', '.join(existing)}")
        directory.path.mkdir(parents=True, exist_ok=True)
        (directory.path / "README.txt").write_text(_README, encoding="utf-8")
        folder_url = base_url if base_url.endswith("/") else base_url + "/"
        for kind in AUTHORITY_KINDS:
            authority = CertificateAuthority.create(kind, base_url=f"{folder_url}{kind}/", not_before=now)
            if kind == "sc":
                authority.issue_ocsp_responder()
            if kind == "tsl":
                authority.issue("Trusted List Signer (TEST)", kind="tsl", not_before=now, days=3650)
            directory._cache[kind] = authority
            directory.save(authority)
        for kind in SIGNER_KINDS:
            directory.publish_crl(kind, now)
        directory.publish_trusted_list(now)
        return directory

    # -- authorities ------------------------------------------------------------------------------------

    def folder(self, kind: AuthorityKind) -> Path:
        return self.path / kind

    def has(self, kind: AuthorityKind) -> bool:
        return (self.folder(kind) / "ca.pem").is_file()

    def authority(self, kind: AuthorityKind) -> CertificateAuthority:
        if kind not in self._cache:
            self._cache[kind] = self.load(kind)
        return self._cache[kind]

    def load(self, kind: AuthorityKind) -> CertificateAuthority:
        """Reads an authority from disk (bypassing the cache)."""
        folder = self.folder(kind)
        if not self.has(kind):
            raise FileNotFoundError(f"no {kind} authority in {self.path}")
        state = json.loads((folder / "authority.json").read_text(encoding="utf-8"))
        if state.get("kind") != kind:
            raise ValueError(f"{folder}/authority.json is for kind {state.get('kind')!r}, not {kind!r}")
        raw_records: dict[str, Any] = json.loads((folder / "issued.json").read_text(encoding="utf-8"))
        records: dict[int, CertificateRecord] = {}
        issued: dict[int, IssuedCertificate] = {}
        for serial_text, data in raw_records.items():
            record = CertificateRecord.from_json(serial_text, data)
            cert_path = folder / "certs" / f"{serial_hex(record.serial)}.pem"
            key_path = cert_path.with_suffix(".key.pem")
            certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if certificate.serial_number != record.serial:
                raise ValueError(f"{cert_path} holds serial {serial_hex(certificate.serial_number)}")
            key = load_private_key_pem(key_path.read_bytes()) if key_path.is_file() else None
            records[record.serial] = record
            issued[record.serial] = IssuedCertificate(certificate, key, record.kind)
        responder = state.get("ocsp_responder")
        return CertificateAuthority(
            kind,
            x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()),
            load_private_key_pem((folder / "ca.key.pem").read_bytes()),
            base_url=state.get("base_url"),
            issued=issued,
            records=records,
            crl_number=int(state.get("crl_number", 1)),
            ocsp_responder_serial=parse_serial(responder) if responder else None,
        )

    def save(self, authority: CertificateAuthority) -> None:
        """Writes an authority's certificate, key, state, records and issued certificates."""
        folder = self.folder(authority.kind)
        (folder / "certs").mkdir(parents=True, exist_ok=True)
        (folder / "README.txt").write_text(_README, encoding="utf-8")
        (folder / "ca.pem").write_bytes(certificate_pem(authority.certificate))
        (folder / "ca.crt").write_bytes(authority.certificate.public_bytes(serialization.Encoding.DER))
        _write_secret(folder / "ca.key.pem", private_key_pem(authority.private_key))
        for serial, issued in authority.issued.items():
            cert_path = folder / "certs" / f"{serial_hex(serial)}.pem"
            if not cert_path.exists():
                cert_path.write_bytes(certificate_pem(issued.certificate))
            if issued.private_key is not None and not cert_path.with_suffix(".key.pem").exists():
                _write_secret(cert_path.with_suffix(".key.pem"), private_key_pem(issued.private_key))
        state = {
            "kind": authority.kind,
            "base_url": authority.base_url,
            "crl_number": authority.crl_number,
            "ocsp_responder": (
                serial_hex(authority.ocsp_responder_serial)
                if authority.ocsp_responder_serial is not None
                else None
            ),
        }
        _write_json(folder / "authority.json", state)
        records = {serial_hex(s): r.to_json() for s, r in sorted(authority.records.items())}
        _write_json(folder / "issued.json", records)
        self._cache[authority.kind] = authority

    # -- publications -----------------------------------------------------------------------------------

    def publish_crl(
        self, kind: AuthorityKind, this_update: datetime | None = None, next_update: datetime | None = None
    ) -> Path:
        """Writes a fresh CRL to ``<kind>/ca.crl`` and saves the advanced CRL number."""
        authority = self.authority(kind)
        path = self.folder(kind) / CRL_FILE
        path.write_bytes(authority.crl(this_update, next_update))
        self.save(authority)
        return path

    @property
    def trusted_list_path(self) -> Path:
        return self.folder("tsl") / TRUSTED_LIST_FILE

    def tsl_signer(self) -> IssuedCertificate:
        signer = self.authority("tsl").latest("tsl")
        if signer is None or signer.private_key is None:
            raise LookupError(f"no usable trusted-list signer in {self.folder('tsl')}")
        return signer

    def publish_trusted_list(self, now: datetime | None = None, *, days: int = 180) -> bytes:
        """Signs and writes a trusted list naming the qualified CA as a granted CA/QC service; its
        sequence number follows the one already on disk."""
        issue_time = now or datetime.now(UTC)
        signer = self.tsl_signer()
        assert signer.private_key is not None
        qualified = self.authority("qualified").certificate
        provider = TrustServiceProvider(
            name="Demo QTSP (TEST)",
            services=(TrustService(qualified, name=qualified.subject.rfc4514_string()),),
        )
        xml = build_trusted_list(
            [provider],
            signer_key=signer.private_key,
            signer_cert=signer.certificate,
            issue_time=issue_time,
            next_update=issue_time + timedelta(days=days),
            sequence_number=self._trusted_list_sequence() + 1,
        )
        self.trusted_list_path.write_bytes(xml)
        return xml

    def _trusted_list_sequence(self) -> int:
        if not self.trusted_list_path.is_file():
            return 0
        root = etree.fromstring(
            self.trusted_list_path.read_bytes(), parser=etree.XMLParser(resolve_entities=False)
        )
        number = root.findtext(f"{{{TSL_NS}}}SchemeInformation/{{{TSL_NS}}}TSLSequenceNumber")
        return int(number) if number and number.strip().isdigit() else 0


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_secret(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)
