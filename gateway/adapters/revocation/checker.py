"""Revocation status of certificates: OCSP first, the CRL as fallback, answers cached.

:class:`RevocationChecker` runs in the gateway's check worker threads, never on the event loop, so it
may block on network I/O (bounded by a timeout); it is thread-safe.  Every answer, remote or from the
gateway's own demo PKI, goes through the same validation: an OCSP response must be successful, about
exactly the certificate asked for, signed by the issuer or by a delegated responder the issuer
certified for OCSP signing, current, and echo our nonce (or be fresh); a CRL must be signed by the
issuer, complete and current.

Authorities that answer in-process (the demo PKI, added by its extension) are a
:class:`LocalStatusSource`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, cast

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, SignatureAlgorithmOID

from gateway.config import SignatureSettings
from gateway.core.signature.model import (
    RevocationEvidence,
    RevocationStatus,
    RevocationUnavailable,
    SignerKind,
)

log = logging.getLogger(__name__)

#: ``fetch(url, body, content_type, timeout) -> bytes``: POST ``body`` when given, else GET
Fetch = Callable[[str, bytes | None, str | None, float], bytes]
#: the current time, timezone-aware
Clock = Callable[[], datetime]
RevocationPolicyName = Literal["hard", "soft", "none"]

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"
MAX_FETCH_BYTES = 16 * 1024 * 1024
_STRIPES = 64

MAX_CACHE_AGE = timedelta(days=1)


def urllib_fetch(url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
    """GET (or POST ``body``) over http(s) with ``urllib``; the whole exchange must end within ``timeout``
    seconds and the answer must be a 200 of at most :data:`MAX_FETCH_BYTES`."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme: {url}")
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST")
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status != 200:
            raise OSError(f"HTTP {response.status} from {url}")
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if size > MAX_FETCH_BYTES:
                raise OSError(f"answer from {url} is larger than {MAX_FETCH_BYTES} bytes")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)


def revocation_policy(settings: SignatureSettings, kind: SignerKind) -> RevocationPolicyName:
    """The configured policy for signers of ``kind``: ``hard`` (no answer → CERT_STATUS_UNKNOWN),
    ``soft`` (accept with a warning) or ``none`` (not checked)."""
    value = str(getattr(settings, f"revocation_{kind.value}")).strip().lower()
    if value not in ("hard", "soft", "none"):
        raise ValueError(f"signature.revocation_{kind.value} must be hard, soft or none, not {value!r}")
    return cast(RevocationPolicyName, value)


class LocalStatusSource(Protocol):
    """Authorities answered in-process rather than over the network (a demo PKI, say)."""

    def kind_of(self, issuer: x509.Certificate) -> str | None:
        """A name for the authority whose certificate ``issuer`` is, or None if it is not one."""

    def ocsp_response(self, kind: str, request_der: bytes, now: datetime) -> bytes:
        """That authority's OCSP response (DER) to ``request_der``."""


class _StatusUnknown(RevocationUnavailable):
    """The responder answered, validly, that it does not know the certificate: no CRL fallback."""


@dataclass(frozen=True, slots=True)
class _Answer:
    evidence: RevocationEvidence
    #: until when the answer may be used (its nextUpdate, or thisUpdate + the default validity)
    expires: datetime
    certificate: x509.Certificate
    issuer: x509.Certificate

    @property
    def starts(self) -> datetime:
        return self.evidence.this_update or self.evidence.checked_at


@dataclass(frozen=True, slots=True)
class _CachedCrl:
    crl: x509.CertificateRevocationList
    expires: datetime


_Key = tuple[bytes, int]


