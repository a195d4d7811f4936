"""The signature stage: what the pipeline calls between XSD validation and the envelope.

    locate the one signature (profile) -> signing certificate -> key -> chain and kind (trust)
    -> verification on the parsed tree -> the signature's Objects (profile) -> signer's identity
    -> revocation -> the signature taken out of the tree

It hands on :class:`SignedContent`: the document as the signature covers it, and who signed it.
The one reference to the document is ``URI=""`` with the enveloped-signature transform, so what is
signed is the received tree without its ``ds:Signature`` (the profile refuses the comments that the
reference would leave out).  Once everything is checked the stage takes the signature out of the
parsed tree, keeping the text around it, and hands on that tree: the stages after it read business
data from ``SignedContent.root`` only, and no path from it leads into the unsigned parts of the
signature.  A refused document's tree is left as it was.

Revocation statuses are looked up, never fetched here: when one is not at hand the stage raises
:class:`RevocationNeeded` naming the certificates, and the caller obtains them and runs it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree

from gateway.core.domain import Signer
from gateway.core.errors import DocumentRejected, SignatureProfile
from gateway.core.revocation.policy import RevocationPolicy, judge, when_unavailable
from gateway.core.signature.identity import Person, person_of
from gateway.core.signature.model import (
    CertificatePair,
    RevocationEvidence,
    RevocationNeeded,
    RevocationUnavailable,
    SignerKind,
)
from gateway.core.signature.profile import Algorithms, SignatureParts, check_objects, locate_signature
from gateway.core.signature.trust import TrustAnchors, TrustedChain, build_chain, check_key
from gateway.core.signature.verifier import verify_tree
from gateway.core.signature.xades import VerifiedXades, signing_certificate
from gateway.core.validation.catalog import MessageSchema
from gateway.core.validation.parsing import ParsedDocument


@dataclass(frozen=True, slots=True)
class SignedContent:
    root: etree._Element
    signer: Signer | None
    warnings: tuple[str, ...] = ()
    revocation: RevocationEvidence | None = None


class SignatureStage(Protocol):
    def verify(
        self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime
    ) -> SignedContent: ...


class XadesEngine(Protocol):
    """Verifies the located signature with the chosen certificate: :func:`verify_tree` in the
    gateway; the signxml-based one is kept for the differential test."""

    def __call__(
        self,
        parsed: ParsedDocument,
        parts: SignatureParts,
        signer: x509.Certificate,
        others: tuple[x509.Certificate, ...],
        algorithms: Algorithms,
        received_at: datetime,
        max_skew: timedelta,
    ) -> VerifiedXades: ...


class RevocationLookup(Protocol):
    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        """The status at hand for ``at``, without waiting for anything: raises
        :class:`RevocationNeeded` when none is at hand, :class:`RevocationUnavailable` when none
        could be had."""
        ...


#: how the certificates of a chain are named in refusals and warnings
ROLES = ("signing certificate", "issuing CA of the signing certificate")


@dataclass(frozen=True, slots=True)
class SignaturePolicy:
    algorithms: Algorithms
    anchors: TrustAnchors
    revocation: Mapping[SignerKind, RevocationPolicy] = field(default_factory=dict)
    max_skew: timedelta = timedelta(minutes=5)


class XadesVerification:
    def __init__(
        self, policy: SignaturePolicy, revocation: RevocationLookup | None, engine: XadesEngine = verify_tree
    ) -> None:
        self._policy = policy
        self._revocation = revocation
        self._engine = engine

    @property
    def policy(self) -> SignaturePolicy:
        return self._policy

    def with_engine(self, engine: XadesEngine) -> XadesVerification:
        """The same policy and revocation source with another verifier (the differential test's)."""
        return XadesVerification(self._policy, self._revocation, engine)

    def verify(self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime) -> SignedContent:
        try:
            return self._verify(parsed, received_at)
        except (DocumentRejected, RevocationNeeded):
            raise
        except Exception as exc:
            # The libraries below (cryptography, asn1crypto, lxml) have many ways to object
            # to malformed input; whatever escapes the specific translations is a malformed signature.
            raise SignatureProfile(
                f"the signature cannot be processed: {type(exc).__name__}: {exc}"
            ) from None

    def _verify(self, parsed: ParsedDocument, received_at: datetime) -> SignedContent:
        policy = self._policy
        parts = locate_signature(parsed.root, policy.algorithms)
        signer, others = signing_certificate(parts, policy.algorithms)
        check_key(signer)
        chain = build_chain(signer, others, policy.anchors, received_at)
        verified = self._engine(
            parsed, parts, signer, others, policy.algorithms, received_at, policy.max_skew
        )
        check_objects(parts)
        person = person_of(chain.kind, signer, verified.signed_signature_properties)
        evidence, warnings = self._revocation_status(chain, received_at)
        if chain.kind is SignerKind.CBTD:
            warnings += (
                f"CBTD_KEY_EXPIRES: this CBTD key expires on {signer.not_valid_after_utc.date().isoformat()} "
                "and will not be renewed; get a (free) SC certificate from the customs administration",
            )
        take_out_signature(parts.signature)
        return SignedContent(
            root=verified.signed_root,
            signer=signer_of(chain.kind, person, signer),
            warnings=warnings,
            revocation=evidence,
        )

    def _revocation_status(
        self, chain: TrustedChain, at: datetime
    ) -> tuple[RevocationEvidence | None, tuple[str, ...]]:
        """Every certificate of the chain below its anchor, the signing certificate first; what the
        signing certificate's check relied on is the evidence shown in the receipt.  Statuses not at
        hand are all asked for at once (:class:`RevocationNeeded`); until they are, no certificate
        after the first missing one decides anything."""
        policy = self._policy.revocation.get(chain.kind, RevocationPolicy.HARD)
        if policy == RevocationPolicy.NONE:
            return None, ()
        pairs = zip(chain.certificates[:-1], chain.certificates[1:], strict=True)
        needed: list[CertificatePair] = []
        found: list[RevocationEvidence | None] = []
        warnings: list[str] = []
        for index, (certificate, issuer) in enumerate(pairs):
            role = ROLES[min(index, 1)]
            try:
                evidence = self._status(certificate, issuer, at)
            except RevocationNeeded as missing:
                needed.extend(missing.pairs)
                continue
            except RevocationUnavailable as exc:
                if not needed:
                    warnings.extend(when_unavailable(policy, role, str(exc)))
                    found.append(None)
                continue
            if not needed:
                warnings.extend(judge(evidence, role, at))
                found.append(evidence)
        if needed:
            raise RevocationNeeded(needed, at)
        return (found[0] if found else None), tuple(warnings)

    def _status(
        self, certificate: x509.Certificate, issuer: x509.Certificate, at: datetime
    ) -> RevocationEvidence:
        if self._revocation is None:
            raise RevocationUnavailable("no revocation checking is configured")
        return self._revocation.status(certificate, issuer, at=at)


def take_out_signature(signature: etree._Element) -> None:
    """Removes the verified ``signature`` from its tree as the enveloped-signature transform does:
    the text after it stays where it was (lxml would take it along with the element)."""
    parent = signature.getparent()
    if parent is None:
        return
    if signature.tail:
        before = signature.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
        signature.tail = None
    parent.remove(signature)


def signer_of(kind: SignerKind, person: Person, certificate: x509.Certificate) -> Signer:
    return Signer(
        kind=kind.value,
        person=person.identifier,
        certificate=certificate.fingerprint(hashes.SHA256()).hex(),
        identifier=person.identifier if person.scheme != "CN" else None,
        scheme=person.scheme,
        issuer=certificate.issuer.rfc4514_string(),
        serial=f"{certificate.serial_number:X}",
    )
