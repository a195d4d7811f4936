"""Offline verification of a receipt: what ``gateway upo verify`` runs.

The receipt must be valid under gateway/schemas/receipts, carry one XAdES signature of the gateway's profile
made by a pinned certificate that was valid when it signed, and, given the document it answers,
state that document's SHA-256.  Everything reported is read from the tree the signature verified,
never from the bytes around it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from cryptography import x509
from lxml import etree

from gateway.core.errors import GatewayError, SignatureProfile
from gateway.core.receipts.document import RECEIPTS_SCHEMA, ReceiptKind
from gateway.core.signature.profile import NS, Algorithms, locate_signature
from gateway.core.signature.xades import signing_certificate, signing_time_of, verify_xades
from gateway.core.xmldsig.glue import parse
from gateway.core.xmldsig.keys import fingerprint

#: a receipt signed this far in the future of the verifier's clock is still taken (clock drift)
CLOCK_SKEW = timedelta(minutes=5)


class Failure(StrEnum):
    MALFORMED = "RECEIPT_MALFORMED"  # not XML, or not a receipt under the schema
    SIGNATURE = "RECEIPT_SIGNATURE_INVALID"  # missing, outside the profile, or does not verify
    UNTRUSTED = "RECEIPT_SIGNER_UNTRUSTED"  # signed, but not by the pinned gateway certificate
    DIGEST = "RECEIPT_DIGEST_MISMATCH"  # the document given is not the one the receipt answers


class ReceiptNotVerified(ValueError):
    def __init__(self, failure: Failure, message: str) -> None:
        super().__init__(f"{failure}: {message}")
        self.failure = failure
        self.message = message


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    kind: ReceiptKind
    reference: str | None
    status: str
    digest: str  # sha256:<hex> of the document it answers
    signed_at: datetime
    signer: x509.Certificate
    #: None when no document was given to compare
    document_matches: bool | None

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": True,
            "kind": str(self.kind),
            "reference": self.reference,
            "status": self.status,
            "digest": self.digest,
            "signed_at": self.signed_at.isoformat(),
            "signer": {
                "subject": self.signer.subject.rfc4514_string(),
                "fingerprint": fingerprint(self.signer),
            },
            "document_matches": self.document_matches,
        }


@cache
def receipts_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(RECEIPTS_SCHEMA)))


def verify_receipt(
    receipt: bytes,
    trusted: Sequence[x509.Certificate],
    document: bytes | None = None,
    *,
    now: datetime | None = None,
) -> VerifiedReceipt:
    """The verified receipt, or ``ReceiptNotVerified`` saying what is wrong."""
    if not trusted:
        raise ValueError("no gateway certificate to verify against")
    now = now or datetime.now(UTC)
    try:
        root = parse(receipt)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ReceiptNotVerified(Failure.MALFORMED, f"not a well-formed receipt: {exc}") from None
    schema = receipts_schema()
    if not schema.validate(root):
        log: Iterable[Any] = schema.error_log  # type: ignore[assignment]  # lxml-stubs lack __iter__
        first = next(iter(log))
        raise ReceiptNotVerified(Failure.MALFORMED, f"line {first.line}: {first.message}")
    algorithms = Algorithms.for_profile(legacy_sha1=False)
    try:
        parts = locate_signature(root, algorithms)
        signer, others = signing_certificate(parts, algorithms)
        _check_trusted(signer, trusted)
        # The certificate is judged when the receipt was signed, not now: a receipt stays valid
        # after the gateway's certificate has expired, as an archived receipt must.
        signed_at = signing_time_of(_signed_signature_properties(parts.signature))
        if signed_at > now + CLOCK_SKEW:
            raise ReceiptNotVerified(Failure.SIGNATURE, f"signed in the future ({signed_at.isoformat()})")
        verified = verify_xades(receipt, parts, signer, others, algorithms, signed_at, timedelta(0))
    except GatewayError as exc:
        raise ReceiptNotVerified(Failure.SIGNATURE, exc.detail) from None
    signed = verified.signed_root
    digest_element = signed.find("Document/Digest")
    assert digest_element is not None  # the schema requires it, and the signed tree is the same
    digest = f"{digest_element.get('algorithm')}:{digest_element.text}"
    matches = None
    if document is not None:
        matches = "sha256:" + hashlib.sha256(document).hexdigest() == digest
        if not matches:
            raise ReceiptNotVerified(
                Failure.DIGEST, f"the document's SHA-256 is not the {digest} the receipt states"
            )
    return VerifiedReceipt(
        kind=ReceiptKind(etree.QName(signed).localname),
        reference=signed.findtext("Reference"),
        status=signed.findtext("Status", default=""),
        digest=digest,
        signed_at=verified.signing_time,
        signer=signer,
        document_matches=matches,
    )


def _check_trusted(signer: x509.Certificate, trusted: Sequence[x509.Certificate]) -> None:
    # Exactly a pinned certificate, never "issued by" one: the customs CA that issues the
    # gateway's certificate issues traders' certificates too, and those must not sign receipts.
    if any(signer == pinned for pinned in trusted):
        return
    raise ReceiptNotVerified(
        Failure.UNTRUSTED,
        f"signed by {signer.subject.rfc4514_string()} ({fingerprint(signer)}), "
        "which is not one of the gateway certificates given",
    )


def _signed_signature_properties(signature: etree._Element) -> etree._Element:
    found = signature.find(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties", NS
    )
    if found is None:
        raise SignatureProfile("the signature has no SignedSignatureProperties")
    return found
