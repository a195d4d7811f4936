"""Revocation answers kept between checks.

Answers per issuer key and serial, until their nextUpdate capped by a maximum age; failures for a
few seconds (so that a responder that is down is not asked by every request); CRLs per URL.  Check
threads read it and the event loop writes it, so every access takes one lock.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.core.revocation.answers import Answer
from gateway.core.signature.model import RevocationStatus

#: the issuer's public key (SHA-256 of its SubjectPublicKeyInfo) and the certificate's serial
Key = tuple[bytes, int]
Clock = Callable[[], datetime]


def key_of(cert: x509.Certificate, issuer: x509.Certificate) -> Key:
    return _issuer_digest(issuer), cert.serial_number


@functools.lru_cache(maxsize=1024)
def _issuer_digest(issuer: x509.Certificate) -> bytes:
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()


@dataclass(frozen=True, slots=True)
class LocalOrigin:
    """An answer from an in-process authority holds only while the authority's revision is the same."""

    kind: str
    revision: object


@dataclass(frozen=True, slots=True)
class Entry:
    answer: Answer
    #: the answer's nextUpdate, or sooner when that is further away than the maximum age
    keep_until: datetime
    certificate: x509.Certificate
    issuer: x509.Certificate
    local: LocalOrigin | None = None

    @property
    def lifetime(self) -> timedelta:
        return self.keep_until - self.answer.starts


@dataclass(frozen=True, slots=True)
class _Crl:
    crl: x509.CertificateRevocationList
    keep_until: datetime


class StatusCache:
    def __init__(
        self,
        clock: Clock,
        *,
        max_age: timedelta = timedelta(days=1),
        failure_ttl: timedelta = timedelta(seconds=3),
        max_entries: int = 10_000,
    ) -> None:
        self._clock = clock
        self.max_age = max_age
        self.failure_ttl = failure_ttl
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[Key, Entry] = {}
        #: keys looked up since their answer was stored: only those are refreshed ahead of expiry
        self._used: set[Key] = set()
        self._failures: dict[Key, tuple[str, datetime]] = {}
        #: no background refresh of these keys before the time given (one has just been tried)
        self._refresh_hold: dict[Key, datetime] = {}
        self._crls: dict[str, _Crl] = {}

    # -- answers --------------------------------------------------------------------------------------

    def entry(self, key: Key, at: datetime, max_skew: timedelta) -> Entry | None:
        """The answer kept for ``key`` that speaks for ``at``, if any (and the key counts as in use)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now > entry.keep_until:
                del self._entries[key]
                self._used.discard(key)
                return None
            if not entry.answer.usable_at(at, max_skew):
                return None
            self._used.add(key)
            return entry

    def store(
        self,
        key: Key,
        answer: Answer,
        certificate: x509.Certificate,
        issuer: x509.Certificate,
        local: LocalOrigin | None = None,
    ) -> Entry:
        entry = Entry(
            answer, min(answer.valid_until, answer.starts + self.max_age), certificate, issuer, local
        )
        with self._lock:
            self._entries.pop(key, None)  # re-inserted last: the order is the order of storing
            self._entries[key] = entry
            self._used.discard(key)
            self._failures.pop(key, None)
            if len(self._entries) > self._max_entries:
                self._evict()
        return entry

    def forget(self, key: Key) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._used.discard(key)

    # -- failures -------------------------------------------------------------------------------------

    def failure(self, key: Key) -> str | None:
        """Why ``key``'s status could not be had, if that was found out only a moment ago."""
        with self._lock:
            failure = self._failures.get(key)
            if failure is None:
                return None
            message, until = failure
            if self._clock() >= until:
                del self._failures[key]
                return None
            return message

    def fail(self, key: Key, message: str) -> None:
        with self._lock:
            self._failures[key] = (message, self._clock() + self.failure_ttl)
            if len(self._failures) > self._max_entries:
                self._failures.clear()

    # -- refreshing -----------------------------------------------------------------------------------

    def due(self, refresh_before: timedelta) -> list[tuple[Key, Entry]]:
        """Answers in use that expire within ``refresh_before`` (or within half their lifetime, when
        that is shorter), except revocations, which do not change back."""
        now = self._clock()
        with self._lock:
            found: list[tuple[Key, Entry]] = []
            for key in list(self._used):
                entry = self._entries.get(key)
                if entry is None or now > entry.keep_until:
                    self._used.discard(key)
                    continue
                if entry.answer.evidence.status is RevocationStatus.REVOKED:
                    continue
                if self._refresh_hold.get(key, now) > now:
                    continue
                if entry.keep_until - now <= min(refresh_before, entry.lifetime / 2):
                    found.append((key, entry))
            return found

    def hold_refresh(self, key: Key) -> None:
        """A refresh of ``key`` was just tried: the next waits a moment (the failure time to live)."""
        with self._lock:
            self._refresh_hold[key] = self._clock() + self.failure_ttl
            if len(self._refresh_hold) > self._max_entries:
                now = self._clock()
                self._refresh_hold = {k: t for k, t in self._refresh_hold.items() if t > now}

    # -- CRLs -----------------------------------------------------------------------------------------

    def crl(self, url: str) -> x509.CertificateRevocationList | None:
        with self._lock:
            kept = self._crls.get(url)
            if kept is None:
                return None
            if self._clock() > kept.keep_until:
                del self._crls[url]
                return None
            return kept.crl

    def store_crl(self, url: str, crl: x509.CertificateRevocationList, next_update: datetime) -> None:
        if self._clock() > next_update:
            return
        with self._lock:
            self._crls[url] = _Crl(crl, min(next_update, crl.last_update_utc + self.max_age))

    def clear(self) -> None:
        """Forgets every answer, failure and CRL."""
        with self._lock:
            self._entries.clear()
            self._used.clear()
            self._failures.clear()
            self._refresh_hold.clear()
            self._crls.clear()

    def _evict(self) -> None:
        """Under the lock: the expired answers first, then the oldest stored."""
        now = self._clock()
        for key in [k for k, e in self._entries.items() if e.keep_until < now]:
            del self._entries[key]
            self._used.discard(key)
        while len(self._entries) > self._max_entries:
            oldest = next(iter(self._entries))
            del self._entries[oldest]
            self._used.discard(oldest)
