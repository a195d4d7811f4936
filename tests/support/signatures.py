"""A signature stand-in for unit tests of the other stages; signing goes through samplegen."""

from __future__ import annotations

from datetime import datetime

from gateway.domain import Signer
from gateway.samplegen.signing import sample_signer, sign_sample
from gateway.signature.stage import SignedContent
from gateway.validation.catalog import MessageSchema
from gateway.validation.parsing import ParsedDocument

__all__ = ["PassThroughSignatures", "sample_signer", "sign_sample", "signed"]


class PassThroughSignatures:
    """Hands the whole document on as if it were signed by a fixed signer: for stage unit tests."""

    SIGNER = Signer("sc", "44051401359", "00" * 32, identifier="44051401359", scheme="PESEL")
    WARNING = "TEST: signature not verified"

    def verify(self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime) -> SignedContent:
        return SignedContent(root=parsed.root, signer=self.SIGNER, warnings=(self.WARNING,))


def signed(body: bytes, role: str = "sc-person") -> bytes:
    """``body`` signed now by the samples' test certificate of ``role``."""
    return sign_sample(body, role)
