"""Revocation status, the pure part: OCSP requests built and answers validated, CRLs validated and
read, and what the per-kind policy makes of a missing status.  Bytes and certificates in, answers out:
the fetching, caching and refreshing are the adapter's (:mod:`gateway.adapters.revocation`)."""
