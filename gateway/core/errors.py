"""The one error tree of the gateway.

Every refusal is a :class:`GatewayError` subclass that carries its stable ``code`` and HTTP
``status`` on the class (the table of ``SPEC.md`` section 2).  Adapters translate the exceptions of
the libraries they wrap into this tree; :mod:`gateway.channels.http.problems` is the one place that turns
them into ``application/problem+json``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One finding, with its position in the received document where it has one."""

    code: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "path": self.path,
        }


class GatewayError(Exception):
    """Base of every refusal.  ``code`` and ``status`` are part of the external contract."""

    code: ClassVar[str] = "INTERNAL"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    #: Whether the document is worth keeping as ``rejected`` when this error refuses it.  Only
    #: content that could not be parsed (or must not be) is dropped.
    store_rejected: ClassVar[bool] = True
    #: Seconds for ``Retry-After`` on retryable errors.
    retry_after: ClassVar[int | None] = None

    def __init__(self, detail: str, errors: Iterable[ErrorDetail] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        found = tuple(errors)
        self.errors: tuple[ErrorDetail, ...] = found or (ErrorDetail(self.code, detail),)


# --- the HTTP exchange itself -----------------------------------------------------------------


class RequestError(GatewayError):
    """Refused before the document is looked at; nothing is stored."""

    store_rejected = False


class Unauthenticated(RequestError):
    code, status, title = "UNAUTHENTICATED", 401, "Authentication required"


class Forbidden(RequestError):
    code, status, title = "FORBIDDEN", 403, "Not allowed to read this"


class NotFound(RequestError):
    code, status, title = "NOT_FOUND", 404, "No such resource"


class PayloadTooLarge(RequestError):
    code, status, title = "PAYLOAD_TOO_LARGE", 413, "Payload too large"


class RequestTimeout(RequestError):
    """The request's body did not arrive whole within ``server.body_timeout_seconds``."""

    code, status, title = "REQUEST_TIMEOUT", 408, "Request not received in time"


class UnsupportedMediaType(RequestError):
    code, status, title = "UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported media type"


class BadRequest(RequestError):
    code, status, title = "BAD_REQUEST", 400, "Bad request"


class InvalidParameter(RequestError):
    """A path, query or form value that cannot be valid, or a body encoding that cannot be decoded."""

    code, status, title = "INVALID_PARAMETER", 400, "Invalid parameter"


class Unavailable(RequestError):
    """The database cannot be reached: nothing was stored."""

    code, status, title = "UNAVAILABLE", 503, "Service unavailable"
    retry_after = 5


class OutcomeUnknown(RequestError):
    """The connection was lost while committing: the document may have been stored.  Re-sending the
    same bytes tells which (the original receipt, or a new one)."""

    code, status, title = "OUTCOME_UNKNOWN", 503, "Outcome of the submission unknown"
    retry_after = 5


class RateLimited(RequestError):
    code, status, title = "RATE_LIMITED", 429, "Too many requests"
    retry_after = 1


# --- the document ----------------------------------------------------------------------------


class DocumentRejected(GatewayError):
    """The document was read and refused; it is stored as ``rejected`` unless it is unparseable."""


class XmlMalformed(DocumentRejected):
    code, status, title = "XML_MALFORMED", 400, "XML not well-formed"
    store_rejected = False


class XmlForbidden(DocumentRejected):
    code, status, title = "XML_FORBIDDEN", 400, "Forbidden XML construct"
    store_rejected = False


class SchemaUnknown(DocumentRejected):
    code, status, title = "SCHEMA_UNKNOWN", 422, "No schema for this message"


class SchemaNotInbound(DocumentRejected):
    code, status, title = "SCHEMA_NOT_INBOUND", 422, "Message type only flows from customs to traders"


class SchemaVersionInactive(DocumentRejected):
    code, status, title = "SCHEMA_VERSION_INACTIVE", 422, "Schema version not in force"


class SchemaInvalid(DocumentRejected):
    code, status, title = "SCHEMA_INVALID", 422, "Schema validation failed"


class SystemLegacyChannel(DocumentRejected):
    code, status, title = "SYSTEM_LEGACY_CHANNEL", 422, "Send this message through the legacy channel"


class TargetSystemMismatch(DocumentRejected):
    """The SEAP channel's ``targetSystems`` does not name the system the document belongs to."""

    code, status, title = "TARGET_SYSTEM_MISMATCH", 422, "Target system is not the document's system"


class SignatureMissing(DocumentRejected):
    code, status, title = "SIGNATURE_MISSING", 422, "Signature missing"


class SignatureInvalid(DocumentRejected):
    code, status, title = "SIGNATURE_INVALID", 422, "Signature does not verify"


class SignatureProfile(DocumentRejected):
    code, status, title = "SIGNATURE_PROFILE", 422, "Signature outside the accepted XAdES profile"


class CertUntrusted(DocumentRejected):
    code, status, title = "CERT_UNTRUSTED", 422, "Certificate not trusted"


class CertExpired(DocumentRejected):
    code, status, title = "CERT_EXPIRED", 422, "Certificate not valid at the time of receipt"


class CertRevoked(DocumentRejected):
    code, status, title = "CERT_REVOKED", 422, "Certificate revoked or suspended"


class CertStatusUnknown(DocumentRejected):
    code, status, title = "CERT_STATUS_UNKNOWN", 503, "Certificate status could not be obtained"
    retry_after = 30


class SignatureStale(DocumentRejected):
    code, status, title = "SIGNATURE_STALE", 422, "Signing time outside the freshness window"


class SignerUnknown(DocumentRejected):
    code, status, title = "SIGNER_UNKNOWN", 403, "Signer not registered"


class RightsDenied(DocumentRejected):
    code, status, title = "RIGHTS_DENIED", 403, "No representation for this party and system"


class SubmitterNotEntitled(DocumentRejected):
    code, status, title = "SUBMITTER_NOT_ENTITLED", 403, "Account may not submit this signer's signature"


class DuplicateConflict(DocumentRejected):
    code, status, title = "DUPLICATE_CONFLICT", 409, "Message identifier already used with other content"


class ApplicationRejected(DocumentRejected):
    """An officer rejected a registration application (SZPROT); shown in its receipt."""

    code, status, title = "APPLICATION_REJECTED", 422, "Application rejected by the customs office"


# --- registry administration (CLI and /api/v1/admin) ------------------------------------------


class RegistryError(RequestError):
    """A registry change that cannot be made as asked."""

    code, status, title = "REGISTRY_INVALID", 422, "Registry change not valid"


class RegistryConflict(RegistryError):
    code, status, title = "REGISTRY_CONFLICT", 409, "Registry entry exists already or is in use"


class RegistryNotFound(RegistryError):
    code, status, title = "REGISTRY_NOT_FOUND", 404, "No such registry entry"


class RegistryFieldExternal(RegistryError):
    code, status, title = "REGISTRY_FIELD_EXTERNAL", 409, "Field comes from KRS or CEiDG"


def error_classes() -> list[type[GatewayError]]:
    """Every concrete error class, for the completeness tests and the docs."""
    found: list[type[GatewayError]] = []
    pending: list[type[GatewayError]] = [GatewayError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.code != "INTERNAL" and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: c.code)


@functools.cache
def _by_code() -> dict[str, type[GatewayError]]:
    return {cls.code: cls for cls in error_classes()}


def error_class_for(code: str) -> type[GatewayError]:
    """The class of a stable code (``KeyError`` for a code the tree does not have)."""
    return _by_code()[code]
