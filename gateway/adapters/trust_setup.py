"""Builds the signature stage from the configuration: anchors, trusted list, revocation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from lxml import etree

from gateway.adapters.revocation import LocalStatusSource, RevocationStatuses
from gateway.config import SignatureSettings
from gateway.core.revocation.policy import RevocationPolicy, revocation_policy
from gateway.core.signature.model import SignerKind
from gateway.core.signature.profile import Algorithms
from gateway.core.signature.stage import RevocationLookup, SignaturePolicy, XadesVerification
from gateway.core.signature.trust import TrustAnchors, load_certificates
from gateway.core.signature.trusted_list import TSL_NS, TrustedListError, read_trusted_list
from gateway.core.timefmt import parse_rfc3339


class SignatureSetupError(Exception):
    """The configured trust cannot be loaded: a start-up failure."""


@dataclass(frozen=True, slots=True)
class TrustContribution:
    """Trust added to what the settings configure (by an extension: the demo PKI)."""

    anchors: Mapping[SignerKind, tuple[x509.Certificate, ...]] = field(default_factory=dict)
    #: ETSI TS 119 612 lists naming qualified CAs, each with the certificate that must have signed it
    trusted_lists: tuple[tuple[Path, x509.Certificate], ...] = ()
    #: authorities answered in-process instead of over the network
    local_status: LocalStatusSource | None = None


def build_revocation(
    settings: SignatureSettings, contributions: Sequence[TrustContribution] = ()
) -> RevocationStatuses:
    """The revocation statuses as configured, asking in-process the authorities extensions add."""
    local: LocalStatusSource | None = None
    for contribution in contributions:
        local = contribution.local_status or local
    try:
        return RevocationStatuses.from_settings(settings, local=local)
    except ValueError as exc:
        raise SignatureSetupError(str(exc)) from None


def build_signature_stage(
    settings: SignatureSettings,
    revocation: RevocationLookup | None,
    now: datetime | None = None,
    contributions: Sequence[TrustContribution] = (),
) -> XadesVerification:
    """The stage as configured, plus what extensions (the demo PKI) contribute, looking revocation
    statuses up in ``revocation``."""
    now = now or datetime.now(UTC)
    anchors: dict[SignerKind, list[x509.Certificate]] = {kind: [] for kind in SignerKind}
    anchors[SignerKind.SC].extend(load_certificates(settings.sc_anchors))
    anchors[SignerKind.EPUAP].extend(load_certificates(settings.epuap_anchors))
    anchors[SignerKind.CBTD].extend(load_certificates(settings.cbtd_anchors))
    for contribution in contributions:
        for kind, certificates in contribution.anchors.items():
            anchors[kind].extend(certificates)
        for trusted_list, signer in contribution.trusted_lists:
            anchors[SignerKind.QUALIFIED].extend(_qualified_cas(trusted_list, signer, now))
    if settings.trusted_list is not None:
        if settings.trusted_list_signer is None:
            raise SignatureSetupError("signature.trusted_list needs signature.trusted_list_signer")
        signers = load_certificates([settings.trusted_list_signer])
        if len(signers) != 1:
            raise SignatureSetupError("signature.trusted_list_signer must hold exactly one certificate")
        anchors[SignerKind.QUALIFIED].extend(_qualified_cas(settings.trusted_list, signers[0], now))
    _refuse_shared_anchors(anchors)
    try:
        policies: dict[SignerKind, RevocationPolicy] = {
            kind: revocation_policy(settings, kind) for kind in SignerKind
        }
    except ValueError as exc:
        raise SignatureSetupError(str(exc)) from None
    try:
        cutoff = parse_rfc3339(settings.cbtd_cutoff)
    except ValueError:
        raise SignatureSetupError(
            f"signature.cbtd_cutoff {settings.cbtd_cutoff!r} is not a date-time"
        ) from None
    policy = SignaturePolicy(
        algorithms=Algorithms.for_profile(settings.legacy_sha1),
        anchors=TrustAnchors(
            by_kind={kind: tuple(found) for kind, found in anchors.items()},
            cbtd_cutoff=cutoff,
        ),
        revocation=policies,
        max_skew=timedelta(seconds=settings.max_clock_skew_seconds),
    )
    return XadesVerification(policy, revocation)


def _refuse_shared_anchors(anchors: dict[SignerKind, list[x509.Certificate]]) -> None:
    """An ePUAP seal is trusted to name persons: no certificate may anchor it and another kind."""
    seals = set(anchors[SignerKind.EPUAP])
    for kind, found in anchors.items():
        if kind is not SignerKind.EPUAP and seals & set(found):
            raise SignatureSetupError(f"an ePUAP seal anchor is also a {kind.value} anchor")


def _qualified_cas(source: Path, signer: x509.Certificate, now: datetime) -> list[x509.Certificate]:
    xml = source.read_bytes()
    try:
        cas = read_trusted_list(xml, signer, at=now)
    except TrustedListError as exc:
        raise SignatureSetupError(f"trusted list {source} refused: {exc}") from exc
    next_update = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True)).findtext(
        f"{{{TSL_NS}}}SchemeInformation/{{{TSL_NS}}}NextUpdate/{{{TSL_NS}}}dateTime"
    )
    if next_update is None or parse_rfc3339(next_update) < now:
        raise SignatureSetupError(
            f"trusted list {source} is out of date (NextUpdate {next_update}); fetch a new one"
        )
    return cas
