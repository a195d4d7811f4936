"""The signature stage's contract with the pipeline.

Whatever verifies signatures hands the pipeline a :class:`SignedContent`: the part of the document
the signature covers, parsed from the verified bytes, and who signed it.  The stages after it read
business data from ``SignedContent.root`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lxml import etree

from gateway.domain import Signer
from gateway.validation.catalog import MessageSchema
from gateway.validation.parsing import ParsedDocument


@dataclass(frozen=True, slots=True)
class SignedContent:
    root: etree._Element
    signer: Signer | None
    warnings: tuple[str, ...] = ()


class SignatureStage(Protocol):
    def verify(
        self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime
    ) -> SignedContent: ...


class SignaturesNotVerified:
    """Passes the whole document on, unverified, and says so in every receipt.

    The stand-in until XAdES verification is configured: the pipeline keeps its shape, and nobody
    can mistake an unverified receipt for a verified one.
    """

    WARNING = "SIGNATURE_NOT_VERIFIED: this gateway does not verify signatures yet"

    def verify(self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime) -> SignedContent:
        return SignedContent(root=parsed.root, signer=None, warnings=(self.WARNING,))
