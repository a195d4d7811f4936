"""Registry administration: one service per part of the registry, each change made through the
audit trail with its actor (``gateway registry ...`` and ``/api/v1/admin``; the operation table is
:mod:`gateway.channels.operations`).  The calling account's own view and linking are
:mod:`gateway.services.accounts`."""
