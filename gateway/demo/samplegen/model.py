"""What a sample message builder is given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class SampleParams:
    #: goods items (1..999); scales the message
    items: int = 1
    #: extra characters of free text per goods item, to reach a size between two item counts
    filler: int = 0
    message_id: str = "MSG00000000000000001"
    #: LRN (NCTS2, AES) or ARC / local reference number (EMCS PL2)
    reference: str = "24PL000000000000001"
    #: the principal party: holder (NCTS2), declarant (AES) or consignor / consignee excise number (EMCS)
    party: str = "PL1234567890000"
    #: a representative (customs agency) acting for the party, when there is one
    representative: str | None = None
    prepared_at: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 30, tzinfo=UTC))
    seed: int = 0


#: builds the message's UTF-8 bytes: XML declaration, one element per line, no signature
Builder = Callable[[SampleParams], bytes]
