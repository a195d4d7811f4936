"""Revocation statuses off the request path: fetched with the event loop's HTTP client (``fetch``),
asked of in-process authorities, OCSP responders or CRLs (``sources``), kept and renewed
(``cache``, ``statuses``).  The validation itself is pure: :mod:`gateway.core.revocation`."""

from gateway.adapters.revocation.sources import LocalStatusSource
from gateway.adapters.revocation.statuses import RevocationStatuses

__all__ = ["LocalStatusSource", "RevocationStatuses"]
