"""The signature stage's parts on their own: identity forms, QC statements, profile, the stage."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from gateway.adapters.trust_setup import SignatureSetupError
from gateway.bootstrap import configured_revocation, configured_signature_stage
from gateway.config import ParsingSettings, SignatureSettings, packaged
from gateway.core.errors import (
    CertRevoked,
    CertStatusUnknown,
    CertUntrusted,
    DocumentRejected,
    SignatureMissing,
    SignatureProfile,
)
from gateway.core.signature.identity import person_of, pesel_is_valid, trusted_profile_person
from gateway.core.signature.model import (
    RevocationEvidence,
    RevocationNeeded,
    RevocationStatus,
    RevocationUnavailable,
    SignerKind,
)
from gateway.core.signature.profile import SHA1_DIGEST, SHA1_SIGNATURE, Algorithms, locate_signature
from gateway.core.signature.stage import XadesVerification
from gateway.core.signature.trust import has_qc_compliance
from gateway.core.validation.catalog import MessageSchema, load_catalog
from gateway.core.validation.parsing import ParsedDocument, parse
from gateway.core.xmldsig.signing import podpis_zp, sign_xades
from gateway.demo.pki.store import PkiDirectory
from gateway.demo.samplegen import SampleParams, build
from gateway.demo.samplegen.signing import SAMPLE_PKI, sample_signer, sign_sample

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)


@pytest.fixture(autouse=True)
def _now_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """NOW is read when a test runs: certificates issued during a long run start after import time."""
    monkeypatch.setattr(sys.modules[__name__], "NOW", datetime.now(UTC))


def certificate_with_serial(serial: str | None, common_name: str = "Jan Kowalski") -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if serial is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    name = x509.Name(attributes)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    ("serial", "identifier", "scheme"),
    [
        ("PNOPL-44051401359", "44051401359", "PESEL"),
        ("TINPL-5260250274", "5260250274", "NIP"),
        ("PESEL: 44051401359", "44051401359", "PESEL"),
        ("NIP:5260250274", "5260250274", "NIP"),
        ("44051401359", "44051401359", "PESEL"),
        (None, "Jan Kowalski", "CN"),
    ],
)
def test_the_person_comes_from_the_subject_serial_number(
    serial: str | None, identifier: str, scheme: str
) -> None:
    person = person_of(SignerKind.SC, certificate_with_serial(serial), etree.Element("x"))
    assert (person.identifier, person.scheme) == (identifier, scheme)


def test_pesel_checksum() -> None:
    assert pesel_is_valid("44051401359")
    assert pesel_is_valid("02070803628")
    assert not pesel_is_valid("44051401358")
    assert not pesel_is_valid("4405140135")
    assert not pesel_is_valid("4405140135X")


def test_qc_compliance_is_read_from_the_qc_statements() -> None:
    assert has_qc_compliance(sample_signer("qualified-person").certificate)
    assert has_qc_compliance(sample_signer("fake-qualified-person").certificate)  # claims it, is not listed
    assert not has_qc_compliance(sample_signer("sc-person").certificate)


def test_sha1_only_in_the_legacy_profile() -> None:
    assert SHA1_SIGNATURE not in Algorithms.for_profile(False).signatures
    assert SHA1_DIGEST not in Algorithms.for_profile(False).digests
    legacy = Algorithms.for_profile(True)
    assert SHA1_SIGNATURE in legacy.signatures and SHA1_DIGEST in legacy.digests


def test_an_unsigned_message_is_signature_missing() -> None:
    parsed = parse(build("CC015C", SampleParams()), ParsingSettings())
    with pytest.raises(SignatureMissing):
        locate_signature(parsed.root, Algorithms.for_profile(False))


def test_a_signature_on_a_child_is_outside_the_profile() -> None:
    signed = sign_sample(build("CC015C", SampleParams()))
    root = parse(signed, ParsingSettings()).root
    signature = root[-1]
    root[0].append(signature)  # moved into the payload (the XSD would refuse this first)
    with pytest.raises(SignatureProfile, match="child of the message root"):
        locate_signature(root, Algorithms.for_profile(False))


@pytest.fixture(scope="module")
def stage_and_schema() -> tuple[object, object]:
    stage = configured_signature_stage(SignatureSettings(pki_dir=SAMPLE_PKI))
    catalog = load_catalog([packaged("sxml")])
    schema = catalog.resolve("{urn:customs-gateway:sxml:ncts2:1}CC015C", NOW)
    return stage, schema


async def test_the_stage_hands_on_the_signed_content_without_the_signature(stage_and_schema) -> None:
    _, schema = stage_and_schema
    settings = SignatureSettings(pki_dir=SAMPLE_PKI)
    revocation = configured_revocation(settings)
    stage = configured_signature_stage(settings, revocation)
    body = sign_sample(build("CC015C", SampleParams(message_id="SEEN-1")), "qualified-person")
    parsed = parse(body, ParsingSettings())
    with pytest.raises(RevocationNeeded):  # the stage does not wait for a status
        stage.verify(parsed, schema, NOW)  # type: ignore[arg-type]
    content = await revocation.settle(None, partial(stage.verify, parsed, schema, NOW))  # type: ignore[arg-type]
    assert content.signer.kind == "qualified" and content.signer.person == "81010200134"
    assert content.root.findtext("messageIdentification") == "SEEN-1"
    assert content.root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None
    assert content.revocation is not None and content.revocation.location == "local:qualified"


def test_receipt_time_not_signing_time_decides_validity(stage_and_schema) -> None:
    """The same signature is good while the certificate is valid and refused once it is not."""
    stage, schema = stage_and_schema
    body = sign_sample(build("CC015C", SampleParams()), "sc-person")
    parsed = parse(body, ParsingSettings())
    later = sample_signer("sc-person").certificate.not_valid_after_utc + timedelta(days=1)
    with pytest.raises(Exception) as refused:
        stage.verify(parsed, schema, later)  # type: ignore[attr-defined]
    assert getattr(refused.value, "code", None) == "CERT_EXPIRED"


def test_a_trusted_list_without_its_signer_is_a_start_up_error(tmp_path: Path) -> None:
    listed = tmp_path / "tsl.xml"
    listed.write_bytes((SAMPLE_PKI / "tsl" / "trusted-list.xml").read_bytes())
    with pytest.raises(SignatureSetupError):
        configured_signature_stage(SignatureSettings(trusted_list=listed))


def test_a_tampered_trusted_list_is_a_start_up_error(tmp_path: Path) -> None:
    tampered = tmp_path / "tsl.xml"
    tampered.write_bytes(
        (SAMPLE_PKI / "tsl" / "trusted-list.xml").read_bytes().replace(b"granted", b"grantee", 1)
    )
    signer = tmp_path / "signer.pem"
    from cryptography.hazmat.primitives.serialization import Encoding

    from gateway.demo.pki.store import PkiDirectory

    signer.write_bytes(PkiDirectory(SAMPLE_PKI).tsl_signer().certificate.public_bytes(Encoding.PEM))
    with pytest.raises(SignatureSetupError, match="refused"):
        configured_signature_stage(SignatureSettings(trusted_list=tampered, trusted_list_signer=signer))


def test_no_anchor_means_untrusted() -> None:
    stage = configured_signature_stage(SignatureSettings())
    catalog = load_catalog([packaged("sxml")])
    schema = catalog.resolve("{urn:customs-gateway:sxml:ncts2:1}CC015C", NOW)
    with pytest.raises(CertUntrusted):
        stage.verify(parse(sign_sample(build("CC015C", SampleParams())), ParsingSettings()), schema, NOW)


class _Answer:
    """A revocation source that says what it is told (the real one is tested on its own)."""

    def __init__(self, evidence: RevocationEvidence) -> None:
        self.evidence = evidence

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        return self.evidence


def _stage_answering(evidence: RevocationEvidence) -> XadesVerification:
    real = configured_signature_stage(SignatureSettings(pki_dir=SAMPLE_PKI))
    return XadesVerification(real.policy, _Answer(evidence))


@pytest.mark.parametrize(
    ("status", "code"), [(RevocationStatus.REVOKED, "CERT_REVOKED"), (RevocationStatus.HOLD, "CERT_REVOKED")]
)
def test_revoked_or_suspended_before_receipt_is_refused(
    stage_and_schema, status: RevocationStatus, code: str
) -> None:
    _, schema = stage_and_schema
    evidence = RevocationEvidence(status, "ocsp", "test", NOW, revoked_at=NOW - timedelta(days=1))
    body = sign_sample(build("CC015C", SampleParams()), "sc-person")
    with pytest.raises(CertRevoked) as refused:
        _stage_answering(evidence).verify(parse(body, ParsingSettings()), schema, NOW)
    assert refused.value.code == code


def test_revoked_only_after_receipt_does_not_undo_the_receipt(stage_and_schema) -> None:
    _, schema = stage_and_schema
    evidence = RevocationEvidence(
        RevocationStatus.REVOKED, "crl", "test", NOW, revoked_at=NOW + timedelta(hours=1)
    )
    body = sign_sample(build("CC015C", SampleParams()), "sc-person")
    content = _stage_answering(evidence).verify(parse(body, ParsingSettings()), schema, NOW)
    assert content.revocation == evidence
    assert content.warnings and content.warnings[0].startswith("CERT_REVOKED_LATER")


# --- what the security review found -----------------------------------------------------------


@pytest.fixture
def pki_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "pki"
    shutil.copytree(SAMPLE_PKI, copy)
    return copy


def _verdict_code(stage: XadesVerification, body: bytes) -> str | None:
    schema = load_catalog([packaged("sxml")]).resolve(
        "{urn:customs-gateway:sxml:ncts2:1}CC015C", NOW
    )
    try:
        stage.verify(parse(body, ParsingSettings()), schema, NOW)
    except DocumentRejected as refused:
        return refused.code
    return None


def _sign_with(issued: object, body: bytes, roles: list[etree._Element] | None = None) -> bytes:
    return sign_xades(
        body,
        issued.private_key,  # type: ignore[attr-defined]
        issued.certificate,  # type: ignore[attr-defined]
        signing_time=NOW - timedelta(minutes=1),
        claimed_roles=roles,
    )


def test_only_the_pinned_epuap_seal_speaks_for_persons(pki_copy: Path) -> None:
    """Another certificate from the ePUAP seal's CA writing a PodpisZP is not the seal.

    (Issued in memory and not saved: the folder's seal list stays as it was.)"""
    other = PkiDirectory(pki_copy).authority("epuap").issue("web.epuap.example")
    stage = configured_signature_stage(SignatureSettings(pki_dir=pki_copy, revocation_epuap="none"))
    body = build("CC015C", SampleParams())
    person = podpis_zp("Anna", "Nowak", "02070803628", "anowak")
    assert _verdict_code(stage, _sign_with(other, body, [person])) == "CERT_UNTRUSTED"
    assert _verdict_code(stage, sign_sample(body, "epuap-seal")) is None


def test_an_ePUAP_anchor_may_not_anchor_another_kind(pki_copy: Path) -> None:
    seal = pki_copy / "seal.pem"
    seal.write_bytes(sample_signer("epuap-seal").certificate.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(SignatureSetupError, match="also a sc anchor"):
        configured_signature_stage(SignatureSettings(pki_dir=pki_copy, sc_anchors=(seal,)))


def test_a_certificate_for_other_purposes_does_not_sign(pki_copy: Path) -> None:
    """The SC CA's OCSP responder (EKU OCSPSigning) is a trusted certificate, but not a signing one."""
    pki = PkiDirectory(pki_copy)
    sc = pki.authority("sc")
    responder = next(i for i in sc.issued.values() if sc.record(i.serial).kind != "sc" and i.private_key)
    stage = configured_signature_stage(SignatureSettings(pki_dir=pki_copy))
    assert _verdict_code(stage, _sign_with(responder, build("CC015C", SampleParams()))) == "CERT_UNTRUSTED"


def test_too_many_certificates_in_key_info_are_refused_before_any_work() -> None:
    body = sign_sample(build("CC015C", SampleParams()))
    certificate = re.search(rb"<ds:X509Certificate>.*?</ds:X509Certificate>", body, re.DOTALL)
    assert certificate is not None
    stuffed = body.replace(certificate.group(0), certificate.group(0) * 20, 1)
    stage = configured_signature_stage(SignatureSettings(pki_dir=SAMPLE_PKI))
    assert _verdict_code(stage, stuffed) == "SIGNATURE_PROFILE"


@pytest.mark.parametrize(
    ("find", "replace"),
    [
        (rb"<ds:SignatureValue>[^<]*</ds:SignatureValue>", b"<ds:SignatureValue/>"),
        (
            rb"</ds:X509Data>",
            b'</ds:X509Data><dsig11:DEREncodedKeyValue xmlns:dsig11="http://www.w3.org/2009/xmldsig11#"/>',
        ),
    ],
)
def test_malformed_signature_parts_are_a_profile_refusal_not_a_crash(find: bytes, replace: bytes) -> None:
    body = re.sub(find, replace, sign_sample(build("CC015C", SampleParams())), count=1)
    stage = configured_signature_stage(SignatureSettings(pki_dir=SAMPLE_PKI))
    assert _verdict_code(stage, body) in {"SIGNATURE_PROFILE", "SIGNATURE_INVALID"}


def test_an_out_of_date_trusted_list_stops_the_start(pki_copy: Path) -> None:
    pki = PkiDirectory(pki_copy)
    pki.publish_trusted_list(now=NOW - timedelta(days=400), days=30)
    with pytest.raises(SignatureSetupError, match="out of date"):
        configured_signature_stage(SignatureSettings(pki_dir=pki_copy))


def test_revocation_policy_names_are_checked_at_start() -> None:
    with pytest.raises(SignatureSetupError, match="hard, soft or none"):
        configured_signature_stage(SignatureSettings(pki_dir=SAMPLE_PKI, revocation_sc="off"))


def _claimed(role_xml: str) -> etree._Element:
    return etree.fromstring(
        '<xades:SignedSignatureProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#">'
        "<xades:SignerRole><xades:ClaimedRoles><xades:ClaimedRole>"
        f"{role_xml}"
        "</xades:ClaimedRole></xades:ClaimedRoles></xades:SignerRole></xades:SignedSignatureProperties>"
    )


def test_the_newer_epsignature_form_names_the_person_too() -> None:
    properties = _claimed(
        '<EPSignature xmlns="urn:example:epuap:epsignature"><Person><FirstName>Anna</FirstName>'
        "<LastName>Nowak</LastName><PESEL>02070803628</PESEL><AccountId>anowak</AccountId></Person>"
        "</EPSignature>"
    )
    person = trusted_profile_person(properties)
    assert (person.identifier, person.first_name, person.surname, person.epuap_account) == (
        "02070803628",
        "Anna",
        "Nowak",
        "anowak",
    )


def test_a_trusted_profile_without_a_person_is_refused() -> None:
    with pytest.raises(SignatureProfile, match="PodpisZP"):
        trusted_profile_person(_claimed("<SomethingElse>x</SomethingElse>"))


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    if not ca:
        name = x509.Name([*name, x509.NameAttribute(NameOID.SERIAL_NUMBER, "PNOPL-44051401359")])
    issuer_name, issuer_key = issuer if issuer else (name, key)
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage.update(
        {"key_cert_sign": ca, "crl_sign": ca, "digital_signature": not ca, "content_commitment": not ca}
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


class _RevokedSerials:
    def __init__(self, revoked: set[int]) -> None:
        self.revoked = revoked
        self.asked: list[int] = []

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        self.asked.append(cert.serial_number)
        status = RevocationStatus.REVOKED if cert.serial_number in self.revoked else RevocationStatus.GOOD
        return RevocationEvidence(
            status, "ocsp", f"test:{cert.serial_number}", at, revoked_at=at - timedelta(days=2)
        )


@pytest.mark.parametrize("revoked", ["none", "intermediate"])
def test_every_certificate_below_the_anchor_is_checked(tmp_path: Path, revoked: str) -> None:
    root_key, middle_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate("Test Root", root_key, None, ca=True)
    middle = _certificate("Test Intermediate", middle_key, (root.subject, root_key), ca=True)
    leaf = _certificate("Jan Kowalski", leaf_key, (middle.subject, middle_key), ca=False)
    anchor = tmp_path / "root.pem"
    anchor.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    source = _RevokedSerials({middle.serial_number} if revoked == "intermediate" else set())
    policy = configured_signature_stage(SignatureSettings(sc_anchors=(anchor,))).policy
    stage = XadesVerification(policy, source)
    body = sign_xades(
        build("CC015C", SampleParams()), leaf_key, leaf, signing_time=datetime.now(UTC), chain=[middle]
    )
    schema = load_catalog([packaged("sxml")]).resolve(
        "{urn:customs-gateway:sxml:ncts2:1}CC015C", NOW
    )
    parsed = parse(body, ParsingSettings())
    if revoked == "intermediate":
        with pytest.raises(CertRevoked, match="issuing CA"):
            stage.verify(parsed, schema, datetime.now(UTC))
        return
    content = stage.verify(parsed, schema, datetime.now(UTC))
    assert source.asked == [leaf.serial_number, middle.serial_number]
    assert content.revocation is not None and content.revocation.location == f"test:{leaf.serial_number}"


class _Lookup:
    """What a lookup has at hand per serial: evidence, a failure, or nothing (``None``)."""

    def __init__(self, known: dict[int, RevocationEvidence | str | None]) -> None:
        self.known = known

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        found = self.known[cert.serial_number]
        if found is None:
            raise RevocationNeeded([(cert, issuer)], at)
        if isinstance(found, str):
            raise RevocationUnavailable(found)
        return found


@dataclass(frozen=True)
class _TwoLevels:
    anchor: Path
    leaf: x509.Certificate
    middle: x509.Certificate
    body: bytes
    schema: MessageSchema

    @property
    def parsed(self) -> ParsedDocument:
        """Parsed anew each time: a verified tree hands on its content without the signature."""
        return parse(self.body, ParsingSettings())

    def stage(
        self, known: dict[int, RevocationEvidence | str | None], policy: str = "hard"
    ) -> XadesVerification:
        settings = SignatureSettings(sc_anchors=(self.anchor,), revocation_sc=policy)
        return XadesVerification(configured_signature_stage(settings).policy, _Lookup(known))


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> _TwoLevels:
    """A signing certificate under an intermediate CA under a root anchor, and a message it signed."""
    root_key, middle_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _certificate("Test Root", root_key, None, ca=True)
    middle = _certificate("Test Intermediate", middle_key, (root.subject, root_key), ca=True)
    leaf = _certificate("Jan Kowalski", leaf_key, (middle.subject, middle_key), ca=False)
    anchor = tmp_path_factory.mktemp("anchor") / "root.pem"
    anchor.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    body = sign_xades(
        build("CC015C", SampleParams()), leaf_key, leaf, signing_time=datetime.now(UTC), chain=[middle]
    )
    schema = load_catalog([packaged("sxml")]).resolve(
        "{urn:customs-gateway:sxml:ncts2:1}CC015C", NOW
    )
    return _TwoLevels(anchor, leaf, middle, body, schema)


def test_statuses_not_at_hand_are_asked_for_all_at_once(chain: _TwoLevels) -> None:
    leaf, middle = chain.leaf.serial_number, chain.middle.serial_number
    stage = chain.stage({leaf: None, middle: None})
    with pytest.raises(RevocationNeeded) as needed:
        stage.verify(chain.parsed, chain.schema, NOW)
    assert [cert.serial_number for cert, _ in needed.value.pairs] == [
        leaf,
        middle,
    ]
    assert needed.value.pairs[0][1] == chain.middle and needed.value.at == NOW


def test_a_missing_status_comes_first_before_a_later_certificate_decides(
    chain: _TwoLevels,
) -> None:
    """The intermediate's known revocation waits: the signing certificate's status is asked first, as
    a hard failure there would be the answer (CERT_STATUS_UNKNOWN, retry) rather than CERT_REVOKED."""
    leaf, middle = chain.leaf.serial_number, chain.middle.serial_number
    revoked = RevocationEvidence(
        RevocationStatus.REVOKED, "ocsp", "test", NOW, revoked_at=NOW - timedelta(days=1)
    )
    stage = chain.stage({leaf: None, middle: revoked})
    with pytest.raises(RevocationNeeded) as needed:
        stage.verify(chain.parsed, chain.schema, NOW)
    assert [cert.serial_number for cert, _ in needed.value.pairs] == [leaf]

    good = RevocationEvidence(RevocationStatus.GOOD, "ocsp", "test", NOW)
    stage = chain.stage({leaf: good, middle: revoked})
    with pytest.raises(CertRevoked, match="issuing CA"):
        stage.verify(chain.parsed, chain.schema, NOW)


@pytest.mark.parametrize("policy", ["hard", "soft", "none"])
def test_a_status_that_could_not_be_had_goes_by_the_policy(chain: _TwoLevels, policy: str) -> None:
    leaf, middle = chain.leaf.serial_number, chain.middle.serial_number
    good = RevocationEvidence(RevocationStatus.GOOD, "ocsp", "test", NOW)
    stage = chain.stage({leaf: "the responder is away", middle: good}, policy)
    if policy == "hard":
        with pytest.raises(
            CertStatusUnknown,
            match="signing certificate's revocation status could not be obtained: the responder is away",
        ):
            stage.verify(chain.parsed, chain.schema, NOW)
        return
    content = stage.verify(chain.parsed, chain.schema, NOW)
    if policy == "none":
        assert (content.revocation, content.warnings) == (None, ())
        return
    assert content.revocation is None  # the signing certificate's check relied on nothing
    assert content.warnings == (
        "REVOCATION_UNCHECKED: the signing certificate's status could not be obtained "
        "(the responder is away)",
    )
