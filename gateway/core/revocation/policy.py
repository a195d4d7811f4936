"""What a revocation status means for the verdict, and what a missing one does under the signer
kind's policy: ``hard`` refuses (CERT_STATUS_UNKNOWN, retry later), ``soft`` accepts with a warning,
``none`` does not ask."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gateway.config import SignatureSettings
from gateway.core.errors import CertRevoked, CertStatusUnknown
from gateway.core.signature.model import RevocationEvidence, RevocationStatus, SignerKind


class RevocationPolicy(StrEnum):
    HARD = "hard"  # no answer: CERT_STATUS_UNKNOWN (503, retry later)
    SOFT = "soft"  # no answer: accepted, with a warning
    NONE = "none"  # not asked (the ePUAP seal: ePUAP vouches for the person)


def revocation_policy(settings: SignatureSettings, kind: SignerKind) -> RevocationPolicy:
    """The configured policy for signers of ``kind`` (``signature.revocation_<kind>``)."""
    value = str(getattr(settings, f"revocation_{kind.value}")).strip().lower()
    try:
        return RevocationPolicy(value)
    except ValueError:
        raise ValueError(
            f"signature.revocation_{kind.value} must be hard, soft or none, not {value!r}"
        ) from None


def when_unavailable(policy: str, role: str, reason: str) -> tuple[str, ...]:
    """No trustworthy status of the ``role`` certificate could be had (``reason``): the warning a
    ``soft`` policy accepts with; a ``hard`` one refuses."""
    if policy == RevocationPolicy.SOFT:
        return (f"REVOCATION_UNCHECKED: the {role}'s status could not be obtained ({reason})",)
    raise CertStatusUnknown(f"the {role}'s revocation status could not be obtained: {reason}")


def judge(evidence: RevocationEvidence, role: str, at: datetime) -> tuple[str, ...]:
    """The warnings a status gives for a message received ``at``; refuses a certificate revoked or
    suspended by then."""
    if evidence.status is RevocationStatus.GOOD:
        return ()
    if evidence.revoked_at is not None and evidence.revoked_at > at:
        # revoked after the message arrived: it was signed and received while still good
        return (f"CERT_REVOKED_LATER: the {role} was revoked at {evidence.revoked_at.isoformat()}",)
    what = "suspended (certificateHold)" if evidence.status is RevocationStatus.HOLD else "revoked"
    when = f" since {evidence.revoked_at.isoformat()}" if evidence.revoked_at else ""
    raise CertRevoked(f"the {role} is {what}{when} ({evidence.source}: {evidence.location})")
