"""The demo PKI's authorities, answered in-process: shared by the gateway's revocation statuses (as
their :class:`~gateway.adapters.revocation.LocalStatusSource`) and the ``/pki/`` routes."""

from __future__ import annotations

import logging
import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from gateway.demo.pki.authority import CertificateAuthority
from gateway.demo.pki.profiles import AUTHORITY_KINDS, AuthorityKind
from gateway.demo.pki.store import CRL_FILE, PkiDirectory

log = logging.getLogger(__name__)


#: a cached OCSP answer is for one serial, asked with one CertID hash, about one issuer
_AnswerKey = tuple[int, str, bytes, bytes]


@dataclass(frozen=True, slots=True)
class _Signed:
    response: bytes
    reuse_until: datetime


class LocalAuthorities:
    """Thread-safe access to the authorities of one :class:`PkiDirectory`: one lock per authority, and
    the authority re-read from disk when its files changed (another process revoked, say).  Get the one
    shared instance per directory object with :func:`local_authorities`.

    OCSP answers (valid ``ocsp_validity``) are signed once and given again, to any request about the
    same certificate, until the authority's records change or they are ``reuse`` old (at most half
    their validity): without the asker's nonce, so they must be recent to be believed (RFC 5019)."""

    def __init__(
        self,
        pki: PkiDirectory,
        *,
        ocsp_validity: timedelta = timedelta(hours=1),
        reuse: timedelta = timedelta(minutes=1),
    ) -> None:
        self.pki = pki
        self.ocsp_validity = ocsp_validity
        self.reuse = min(reuse, ocsp_validity / 2)
        self._locks: dict[AuthorityKind, threading.Lock] = {
            kind: threading.Lock() for kind in AUTHORITY_KINDS
        }
        self._seen: dict[AuthorityKind, tuple[tuple[int, int] | None, ...]] = {}
        self._held: dict[AuthorityKind, CertificateAuthority] = {}
        self._answers: dict[AuthorityKind, tuple[object, dict[_AnswerKey, _Signed]]] = {}

    def kinds(self) -> tuple[AuthorityKind, ...]:
        return tuple(kind for kind in AUTHORITY_KINDS if self.pki.has(kind))

    def kind_of(self, issuer: x509.Certificate) -> AuthorityKind | None:
        """The kind of the authority whose certificate ``issuer`` is (same DER), if any."""
        wanted = issuer.public_bytes(serialization.Encoding.DER)
        for kind in self.kinds():
            if self.certificate(kind).public_bytes(serialization.Encoding.DER) == wanted:
                return kind
        return None

    def certificate(self, kind: AuthorityKind) -> x509.Certificate:
        with self._locks[kind]:
            return self._current(kind).certificate

    def revision(self, kind: str) -> object:
        """Changes whenever the authority's records do, in this process or on disk."""
        if kind not in self._locks:
            raise ValueError(f"no {kind!r} authority")
        with self._locks[kind]:  # kind is an AuthorityKind now, as the check above narrowed it
            return self._revision(kind, self._current(kind))

    def ocsp_response(self, kind: str, request_der: bytes, now: datetime) -> bytes:
        """The authority's answer to ``request_der``: the one given before about the same certificate
        while it may be reused, else signed now."""
        if kind not in self._locks:
            raise ValueError(f"no {kind!r} authority")
        with self._locks[kind]:  # kind is an AuthorityKind now, as the check above narrowed it
            authority = self._current(kind)
            try:
                request = ocsp.load_der_ocsp_request(request_der)
                key = (
                    request.serial_number,
                    request.hash_algorithm.name,
                    request.issuer_name_hash,
                    request.issuer_key_hash,
                )
            except (ValueError, TypeError, UnsupportedAlgorithm):  # the authority answers malformedRequest
                return authority.ocsp_response(request_der, now, validity=self.ocsp_validity)
            revision = self._revision(kind, authority)
            under, answers = self._answers.get(kind, (None, {}))
            if under != revision:
                answers = {}
                self._answers[kind] = (revision, answers)
            given = answers.get(key)
            if given is not None and now <= given.reuse_until:
                return given.response
            response = authority.ocsp_response(
                request_der, now, validity=self.ocsp_validity, echo_nonce=False
            )
            if ocsp.load_der_ocsp_response(response).response_status is ocsp.OCSPResponseStatus.SUCCESSFUL:
                answers[key] = _Signed(response, now + self.reuse)
            return response

    def crl(self, kind: AuthorityKind, now: datetime, max_age: timedelta = timedelta(minutes=1)) -> bytes:
        """The published CRL (``<kind>/ca.crl``), published anew when older than ``max_age``, past its
        nextUpdate, or out of date with the authority's records."""
        with self._locks[kind]:
            authority = self._current(kind)
            path = self.pki.folder(kind) / CRL_FILE
            try:
                stored = path.read_bytes()
                crl = x509.load_der_x509_crl(stored)
            except (OSError, ValueError):
                pass
            else:
                next_update = crl.next_update_utc
                if (
                    timedelta(0) <= now - crl.last_update_utc <= max_age
                    and next_update is not None
                    and now <= next_update
                    and _crl_entries(crl) == _record_entries(authority)
                ):
                    return stored
            der = authority.crl(now)
            temporary = path.with_name(f".{CRL_FILE}.{os.getpid()}.{threading.get_ident()}")
            temporary.write_bytes(der)
            os.replace(temporary, path)
            self.pki.save(authority)  # the advanced CRL number
            self._held[kind] = authority
            self._seen[kind] = self._disk_state(kind)
            return der

    def _revision(self, kind: AuthorityKind, authority: CertificateAuthority) -> object:
        """Under the kind's lock, after :meth:`_current`."""
        return (self._seen[kind], id(authority), authority.changes, authority.ocsp_responder_serial)

    def _current(self, kind: AuthorityKind) -> CertificateAuthority:
        """Under the kind's lock: the shared in-memory authority, or the disk's when the disk changed."""
        state = self._disk_state(kind)
        shared = self.pki.authority(kind)
        held = self._held.get(kind, shared)
        if kind in self._seen and self._seen[kind] != state:
            try:
                fresh = self.pki.load(kind)
            except Exception:  # a half-written file of another process: try again next time
                log.warning("cannot re-read the %s authority of %s", kind, self.pki.path, exc_info=True)
                return held
            if _same_state(fresh, shared):
                held = shared
            else:
                fresh.crl_number = max(fresh.crl_number, held.crl_number)
                held = fresh
        self._held[kind] = held
        self._seen[kind] = state
        return held

    def _disk_state(self, kind: AuthorityKind) -> tuple[tuple[int, int] | None, ...]:
        folder = self.pki.folder(kind)
        state: list[tuple[int, int] | None] = []
        for name in ("authority.json", "issued.json", "ca.pem"):
            try:
                stat = (folder / name).stat()
            except OSError:
                state.append(None)
            else:
                state.append((stat.st_mtime_ns, stat.st_size))
        return tuple(state)


