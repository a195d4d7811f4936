"""``gateway check --explain``: every signature and certificate refusal names its rule and the fix.

The rules are recognised from real refusals: the attack corpus (samples/attacks) and signatures
made here with certificates that must not sign (a CA's, a TLS server's).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gateway.channels.cli.main import main
from gateway.config import SignatureSettings
from gateway.core.errors import ErrorDetail, error_classes
from gateway.core.signature.advice import GENERAL, RULES, SIGNING_DOC, advice_for, explain
from gateway.core.xmldsig.keys import PrivateKey
from gateway.core.xmldsig.signing import sign_xades
from gateway.demo.pki.authority import CertificateAuthority
from gateway.demo.pki.store import PkiDirectory
from gateway.demo.samplegen import SampleParams, build
from gateway.demo.samplegen.signing import SAMPLE_PKI, sample_signer
from tests.support.checks import SettledChecks, settled_checks

ROOT = Path(__file__).resolve().parents[2]
ATTACKS = ROOT / "samples" / "attacks"
SIGNATURE_CODES = sorted(c.code for c in error_classes() if c.code.startswith(("SIGNATURE_", "CERT_")))


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of the page's headings."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_every_signature_and_certificate_code_has_advice() -> None:
    assert {"SIGNATURE_PROFILE", "SIGNATURE_INVALID", "CERT_UNTRUSTED"} <= set(SIGNATURE_CODES)
    missing = [code for code in SIGNATURE_CODES if code not in GENERAL]
    assert not missing, missing
    assert all(rule.code.startswith(("SIGNATURE_", "CERT_")) for rule in RULES)


def test_every_advice_points_at_a_section_of_the_signing_page() -> None:
    page = (ROOT / SIGNING_DOC).read_text(encoding="utf-8")
    sections = anchors(page)
    for rule in RULES:
        assert rule.section in sections, rule
        assert rule.reference == f"docs/signing.md#{rule.section}"
        assert rule.failed and rule.change


@pytest.fixture(scope="module")
def checks() -> SettledChecks:
    return settled_checks(SignatureSettings(pki_dir=SAMPLE_PKI))


ATTACK_FILES = sorted(
    path for path in ATTACKS.rglob("*.xml") if path.parent.name.startswith(("SIGNATURE_", "CERT_"))
)


@pytest.mark.parametrize("path", ATTACK_FILES, ids=[f"{p.parent.name}/{p.name}" for p in ATTACK_FILES])
def test_each_refused_attack_is_explained_by_its_rule(path: Path, checks: SettledChecks) -> None:
    verdict = checks.verdict(path.read_bytes(), datetime.now(UTC))
    assert verdict.refusal == path.parent.name
    for error in verdict.errors:
        advice = advice_for(error.code, error.message)
        assert advice is not None
        has_rules = any(rule.code == error.code and rule.pattern is not None for rule in RULES)
        # a code with rules of its own names one, not only the code's general advice
        assert (advice.pattern is not None) is has_rules, error.message
    lines = explain(verdict.refusal, verdict.errors)
    assert lines[0].startswith("rule: ") and lines[1].startswith("change: ")
    assert lines[2].startswith("see docs/signing.md#")


def signed_by(certificate: x509.Certificate, key: PrivateKey) -> bytes:
    return sign_xades(
        build("CC015C", SampleParams()),
        key,
        certificate,
        signing_time=datetime.now(UTC) - timedelta(minutes=1),
    )


def tls_server_certificate(
    authority: CertificateAuthority,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A certificate of the customs test CA for a TLS server, not for signing documents."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = [
        x509.NameAttribute(NameOID.COMMON_NAME, "gateway.example.invalid"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, "PNOPL-44051401359"),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(authority.private_key, hashes.SHA256())
    )
    return certificate, key


def test_certificates_that_must_not_sign_are_cert_untrusted(checks: SettledChecks) -> None:
    """docs/signatures.md and docs/signing.md: a CA certificate, a TLS server certificate and one
    without a signing key usage are certificate problems, CERT_UNTRUSTED, never SIGNATURE_PROFILE."""
    authority = PkiDirectory(SAMPLE_PKI).authority("sc")
    no_usage = sample_signer("sc-no-signing-usage")
    cases = {
        "a CA certificate does not sign": signed_by(authority.certificate, authority.private_key),
        "meant for other purposes": signed_by(*tls_server_certificate(authority)),
        "key usage allows neither": signed_by(no_usage.certificate, no_usage.key),
    }
    for said, body in cases.items():
        verdict = checks.verdict(body, datetime.now(UTC))
        assert verdict.refusal == "CERT_UNTRUSTED", verdict.errors
        assert said in verdict.errors[0].message
        advice = advice_for("CERT_UNTRUSTED", verdict.errors[0].message)
        assert advice is not None and advice.pattern is not None and advice.pattern.search(said)


def test_other_refusals_and_acceptance_get_no_advice() -> None:
    assert explain(None, ()) == []
    assert explain("SCHEMA_INVALID", [ErrorDetail("SCHEMA_INVALID", "element x not expected")]) == []
    general = explain("SIGNATURE_PROFILE", [ErrorDetail("SIGNATURE_PROFILE", "something new")])
    assert general[-1] == "see docs/signing.md#what-is-refused-and-why"


def test_check_explain_on_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEWAY_SIGNATURE_PKI_DIR", str(SAMPLE_PKI))
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    refused = ATTACKS / "SIGNATURE_PROFILE" / "third-reference-to-keyinfo.xml"
    assert main(["check", "--explain", str(refused)]) == 1
    out = capsys.readouterr().out
    assert "SIGNATURE_PROFILE" in out
    assert "rule: SignedInfo has exactly two references" in out
    assert "signxml adds one to KeyInfo" in out
    assert "see docs/signing.md#references-and-transforms" in out

    assert main(["check", "--explain", "--json", str(refused)]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["code"] == "SIGNATURE_PROFILE"
    assert record["advice"][-1] == "see docs/signing.md#references-and-transforms"

    assert main(["check", str(refused)]) == 1
    assert "rule:" not in capsys.readouterr().out
