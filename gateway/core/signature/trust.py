"""Which kind of signer a certificate belongs to, decided by the certificate's chain alone.

Each kind has its own anchors: the customs CA (sc), the CAs a verified trusted list names as
qualified (qualified, which also needs QcCompliance in the certificate), the ePUAP seal anchor
(epuap), the CBTD CA (cbtd, and only certificates issued before the cut-off).  A claim in the
message never decides the kind.  Validity is judged at the time of receipt.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from asn1crypto import core
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ObjectIdentifier

from gateway.core.errors import CertExpired, CertUntrusted
from gateway.core.signature.model import SignerKind

QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPE_ESIGN = "0.4.0.1862.1.6.1"
#: extended key usages that allow signing documents (when a certificate states any at all)
DOCUMENT_SIGNING_PURPOSES = frozenset(
    {
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.4"),  # emailProtection (S/MIME, common on signing certs)
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning (RFC 9336)
        x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),  # Microsoft document signing
        x509.ObjectIdentifier("1.2.840.113583.1.1.5"),  # Adobe authentic documents
        x509.ObjectIdentifier("2.5.29.37.0"),  # anyExtendedKeyUsage
    }
)
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
MAX_CHAIN = 6
# Which kind wins when one anchor were listed for two: the narrower, more specific ones first.
KIND_ORDER = (SignerKind.EPUAP, SignerKind.CBTD, SignerKind.SC, SignerKind.QUALIFIED)


class QcStatement(core.Sequence):  # type: ignore[misc]
    """RFC 3739 QCStatement (cryptography has no type for it)."""

    _fields: ClassVar[list[tuple[object, ...]]] = [
        ("statement_id", core.ObjectIdentifier),
        ("statement_info", core.Any, {"optional": True}),
    ]


class QcStatements(core.SequenceOf):  # type: ignore[misc]
    _child_spec = QcStatement


@dataclass(frozen=True, slots=True)
class TrustAnchors:
    by_kind: Mapping[SignerKind, tuple[x509.Certificate, ...]]
    #: CBTD certificates issued after this are refused (the CBTD keys are never renewed)
    cbtd_cutoff: datetime

    def all(self) -> Iterable[tuple[SignerKind, x509.Certificate]]:
        for kind in KIND_ORDER:
            for anchor in self.by_kind.get(kind, ()):
                yield kind, anchor


@dataclass(frozen=True, slots=True)
class TrustedChain:
    kind: SignerKind
    #: signing certificate first, anchor last
    certificates: tuple[x509.Certificate, ...]

    @property
    def signer(self) -> x509.Certificate:
        return self.certificates[0]

    @property
    def issuer(self) -> x509.Certificate:
        return self.certificates[1] if len(self.certificates) > 1 else self.certificates[0]


def load_certificates(paths: Iterable[Path]) -> tuple[x509.Certificate, ...]:
    found: list[x509.Certificate] = []
    for path in paths:
        data = path.read_bytes()
        found.extend(
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    return tuple(found)


def check_key(certificate: x509.Certificate) -> None:
    """Strong enough key, and a certificate meant for signing documents."""
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise CertUntrusted(f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} are required")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
        raise CertUntrusted(f"EC key on {key.curve.name}; P-256 or stronger is required")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise CertUntrusted(f"{type(key).__name__} keys are not accepted")
    if _is_ca(certificate):
        raise CertUntrusted("a CA certificate does not sign messages")
    try:
        extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        extended = None
    if extended is not None and not set(extended) & DOCUMENT_SIGNING_PURPOSES:
        purposes = ", ".join(oid.dotted_string for oid in extended)
        raise CertUntrusted(
            f"the certificate is meant for other purposes ({purposes}), not for signing documents"
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no restriction stated
    if not (usage.digital_signature or usage.content_commitment):
        raise CertUntrusted("the certificate's key usage allows neither digitalSignature nor nonRepudiation")


def check_validity(certificate: x509.Certificate, at: datetime, role: str = "signing certificate") -> None:
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise CertExpired(
            f"the {role} is valid from {certificate.not_valid_before_utc.isoformat()} to "
            f"{certificate.not_valid_after_utc.isoformat()}, not at the time of receipt {at.isoformat()}"
        )


def build_chain(
    signer: x509.Certificate,
    candidates: Iterable[x509.Certificate],
    anchors: TrustAnchors,
    at: datetime,
) -> TrustedChain:
    """The chain from ``signer`` to an anchor, through ``candidates`` (KeyInfo's other certificates)."""
    intermediates = [c for c in candidates if _is_ca(c)]
    chain = [signer]
    current = signer
    for _ in range(MAX_CHAIN):
        for kind, anchor in anchors.all():
            # The ePUAP seal is its own anchor: only the pinned seal certificate itself is epuap,
            # never something its CA (or any CA) issued, since the person comes from its ClaimedRoles.
            pinned = kind is SignerKind.EPUAP
            if (current == anchor) if pinned else (_issued_by(current, anchor) or current == anchor):
                full = tuple(chain if current == anchor else [*chain, anchor])
                for index, certificate in enumerate(full):
                    check_validity(certificate, at, "signing certificate" if index == 0 else "issuing CA")
                result = TrustedChain(kind, full)
                _kind_rules(result, anchors)
                return result
        issuer = next((c for c in intermediates if c not in chain and _issued_by(current, c)), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    raise CertUntrusted(
        f"no path from {signer.subject.rfc4514_string()} to a customs, qualified, ePUAP or CBTD anchor"
    )


def _kind_rules(chain: TrustedChain, anchors: TrustAnchors) -> None:
    if chain.kind is SignerKind.QUALIFIED:
        statements = qc_statements(chain.signer)
        if QC_COMPLIANCE not in statements:
            raise CertUntrusted(
                "a certificate from a qualified CA without QcCompliance is not a qualified one"
            )
        if QC_TYPE in statements and QC_TYPE_ESIGN not in statements[QC_TYPE]:
            raise CertUntrusted("a qualified certificate for seals or websites is not one for signatures")
    if chain.kind is SignerKind.CBTD and chain.signer.not_valid_before_utc > anchors.cbtd_cutoff:
        raise CertUntrusted(
            f"CBTD certificates issued after {anchors.cbtd_cutoff.date().isoformat()} are not accepted "
            "(CBTD keys are not renewed; use an SC certificate)"
        )


def qc_statements(certificate: x509.Certificate) -> dict[str, tuple[str, ...]]:
    """QCStatement ids, each with the object ids inside its info (for QcType: esign, eseal, web)."""
    try:
        extension = certificate.extensions.get_extension_for_oid(QC_STATEMENTS)
    except (x509.ExtensionNotFound, ValueError):
        return {}
    raw = extension.value.value if isinstance(extension.value, x509.UnrecognizedExtension) else b""
    found: dict[str, tuple[str, ...]] = {}
    try:
        for statement in QcStatements.load(raw):
            info = statement["statement_info"]
            inner = _object_ids(info.dump()) if info.native is not None else ()
            found[statement["statement_id"].dotted] = inner
    except (ValueError, TypeError):
        return {}
    return found


def has_qc_compliance(certificate: x509.Certificate) -> bool:
    return QC_COMPLIANCE in qc_statements(certificate)


def _object_ids(der: bytes) -> tuple[str, ...]:
    try:
        values = core.SequenceOf.load(der, spec=core.ObjectIdentifier)
        return tuple(value.dotted for value in values)
    except (ValueError, TypeError):
        return ()


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):  # absent, or a certificate whose extensions do not parse
        return False


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    issuer_name, _, _ = _names(certificate)
    _, subject, is_ca = _names(issuer)
    return issuer_name == subject and is_ca and ISSUANCE.signed_by(certificate, issuer)


@functools.lru_cache(maxsize=8192)
def _names(certificate: x509.Certificate) -> tuple[x509.Name, x509.Name, bool]:
    """Issuer, subject and whether it is a CA: read once per certificate (cryptography builds the
    names anew at every access), for the chain builder's tries of every anchor."""
    return certificate.issuer, certificate.subject, _is_ca(certificate)


class IssuanceCache:
    """Whether ``issuer``'s key signed ``certificate``, remembered per pair in a bounded
    least-recently-used table: a trader signs many messages with one certificate, and its chain is
    the same every time.  The answer depends on the two certificates' bytes alone, so a kept
    answer never goes stale; validity, key usage and the kind's rules are judged anew for every
    message.  The pair itself is the key: certificates hash and compare by their whole DER, which
    costs less than fingerprinting them (a table of 4096 pairs holds some 10 MB of certificates).
    Safe to share between threads."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        self._answers: OrderedDict[tuple[x509.Certificate, x509.Certificate], bool] = OrderedDict()
        self._lock = threading.Lock()

    def signed_by(self, certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
        """Whether ``issuer``'s key made ``certificate``'s signature."""
        key = (issuer, certificate)
        with self._lock:
            known = self._answers.get(key)
            if known is not None:
                self._answers.move_to_end(key)
                return known
        answer = _directly_issued(certificate, issuer)
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)
        return answer

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)


def _directly_issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


#: shared by every chain built in the process (the answers hold for any configuration)
ISSUANCE = IssuanceCache()
