"""The registry's tables, one store per aggregate: ``accounts`` (accounts and API tokens),
``persons`` (persons and their credentials), ``podmioty`` (Podmioty and their identifiers),
``representations``, ``applications`` (SZPROT registration applications) and ``audit`` (the audit
trail, through which every change is made).

The stores read and write inside a transaction the calling service opens
(:class:`~gateway.adapters.storage.registry.audit.AuditTrail`), so that one use case that touches
several aggregates commits as one.  The rights check's query is
:mod:`gateway.adapters.storage.registry_lookup`.
"""
