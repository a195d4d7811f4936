"""Values shared by the signature stage's parts: trust, identity and revocation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cryptography import x509

from gateway.core.timefmt import parse_rfc3339


class SignerKind(StrEnum):
    SC = "sc"
    QUALIFIED = "qualified"
    EPUAP = "epuap"
    CBTD = "cbtd"


class RevocationStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    #: suspended (certificateHold): refused like a revocation, but may be lifted
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class RevocationEvidence:
    """What a revocation check relied on; shown in receipts."""

    status: RevocationStatus
    source: str  # "ocsp" | "crl"
    location: str  # the URL asked, or "local:<kind>" for the gateway's own demo PKI
    checked_at: datetime
    this_update: datetime | None = None
    next_update: datetime | None = None
    revoked_at: datetime | None = None
    reason: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RevocationEvidence:
        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return parse_rfc3339(str(value)) if value else None

        checked_at = moment("checked_at")
        assert checked_at is not None
        return cls(
            status=RevocationStatus(str(data["status"])),
            source=str(data["source"]),
            location=str(data["location"]),
            checked_at=checked_at,
            this_update=moment("this_update"),
            next_update=moment("next_update"),
            revoked_at=moment("revoked_at"),
            reason=str(data["reason"]) if data.get("reason") else None,
        )

    def as_dict(self) -> dict[str, object]:
        def moment(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "status": str(self.status),
            "source": self.source,
            "location": self.location,
            "checked_at": moment(self.checked_at),
            "this_update": moment(self.this_update),
            "next_update": moment(self.next_update),
            "revoked_at": moment(self.revoked_at),
            "reason": self.reason,
        }


class RevocationUnavailable(Exception):
    """No fresh answer that could be trusted: the responder or the CRL is away, stale or forged."""


#: a certificate and the certificate of its issuer
CertificatePair = tuple[x509.Certificate, x509.Certificate]


class RevocationNeeded(Exception):
    """Not a refusal: the checks need revocation statuses that are not at hand (never asked, expired,
    or the authority's records changed) and do not wait for the network.  The caller obtains them
    (:meth:`gateway.adapters.revocation.RevocationStatuses.settle`) and runs the checks again."""

    def __init__(self, pairs: Sequence[CertificatePair], at: datetime) -> None:
        super().__init__(f"the revocation status of {len(pairs)} certificate(s) is not at hand")
        self.pairs = tuple(pairs)
        #: the moment the statuses must speak for (the time of receipt)
        self.at = at