class RevocationChecker:
    """Answers "was this certificate revoked?" with :class:`RevocationEvidence`, or raises
    :class:`RevocationUnavailable` when no trustworthy, current answer could be had.

    ``timeout`` bounds each network exchange (a whole check, OCSP then CRL, stays within twice that).
    ``local``: authorities asked in-process (``local:<kind>``) instead of over the network; those
    answers are not cached unless ``cache_local``, so that revoking in a demo shows at once.
    ``fetch`` and ``clock`` are injectable for tests.
    """

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        local: LocalStatusSource | None = None,
        fetch: Fetch | None = None,
        clock: Clock | None = None,
        max_clock_skew: timedelta = timedelta(minutes=5),
        default_validity: timedelta = timedelta(minutes=5),
        nonce_free_window: timedelta = timedelta(minutes=5),
        failure_ttl: timedelta = timedelta(seconds=3),
        refresh_fraction: float = 0.2,
        refresh_workers: int = 2,
        cache_local: bool = False,
        max_entries: int = 10_000,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self._local = local
        self._fetch: Fetch = fetch or urllib_fetch
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._skew = max_clock_skew
        self._default_validity = default_validity
        self._nonce_free_window = nonce_free_window
        self._failure_ttl = failure_ttl
        self._refresh_fraction = refresh_fraction
        self._cache_local = cache_local
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._stripes = [threading.Lock() for _ in range(_STRIPES)]
        self._answers: dict[_Key, _Answer] = {}
        self._failures: dict[_Key, tuple[str, datetime]] = {}
        self._crls: dict[str, _CachedCrl] = {}
        self._refreshing: set[_Key] = set()
        self._executor = ThreadPoolExecutor(refresh_workers, thread_name_prefix="revocation-refresh")
        self._closed = False

    @classmethod
    def from_settings(
        cls,
        settings: SignatureSettings,
        *,
        local: LocalStatusSource | None = None,
        fetch: Fetch | None = None,
    ) -> RevocationChecker:
        """A checker as configured: the timeout and the allowed clock skew."""
        return cls(
            timeout=settings.revocation_timeout_seconds,
            local=local,
            fetch=fetch,
            max_clock_skew=timedelta(seconds=settings.max_clock_skew_seconds),
        )

    # -- public -----------------------------------------------------------------------------------------

    def check(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        """The status of ``cert`` (issued by ``issuer``) at ``at`` (the time of receipt)."""
        at = _aware(at)
        key = _cache_key(cert, issuer)
        cached = self._cached(key, at)
        if cached is not None:
            return cached.evidence
        with self._stripes[hash(key) % _STRIPES]:
            # another thread may have answered while this one waited
            cached = self._cached(key, at)
            if cached is not None:
                return cached.evidence
            self._raise_recent_failure(key)
            try:
                answer, cacheable = self._obtain(cert, issuer, at)
            except RevocationUnavailable as exc:
                with self._lock:
                    self._failures[key] = (str(exc), self._now() + self._failure_ttl)
                raise
            with self._lock:
                self._failures.pop(key, None)
                if cacheable:
                    self._store(key, answer)
            return answer.evidence

    def clear(self) -> None:
        """Forgets every cached answer, failure and CRL."""
        with self._lock:
            self._answers.clear()
            self._failures.clear()
            self._crls.clear()

    def close(self, *, wait: bool = False) -> None:
        """Stops background refreshes (waits for a running one when ``wait``)."""
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> RevocationChecker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- cache ------------------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _aware(self._clock())

    def _cached(self, key: _Key, at: datetime) -> _Answer | None:
        now = self._now()
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                return None
            if now > answer.expires:
                del self._answers[key]
                return None
            if not self._usable_at(answer, at):
                return None
            lifetime = answer.expires - answer.starts
            stale_soon = answer.expires - now < lifetime * self._refresh_fraction
            refresh = (
                stale_soon
                and answer.evidence.status is not RevocationStatus.REVOKED
                and key not in self._refreshing
                and not self._closed
            )
            if refresh:
                self._refreshing.add(key)
        if refresh:
            try:
                self._executor.submit(self._refresh, key, answer)
            except RuntimeError:  # shut down meanwhile
                with self._lock:
                    self._refreshing.discard(key)
        return answer

    def _usable_at(self, answer: _Answer, at: datetime) -> bool:
        return answer.starts <= at + self._skew and at <= answer.expires

    def _raise_recent_failure(self, key: _Key) -> None:
        with self._lock:
            failure = self._failures.get(key)
            if failure is None:
                return
            message, until = failure
            if self._now() >= until:
                del self._failures[key]
                return
        raise RevocationUnavailable(message)

    def _store(self, key: _Key, answer: _Answer) -> None:
        """Under ``self._lock``."""
        self._answers[key] = answer
        if len(self._answers) > self._max_entries:
            now = self._now()
            for old_key in [k for k, a in self._answers.items() if a.expires < now]:
                del self._answers[old_key]
            while len(self._answers) > self._max_entries:
                del self._answers[next(iter(self._answers))]
        if len(self._failures) > self._max_entries:
            self._failures.clear()

    def _refresh(self, key: _Key, previous: _Answer) -> None:
        """Background: a new answer replaces the cached one; on failure the cached one stays (while valid)."""
        try:
            with self._stripes[hash(key) % _STRIPES]:
                answer, cacheable = self._obtain(previous.certificate, previous.issuer, self._now())
                if cacheable:
                    with self._lock:
                        self._store(key, answer)
        except RevocationUnavailable as exc:
            log.warning("refreshing the revocation status of serial %x failed: %s", key[1], exc)
        except Exception:
            log.exception("refreshing the revocation status of serial %x failed", key[1])
        finally:
            with self._lock:
                self._refreshing.discard(key)

    # -- lookup -----------------------------------------------------------------------------------------

    def _obtain(self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime) -> tuple[_Answer, bool]:
        """A validated answer and whether it may be cached."""
        if cert.issuer != issuer.subject:
            raise RevocationUnavailable("the certificate was not issued by the given issuer (names differ)")
        deadline = time.monotonic() + 2 * self.timeout
        problems: list[str] = []
        if self._local is not None:
            kind = self._local.kind_of(issuer)
            if kind is not None:
                try:
                    return self._ocsp_local(kind, cert, issuer, at), self._cache_local
                except _StatusUnknown:
                    raise
                except RevocationUnavailable as exc:
                    problems.append(f"OCSP local:{kind}: {exc}")
        for url in _access_urls(cert):
            try:
                return self._ocsp_remote(url, cert, issuer, at, deadline), True
            except _StatusUnknown:
                raise
            except RevocationUnavailable as exc:
                problems.append(f"OCSP {url}: {exc}")
        for url in _crl_urls(cert):
            try:
                return self._crl_answer(url, cert, issuer, at, deadline), True
            except RevocationUnavailable as exc:
                problems.append(f"CRL {url}: {exc}")
        if not problems:
            raise RevocationUnavailable("the certificate names neither an OCSP responder nor a CRL")
        raise RevocationUnavailable("; ".join(problems))

    def _fetch_within(self, url: str, body: bytes | None, content_type: str | None, deadline: float) -> bytes:
        remaining = min(self.timeout, deadline - time.monotonic())
        if remaining <= 0:
            raise RevocationUnavailable("no time left to ask")
        try:
            return self._fetch(url, body, content_type, remaining)
        except RevocationUnavailable:
            raise
        except Exception as exc:
            raise RevocationUnavailable(f"cannot fetch: {exc}") from exc

    # -- OCSP -------------------------------------------------------------------------------------------

    def _ocsp_remote(
        self, url: str, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, deadline: float
    ) -> _Answer:
        request_der, nonce = _ocsp_request(cert, issuer)
        response_der = self._fetch_within(url, request_der, OCSP_REQUEST_TYPE, deadline)
        return self._validate_ocsp(response_der, nonce, cert, issuer, at, url)

    def _ocsp_local(
        self, kind: str, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
    ) -> _Answer:
        assert self._local is not None
        request_der, nonce = _ocsp_request(cert, issuer)
        try:
            response_der = self._local.ocsp_response(kind, request_der, self._now())
        except Exception as exc:
            raise RevocationUnavailable(f"the local {kind} authority failed: {exc}") from exc
        return self._validate_ocsp(response_der, nonce, cert, issuer, at, f"local:{kind}")

    def _validate_ocsp(
        self,
        response_der: bytes,
        nonce: bytes,
        cert: x509.Certificate,
        issuer: x509.Certificate,
        at: datetime,
        location: str,
    ) -> _Answer:
        now = self._now()
        try:
            response = ocsp.load_der_ocsp_response(response_der)
            if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
                raise RevocationUnavailable(f"the responder answered {response.response_status.name}")
            single = _matching_single_response(response, cert, issuer)
            signer = self._responder_certificate(response, issuer, at)
            _verify_response_signature(response, signer)
            this_update = single.this_update_utc
            next_update = single.next_update_utc
            if this_update > at + self._skew:
                raise RevocationUnavailable(f"the answer is from the future (thisUpdate {this_update})")
            if next_update is not None and next_update < this_update:
                raise RevocationUnavailable("nextUpdate is earlier than thisUpdate")
            expires = next_update if next_update is not None else this_update + self._default_validity
            if at > expires:
                raise RevocationUnavailable(f"the answer is stale (valid until {expires})")
            try:
                echoed: bytes | None = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            except x509.ExtensionNotFound:
                echoed = None
            if echoed is not None and echoed != nonce:
                raise RevocationUnavailable("the responder echoed another nonce (a replayed answer?)")
            if echoed is None and abs(now - this_update) > self._nonce_free_window:
                raise RevocationUnavailable(
                    f"no nonce and not fresh (thisUpdate {this_update}, more than "
                    f"{self._nonce_free_window} from now)"
                )
            status = single.certificate_status
            if status is ocsp.OCSPCertStatus.UNKNOWN:
                raise _StatusUnknown(f"{location}: the responder does not know this certificate")
            revoked_at: datetime | None = None
            reason: x509.ReasonFlags | None = None
            if status is ocsp.OCSPCertStatus.REVOKED:
                revoked_at = single.revocation_time_utc
                reason = single.revocation_reason
            evidence = RevocationEvidence(
                status=_status(status is ocsp.OCSPCertStatus.REVOKED, reason),
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
        # A responder may promise a long nextUpdate; a cached "good" is still trusted for a day at most.
        return _Answer(evidence, min(expires, this_update + MAX_CACHE_AGE), cert, issuer)

    def _responder_certificate(
        self, response: ocsp.OCSPResponse, issuer: x509.Certificate, at: datetime
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
                usages = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound:
                usages = x509.ExtendedKeyUsage([])
            if ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
                refusals.append("the responder certificate lacks the OCSPSigning extended key usage")
                continue
            return candidate
        if refusals:
            raise RevocationUnavailable("; ".join(refusals))
        raise RevocationUnavailable("signed by a responder that is neither the issuer nor certified by it")

    # -- CRL --------------------------------------------------------------------------------------------

    def _crl_answer(
        self, url: str, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, deadline: float
    ) -> _Answer:
        now = self._now()
        with self._lock:
            cached = self._crls.get(url)
        if cached is not None and now <= cached.expires:
            crl = cached.crl
        else:
            data = self._fetch_within(url, None, None, deadline)
            try:
                if data.lstrip().startswith(b"-----BEGIN"):
                    crl = x509.load_pem_x509_crl(data)
                else:
                    crl = x509.load_der_x509_crl(data)
            except ValueError as exc:
                raise RevocationUnavailable(f"not a CRL: {exc}") from exc
        try:
            self._validate_crl(crl, issuer, at)
            next_update = crl.next_update_utc
            assert next_update is not None  # checked by _validate_crl
            with self._lock:
                if now <= next_update:
                    self._crls[url] = _CachedCrl(crl, next_update)
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
            status=_status(revoked, reason),
            source="crl",
            location=url,
            checked_at=now,
            this_update=crl.last_update_utc,
            next_update=next_update,
            revoked_at=revoked_at,
            reason=reason.value if reason is not None else None,
        )
        return _Answer(evidence, next_update, cert, issuer)

    def _validate_crl(
        self, crl: x509.CertificateRevocationList, issuer: x509.Certificate, at: datetime
    ) -> None:
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
        if crl.last_update_utc > at + self._skew:
            raise RevocationUnavailable(f"the CRL is from the future (thisUpdate {crl.last_update_utc})")
        next_update = crl.next_update_utc
        if next_update is None:
            raise RevocationUnavailable("the CRL has no nextUpdate")
        if at > next_update:
            raise RevocationUnavailable(f"the CRL is stale (nextUpdate {next_update})")


# -- helpers -------------------------------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _cache_key(cert: x509.Certificate, issuer: x509.Certificate) -> _Key:
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest(), cert.serial_number


def _status(revoked: bool, reason: x509.ReasonFlags | None) -> RevocationStatus:
    if not revoked:
        return RevocationStatus.GOOD
    if reason is x509.ReasonFlags.certificate_hold:
        return RevocationStatus.HOLD
    return RevocationStatus.REVOKED


def _ocsp_request(cert: x509.Certificate, issuer: x509.Certificate) -> tuple[bytes, bytes]:
    """A DER OCSP request (SHA-1 cert id, the common denominator) with a random 16-byte nonce."""
    nonce = os.urandom(16)
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer, hashes.SHA1())  # the CertID hash, not a signature
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise RevocationUnavailable(f"cannot build an OCSP request: {exc}") from exc
    return request.public_bytes(serialization.Encoding.DER), nonce


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


def _urls(names: Iterable[x509.GeneralName]) -> list[str]:
    found: list[str] = []
    for name in names:
        if isinstance(name, x509.UniformResourceIdentifier):
            url = name.value
            if urllib.parse.urlsplit(url).scheme.lower() in ("http", "https"):
                found.append(url)
    return found


def _access_urls(cert: x509.Certificate) -> list[str]:
    """OCSP responder URLs from the AuthorityInformationAccess extension."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return _urls(d.access_location for d in access if d.access_method == AuthorityInformationAccessOID.OCSP)


def _crl_urls(cert: x509.Certificate) -> list[str]:
    """http(s) URLs of the CRLDistributionPoints extension (full names only)."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return _urls(name for point in points if point.full_name for name in point.full_name)
