"""The demo PKI's publication points: CA certificates, CRLs and OCSP (RFC 6960, incl. the GET form of
appendix A.1) at ``/pki/<kind>/``, the URLs its certificates carry.  For tests and demonstrations only.

Signing touches the PKI folder (shared state, also changed by ``gateway pki``), so it runs in a thread,
one request per authority at a time (:class:`gateway.demo.pki.local.LocalAuthorities`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import urllib.parse
from datetime import UTC, datetime

from aiohttp import web
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp

from gateway.core.errors import NotFound
from gateway.core.revocation.ocsp import OCSP_RESPONSE_TYPE
from gateway.demo.pki.local import LocalAuthorities, local_authorities
from gateway.demo.pki.profiles import AUTHORITY_KINDS, AuthorityKind
from gateway.demo.pki.store import PkiDirectory

log = logging.getLogger(__name__)

CERTIFICATE_TYPE = "application/pkix-cert"
CRL_TYPE = "application/pkix-crl"
#: OCSP requests are a few hundred bytes; anything this large is not one
MAX_OCSP_REQUEST_BYTES = 64 * 1024

_KINDS: dict[str, AuthorityKind] = {kind: kind for kind in AUTHORITY_KINDS}


def add_pki_routes(
    app: web.Application, pki: PkiDirectory, authorities: LocalAuthorities | None = None
) -> None:
    """Serves, for each authority of ``pki`` (looked up per request, so authorities made later count):
    ``GET /pki/{kind}/ca.crt``, ``GET /pki/{kind}/ca.crl``, ``POST /pki/{kind}/ocsp`` and
    ``GET /pki/{kind}/ocsp/{base64 request}``; answered by ``authorities`` (the shared ones of ``pki``
    when not given)."""
    routes = _PkiRoutes(authorities or local_authorities(pki))
    app.router.add_get("/pki/{kind}/ca.crt", routes.certificate)
    app.router.add_get("/pki/{kind}/ca.crl", routes.crl)
    app.router.add_post("/pki/{kind}/ocsp", routes.ocsp_post)
    app.router.add_get("/pki/{kind}/ocsp/{request:.+}", routes.ocsp_get)


class _PkiRoutes:
    def __init__(self, authorities: LocalAuthorities) -> None:
        self.authorities = authorities

    def _kind(self, request: web.Request) -> AuthorityKind:
        name = request.match_info["kind"]
        kind = _KINDS.get(name)
        if kind is None or not self.authorities.pki.has(kind):
            raise NotFound(f"no {name!r} authority here")
        return kind

    async def certificate(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        certificate = await asyncio.to_thread(self.authorities.certificate, kind)
        return web.Response(
            body=certificate.public_bytes(serialization.Encoding.DER), content_type=CERTIFICATE_TYPE
        )

    async def crl(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        der = await asyncio.to_thread(self.authorities.crl, kind, _now())
        return web.Response(body=der, content_type=CRL_TYPE, headers={"Cache-Control": "max-age=60"})

    async def ocsp_post(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        if request.content_length is not None and request.content_length > MAX_OCSP_REQUEST_BYTES:
            return _ocsp_answer(_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST))
        body = await request.read()  # bounded by the application's client_max_size
        if len(body) > MAX_OCSP_REQUEST_BYTES:
            return _ocsp_answer(_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST))
        return _ocsp_answer(await asyncio.to_thread(self._respond, kind, body))

    async def ocsp_get(self, request: web.Request) -> web.StreamResponse:
        kind = self._kind(request)
        request_der = _decode_get_request(request.match_info["request"])
        if request_der is None:
            return _ocsp_answer(_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST))
        return _ocsp_answer(await asyncio.to_thread(self._respond, kind, request_der))

    def _respond(self, kind: AuthorityKind, request_der: bytes) -> bytes:
        try:
            parsed = ocsp.load_der_ocsp_request(request_der)
            _ = parsed.hash_algorithm  # raises on an unsupported CertID hash
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        try:
            return self.authorities.ocsp_response(kind, request_der, _now())
        except Exception:
            log.exception("the %s authority could not answer an OCSP request", kind)
            return _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)


def _decode_get_request(text: str) -> bytes | None:
    """RFC 6960 A.1: the URL-encoded base64 of the DER request (URL-safe base64 tolerated too)."""
    cleaned = urllib.parse.unquote(text).strip().replace(" ", "+").replace("-", "+").replace("_", "/")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        decoded = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if 0 < len(decoded) <= MAX_OCSP_REQUEST_BYTES else None


def _ocsp_answer(der: bytes) -> web.Response:
    return web.Response(body=der, content_type=OCSP_RESPONSE_TYPE, headers={"Cache-Control": "no-store"})


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _now() -> datetime:
    return datetime.now(UTC)
