"""Which error codes each call can answer, derived from the one error tree (gateway/core/errors.py):
a class added to the tree under ``DocumentRejected`` or ``RegistryError`` is described at once."""

from __future__ import annotations

from gateway.core.errors import (
    ApplicationRejected,
    BadRequest,
    DocumentRejected,
    Forbidden,
    GatewayError,
    InvalidParameter,
    NotFound,
    OutcomeUnknown,
    PayloadTooLarge,
    RateLimited,
    RegistryError,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
    error_classes,
)

Errors = tuple[type[GatewayError], ...]


def _subtree(root: type[GatewayError]) -> Errors:
    return tuple(cls for cls in error_classes() if issubclass(cls, root))


#: what a submission can be refused with: every document refusal but the officer's rejection of
#: an application, which only a later receipt states
DOCUMENT_REFUSALS: Errors = tuple(cls for cls in _subtree(DocumentRejected) if cls is not ApplicationRejected)
REGISTRY_ERRORS: Errors = _subtree(RegistryError)

#: every call that reads the database may find it away
_SIGNED_IN: Errors = (Unauthenticated, Unavailable)

SUBMIT: Errors = (
    *_SIGNED_IN,
    UnsupportedMediaType,
    PayloadTooLarge,
    InvalidParameter,
    OutcomeUnknown,
    RateLimited,
    *DOCUMENT_REFUSALS,
)
READ_ONE: Errors = (*_SIGNED_IN, Forbidden, NotFound, InvalidParameter)
READ_LIST: Errors = (*_SIGNED_IN, BadRequest, InvalidParameter)
MAILBOX_ONE: Errors = READ_ONE
ME: Errors = _SIGNED_IN
LINK: Errors = (*_SIGNED_IN, BadRequest, InvalidParameter, *REGISTRY_ERRORS)
ADMIN: Errors = (*_SIGNED_IN, Forbidden, BadRequest, InvalidParameter, *REGISTRY_ERRORS)
ADMIN_WITH_BODY: Errors = (*ADMIN, UnsupportedMediaType)

#: the statuses at which a submission asked for its receipt as XML answers with the NPP
NPP_STATUSES = frozenset(cls.status for cls in DOCUMENT_REFUSALS)
