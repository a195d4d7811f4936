"""The frozen values that flow through the pipeline and out in receipts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from gateway.core.errors import ErrorDetail
from gateway.core.registry.model import Application, Decision
from gateway.core.signature.model import RevocationEvidence

INBOUND_EXCHANGE = "sisc.inbound"
OUTBOUND_EXCHANGE = "sisc.outbound"
DEAD_LETTER_EXCHANGE = "sisc.dlx"
DEAD_LETTER_QUEUE = "sisc.dead"
RESPONSES_QUEUE = "gateway.responses"
#: the systems whose messages are routed to a queue
SYSTEMS = ("NCTS2", "AES", "EMCSPL2")
#: registration applications to the e-Klient SC registry: stored for an officer, never routed
REGISTRY_SYSTEM = "SZPROT"


def inbound_queue(system: str) -> str:
    """The queue a system's inbound messages land in (bound with ``<SYSTEM>.#``)."""
    return f"{system}.inbound"


class Status(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ROUTED = "routed"
    #: accepted, but routing failed past the retry cap (a dead letter of the outbox); an operator
    #: re-queues it (``gateway outbox requeue``)
    UNDELIVERABLE = "undeliverable"
    #: a registration application (SZPROT) waiting for an officer's decision
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Sender:
    """The PUESC account that posted the document (from its API token)."""

    account_id: int
    login: str
    #: operators may call the registry administration API
    operator: bool = False


@dataclass(frozen=True, slots=True)
class Submission:
    body: bytes
    sender: Sender
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Signer:
    kind: str  # sc | qualified | epuap | cbtd
    #: ID SISC once the registry knows the person; until then what the signature carries
    person: str
    certificate: str  # SHA-256 fingerprint
    #: the identifier the signature itself carries (certificate or PodpisZP) and its scheme
    identifier: str | None = None
    scheme: str | None = None  # PESEL | NIP | CN
    issuer: str | None = None  # RFC 4514
    serial: str | None = None  # upper-case hex

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "person": self.person,
            "certificate": self.certificate,
            "identifier": self.identifier,
            "scheme": self.scheme,
            "issuer": self.issuer,
            "serial": self.serial,
        }


@dataclass(frozen=True, slots=True)
class Route:
    exchange: str
    routing_key: str

    @classmethod
    def inbound(cls, system: str, message_type: str) -> Route:
        return cls(INBOUND_EXCHANGE, f"{system}.{message_type}")

    def as_dict(self) -> dict[str, str]:
        return {"exchange": self.exchange, "routing_key": self.routing_key}


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the gateway knows of a message, read from the verified content."""

    system: str
    message_type: str
    schema_version: str
    message_id: str
    lrn: str | None
    arc: str | None
    acting_for: str | None
    acting_role: str | None


@dataclass(frozen=True, slots=True)
class Identification:
    """What could be learnt of a document before it was refused (for rejected receipts)."""

    system: str | None = None
    message_type: str | None = None
    schema_version: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of the checks of one document; nothing stored yet."""

    digest: str
    identification: Identification
    envelope: Envelope | None = None
    signer: Signer | None = None
    #: what the revocation check of the signing certificate relied on
    revocation: RevocationEvidence | None = None
    route: Route | None = None
    warnings: tuple[str, ...] = ()
    errors: tuple[ErrorDetail, ...] = ()
    #: the code of the refusal, None when accepted
    refusal: str | None = None
    #: False for documents that must not be kept (unparseable, or forbidden constructs)
    storable: bool = True
    #: the rights check's decision (set after the registry was asked)
    rights: Decision | None = None
    #: a registration application's content (SZPROT), read from the verified content
    application: Application | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class Receipt:
    """A stored document's answer: the receipt JSON of SPEC.md section 2."""

    reference: str
    status: Status
    received_at: datetime
    verdict: Verdict
    responses: tuple[dict[str, object], ...] = field(default=())
    #: the recorded rights decision (``Decision.as_dict``)
    rights: Mapping[str, object] | None = None

    @property
    def representation(self) -> str | None:
        """The id of the representation that allowed it; None where none was needed."""
        value = self.rights.get("representation") if self.rights else None
        return str(value) if value is not None else None
