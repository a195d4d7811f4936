"""The signxml-based verifier as the oracle the gateway's own verifier is held to."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography import x509

from gateway.core.signature.profile import Algorithms, SignatureParts
from gateway.core.signature.xades import VerifiedXades, verify_xades
from gateway.core.validation.parsing import ParsedDocument


def signxml_engine(
    parsed: ParsedDocument,
    parts: SignatureParts,
    signer: x509.Certificate,
    others: tuple[x509.Certificate, ...],
    algorithms: Algorithms,
    received_at: datetime,
    max_skew: timedelta,
) -> VerifiedXades:
    """What the signature stage ran before it verified on its own tree: signxml's ``XAdESVerifier``
    over the received bytes (which it parses again), the document it hands on parsed from the
    verified bytes."""
    return verify_xades(parsed.body, parts, signer, others, algorithms, received_at, max_skew)
