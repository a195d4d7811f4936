"""Where a certificate says its revocation status is published."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    """http(s) OCSP responder URLs from the AuthorityInformationAccess extension."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return _http_urls(
        d.access_location for d in access if d.access_method == AuthorityInformationAccessOID.OCSP
    )


def crl_urls(cert: x509.Certificate) -> list[str]:
    """http(s) URLs of the CRLDistributionPoints extension (full names only)."""
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return _http_urls(name for point in points if point.full_name for name in point.full_name)


def _http_urls(names: Iterable[x509.GeneralName]) -> list[str]:
    found: list[str] = []
    for name in names:
        if isinstance(name, x509.UniformResourceIdentifier):
            url = name.value
            if urllib.parse.urlsplit(url).scheme.lower() in ("http", "https"):
                found.append(url)
    return found