_LOCAL: weakref.WeakKeyDictionary[PkiDirectory, LocalAuthorities] = weakref.WeakKeyDictionary()
_LOCAL_LOCK = threading.Lock()


def local_authorities(pki: PkiDirectory) -> LocalAuthorities:
    """The one :class:`LocalAuthorities` of ``pki`` (so its locks are shared by all users)."""
    with _LOCAL_LOCK:
        found = _LOCAL.get(pki)
        if found is None:
            found = _LOCAL[pki] = LocalAuthorities(pki)
        return found


# -- helpers --------------------------------------------------------------------------------------


def _crl_entries(crl: x509.CertificateRevocationList) -> set[tuple[int, x509.ReasonFlags | None]]:
    entries: set[tuple[int, x509.ReasonFlags | None]] = set()
    for entry in crl:
        try:
            reason: x509.ReasonFlags | None = entry.extensions.get_extension_for_class(
                x509.CRLReason
            ).value.reason
        except x509.ExtensionNotFound:
            reason = None
        entries.add((entry.serial_number, reason))
    return entries


def _record_entries(authority: CertificateAuthority) -> set[tuple[int, x509.ReasonFlags | None]]:
    """What a CRL of ``authority`` would list now (see :func:`gateway.demo.pki.revocation.build_crl`)."""
    return {
        (r.serial, r.reason if r.reason is not x509.ReasonFlags.unspecified else None)
        for r in authority.records.values()
        if r.status != "good" and r.revoked_at is not None
    }


def _same_state(one: CertificateAuthority, other: CertificateAuthority) -> bool:
    return (
        one.certificate == other.certificate
        and one.records == other.records
        and one.ocsp_responder_serial == other.ocsp_responder_serial
    )
