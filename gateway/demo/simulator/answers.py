"""What a customs system answers to a message: the answer's type and its XML, built with the
sample builders (valid against the gateway's catalog).

NCTS2 allocates an MRN to a transit declaration (CC015C -> CC028C) and acknowledges anything
else (CC928C); EMCS PL2 validates an e-AD and gives it an ARC (IE815 -> IE801); AES allocates an
MRN to an export declaration (CC515C -> CC528C).  A share of the messages, ``reject_rate``, is
refused instead: CC056C in NCTS2, IE704 in EMCS PL2.

Every choice follows from the message's reference, so a message delivered twice gets the same
answer, with the same ``message_id``, which the gateway stores once.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from gateway.demo.samplegen import SampleParams, aes, build, emcspl2, ncts2

#: system -> (the declaration, its answer, the answer to anything else, the refusal or None)
ANSWERS: dict[str, tuple[str, str, str, str | None]] = {
    "NCTS2": ("CC015C", "CC028C", "CC928C", "CC056C"),
    # AES and EMCS PL2 have no acknowledgement of their own in the catalog: the declaration's
    # answer stands for one, carrying the MRN or ARC the message refers to
    "AES": ("CC515C", "CC528C", "CC528C", None),
    "EMCSPL2": ("IE815", "IE801", "IE801", "IE704"),
}
SYSTEMS = tuple(ANSWERS)
#: the longest LRN the schemas take
_LRN_MAX = 22


@dataclass(frozen=True, slots=True)
class Inbound:
    """What the simulator reads of a routed message: its AMQP properties and headers
    (SPEC.md section 3); the body itself is not parsed."""

    reference: str
    system: str
    message_type: str
    lrn: str | None = None
    arc: str | None = None
    acting_for: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    message_type: str
    body: bytes
    #: the AMQP message_id: the same for the same message, so a redelivery is stored once
    message_id: str
    #: the MRN or ARC the answer carries, for the log line
    identifier: str
    rejected: bool


def answer_for(message: Inbound, reject_rate: float, seed: int = 0, now: datetime | None = None) -> Answer:
    """The customs system's answer to ``message``; ``ValueError`` for a system it does not play."""
    try:
        declaration, accepted, acknowledged, refusal = ANSWERS[message.system]
    except KeyError:
        raise ValueError(f"no simulated customs system for {message.system!r}") from None
    rejected = refusal is not None and _share(message.reference, seed) < reject_rate
    if rejected:
        answer_type = str(refusal)
    else:
        answer_type = accepted if message.message_type == declaration else acknowledged
    params = SampleParams(
        message_id=_message_id(message.reference, answer_type),
        reference=_reference(message),
        prepared_at=(now or datetime.now(UTC)).replace(microsecond=0),
        seed=seed,
    )
    if message.acting_for:  # the trader the answer goes to
        params = replace(params, party=message.acting_for)
    return Answer(
        message_type=answer_type,
        body=build(answer_type, params),
        message_id=f"sim-{message.reference}-{answer_type}",
        identifier=_identifier(message.system, params),
        rejected=rejected,
    )


def _share(reference: str, seed: int) -> float:
    """A number in [0, 1) that is the same for the same reference and seed."""
    digest = hashlib.sha256(f"{seed}:{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _message_id(reference: str, answer_type: str) -> str:
    return "SIM" + hashlib.sha256(f"{reference}:{answer_type}".encode()).hexdigest()[:20].upper()


def _reference(message: Inbound) -> str:
    """The LRN (or ARC) the answer refers to; a message that carries none (an arrival
    notification carries only the MRN) gets one made from its reference."""
    if message.arc:
        return message.arc
    if message.lrn:
        return message.lrn[:_LRN_MAX]
    return re.sub(r"[^A-Za-z0-9]", "", message.reference)[:_LRN_MAX].upper()


def _identifier(system: str, params: SampleParams) -> str:
    if system == "EMCSPL2":
        return emcspl2.arc_for(params)
    if system == "AES":
        return aes.mrn_for(params)
    return ncts2.mrn_for(params)
