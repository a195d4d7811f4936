"""Asking for one certificate's status: its issuer in-process when that is a local authority, else
OCSP at the responders the certificate names, else its CRLs.  Every answer, remote or local, goes
through the same validation (:mod:`gateway.core.revocation`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509

from gateway.adapters.revocation.cache import Clock, LocalOrigin, StatusCache
from gateway.adapters.revocation.fetch import Fetch
from gateway.core.revocation.answers import Answer, Freshness, StatusUnknown
from gateway.core.revocation.crl import answer_from_crl, parse_crl
from gateway.core.revocation.ocsp import OCSP_REQUEST_TYPE, build_request, validate_response
from gateway.core.revocation.pointers import crl_urls, ocsp_urls
from gateway.core.signature.model import RevocationUnavailable


class LocalStatusSource(Protocol):
    """Authorities answered in-process rather than over the network (a demo PKI, say)."""

    def kind_of(self, issuer: x509.Certificate) -> str | None:
        """A name for the authority whose certificate ``issuer`` is, or None if it is not one."""

    def revision(self, kind: str) -> object:
        """A value that changes whenever that authority's records change: an answer obtained under
        another revision no longer holds.  Cheap: asked on every check of its certificates."""

    def ocsp_response(self, kind: str, request_der: bytes, now: datetime) -> bytes:
        """That authority's OCSP response (DER) to ``request_der``."""


@dataclass(frozen=True, slots=True)
class Obtained:
    answer: Answer
    #: set when an in-process authority answered
    local: LocalOrigin | None = None


class StatusSources:
    """``timeout`` bounds each network exchange; one certificate's OCSP then CRL stay within twice that."""

    def __init__(
        self,
        fetch: Fetch,
        local: LocalStatusSource | None,
        cache: StatusCache,
        clock: Clock,
        *,
        timeout: float,
        freshness: Freshness,
    ) -> None:
        self._fetch = fetch
        self._local = local
        self._cache = cache
        self._clock = clock
        self.timeout = timeout
        self._freshness = freshness

    async def obtain(self, cert: x509.Certificate, issuer: x509.Certificate, at: datetime) -> Obtained:
        """A validated answer about ``cert`` for the moment ``at``; raises RevocationUnavailable."""
        if cert.issuer != issuer.subject:
            raise RevocationUnavailable("the certificate was not issued by the given issuer (names differ)")
        deadline = asyncio.get_running_loop().time() + 2 * self.timeout
        problems: list[str] = []
        if self._local is not None:
            local = await self._ask_local(self._local, cert, issuer, at, problems)
            if local is not None:
                return local
        for url in ocsp_urls(cert):
            try:
                return Obtained(await self._ocsp(url, cert, issuer, at, deadline))
            except StatusUnknown:
                raise
            except RevocationUnavailable as exc:
                problems.append(f"OCSP {url}: {exc}")
        for url in crl_urls(cert):
            try:
                return Obtained(await self._crl(url, cert, issuer, at, deadline))
            except RevocationUnavailable as exc:
                problems.append(f"CRL {url}: {exc}")
        if not problems:
            raise RevocationUnavailable("the certificate names neither an OCSP responder nor a CRL")
        raise RevocationUnavailable("; ".join(problems))

    async def _ask_local(
        self,
        local: LocalStatusSource,
        cert: x509.Certificate,
        issuer: x509.Certificate,
        at: datetime,
        problems: list[str],
    ) -> Obtained | None:
        """The in-process authority's answer, if ``issuer`` is one (None otherwise, or when it failed:
        then the network is asked as the certificate says)."""
        request = build_request(cert, issuer)

        def ask() -> tuple[str, object, bytes | Exception] | None:  # in a thread: it takes locks
            kind = local.kind_of(issuer)
            if kind is None:
                return None
            revision = local.revision(kind)  # before answering: a change meanwhile makes the answer stale
            try:
                return kind, revision, local.ocsp_response(kind, request.der, self._clock())
            except Exception as exc:
                return kind, revision, exc

        try:
            asked = await asyncio.to_thread(ask)
        except Exception as exc:
            problems.append(f"OCSP local: the local authorities failed: {exc}")
            return None
        if asked is None:
            return None
        kind, revision, response = asked
        if isinstance(response, Exception):
            problems.append(f"OCSP local:{kind}: the local {kind} authority failed: {response}")
            return None
        try:
            answer = validate_response(
                response,
                request,
                cert,
                issuer,
                at=at,
                now=self._clock(),
                location=f"local:{kind}",
                rules=self._freshness,
            )
        except StatusUnknown:
            raise
        except RevocationUnavailable as exc:
            problems.append(f"OCSP local:{kind}: {exc}")
            return None
        return Obtained(answer, LocalOrigin(kind, revision))

    async def _ocsp(
        self, url: str, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, deadline: float
    ) -> Answer:
        request = build_request(cert, issuer)
        response = await self._fetch_within(url, request.der, OCSP_REQUEST_TYPE, deadline)
        return validate_response(
            response, request, cert, issuer, at=at, now=self._clock(), location=url, rules=self._freshness
        )

    async def _crl(
        self, url: str, cert: x509.Certificate, issuer: x509.Certificate, at: datetime, deadline: float
    ) -> Answer:
        crl = self._cache.crl(url)
        if crl is None:
            crl = parse_crl(await self._fetch_within(url, None, None, deadline))
        answer = answer_from_crl(
            crl,
            cert,
            issuer,
            at=at,
            now=self._clock(),
            location=url,
            max_skew=self._freshness.max_skew,
        )
        assert answer.evidence.next_update is not None  # a CRL without one is refused
        self._cache.store_crl(url, crl, answer.evidence.next_update)
        return answer

    async def _fetch_within(
        self, url: str, body: bytes | None, content_type: str | None, deadline: float
    ) -> bytes:
        remaining = min(self.timeout, deadline - asyncio.get_running_loop().time())
        if remaining <= 0:
            raise RevocationUnavailable("no time left to ask")
        try:
            return await self._fetch(url, body, content_type, remaining)
        except RevocationUnavailable:
            raise
        except Exception as exc:
            raise RevocationUnavailable(f"cannot fetch: {exc}") from exc
