"""Signing sample messages with a test PKI whose roles an ``INDEX.toml`` names (samples/pki).

The keys behind it are TEST KEYS (see samples/pki/README.md): for samples, tests and benchmarks.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.core.xmldsig.keys import PrivateKey
from gateway.core.xmldsig.signing import podpis_zp, sign_xades

#: the test PKI of the project's samples (TEST KEYS), shipped in the package so that an installed
#: gateway can trust and serve it (``gateway samples pki-dir``); samples/pki in a clone links here
SAMPLE_PKI = Path(__file__).resolve().parents[1] / "sample_pki"
#: the samples are signed at a fixed moment, so that rebuilding them changes no byte
SAMPLES_SIGNED_AT = datetime(2026, 11, 2, 9, 31, tzinfo=UTC)
#: the person the ePUAP seal vouches for in the samples' trusted-profile signatures
TRUSTED_PROFILE_PERSON = ("Jan", "Kowalski", "44051401359", "jkowalski")
_SIGNATURE = re.compile(rb"<ds:Signature\b.*?</ds:Signature>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class SampleSigner:
    role: str
    kind: str
    certificate: x509.Certificate
    key: PrivateKey


@cache
def sample_signer(role: str = "sc-person", pki: Path = SAMPLE_PKI) -> SampleSigner:
    entry = tomllib.loads((pki / "INDEX.toml").read_text(encoding="utf-8"))[role]
    certificate = x509.load_pem_x509_certificate((pki / entry["cert"]).read_bytes())
    key = serialization.load_pem_private_key((pki / entry["key"]).read_bytes(), password=None)
    return SampleSigner(role, str(entry["kind"]), certificate, key)  # type: ignore[arg-type]


def sign_sample(
    body: bytes,
    role: str = "sc-person",
    *,
    token: str | None = None,
    signing_time: datetime | None = None,
    pki: Path = SAMPLE_PKI,
) -> bytes:
    """``body`` signed by the test certificate of ``role``; the ePUAP seal signs with a PodpisZP.

    Without ``signing_time`` the signature is dated a minute ago; with a ``token`` its Ids are fixed.
    """
    signer = sample_signer(role, pki)
    moment = signing_time or datetime.now(UTC) - timedelta(minutes=1)
    roles = None
    if signer.kind == "epuap":
        first, last, pesel, account = TRUSTED_PROFILE_PERSON
        roles = [podpis_zp(first, last, pesel, account, signature_id=token, signed_at=moment)]
    return sign_xades(
        body, signer.key, signer.certificate, signing_time=moment, claimed_roles=roles, token=token
    )


def strip_signature(body: bytes) -> bytes:
    """The message without its ds:Signature (to edit a signed sample and sign it again)."""
    return _SIGNATURE.sub(b"", body, count=1)
