"""A signature stand-in for unit tests of the other stages; signing goes through samplegen."""

from __future__ import annotations

from datetime import datetime

from gateway.core.domain import Signer
from gateway.core.signature.stage import SignedContent
from gateway.core.validation.catalog import MessageSchema
from gateway.core.validation.parsing import ParsedDocument
from gateway.demo.samplegen.signing import sample_signer, sign_sample

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
