"""A validated revocation answer, and the freshness rules answers are judged by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509

from gateway.core.signature.model import RevocationEvidence, RevocationStatus, RevocationUnavailable


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old, or how far ahead of the clock, an answer may be."""

    #: an answer dated this far after the time asked about is refused (clocks differ a little)
    max_skew: timedelta = timedelta(minutes=5)
    #: how long an OCSP answer without nextUpdate counts as current
    default_validity: timedelta = timedelta(minutes=5)
    #: an OCSP answer that does not echo our nonce must be this recent, or it may be a replay
    nonce_free_window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Answer:
    """What an OCSP response or a CRL said about one certificate, after validation."""

    evidence: RevocationEvidence
    #: until when the answer is current: its nextUpdate, or thisUpdate + the default validity
    valid_until: datetime

    @property
    def starts(self) -> datetime:
        return self.evidence.this_update or self.evidence.checked_at

    def usable_at(self, at: datetime, max_skew: timedelta) -> bool:
        """Whether the answer speaks for the moment ``at`` (the time of receipt)."""
        return self.starts <= at + max_skew and at <= self.valid_until


class StatusUnknown(RevocationUnavailable):
    """The responder answered, validly, that it does not know the certificate: no CRL fallback (the
    CRL would say "not listed", i.e. wrongly good)."""


def status_of(revoked: bool, reason: x509.ReasonFlags | None) -> RevocationStatus:
    if not revoked:
        return RevocationStatus.GOOD
    if reason is x509.ReasonFlags.certificate_hold:
        return RevocationStatus.HOLD
    return RevocationStatus.REVOKED


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
