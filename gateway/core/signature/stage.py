"""The signature stage: what the pipeline calls between XSD validation and the envelope.

    locate the one signature (profile) -> signing certificate -> key -> chain and kind (trust)
    -> signxml verification -> signer's identity -> revocation

It hands on :class:`SignedContent`: the document parsed from the verified bytes, and who signed
it.  The stages after it read business data from ``SignedContent.root`` only.

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
from gateway.core.signature.profile import Algorithms, locate_signature
from gateway.core.signature.trust import TrustAnchors, TrustedChain, build_chain, check_key
from gateway.core.signature.xades import signing_certificate, verify_xades
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
    def __init__(self, policy: SignaturePolicy, revocation: RevocationLookup | None) -> None:
        self._policy = policy
        self._revocation = revocation

    @property
    def policy(self) -> SignaturePolicy:
        return self._policy

    def verify(self, parsed: ParsedDocument, schema: MessageSchema, received_at: datetime) -> SignedContent:
        try:
            return self._verify(parsed, received_at)
        except (DocumentRejected, RevocationNeeded):
            raise
        except Exception as exc:
            # The libraries below (signxml, cryptography, asn1crypto, lxml) have many ways to object
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
        verified = verify_xades(
            parsed.body, parts, signer, others, policy.algorithms, received_at, policy.max_skew
        )
        person = person_of(chain.kind, signer, verified.signed_signature_properties)
        evidence, warnings = self._revocation_status(chain, received_at)
        if chain.kind is SignerKind.CBTD:
            warnings += (
                f"CBTD_KEY_EXPIRES: this CBTD key expires on {signer.not_valid_after_utc.date().isoformat()} "
                "and will not be renewed; get a (free) SC certificate from the customs administration",
            )
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
