"""gateway.demo.pki: the demo/test PKI (authorities, profiles, CRL, OCSP, trusted list, XAdES
signing, CLI)."""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from asn1crypto import core as asn1_core  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree
from signxml.exceptions import InvalidDigest
from signxml.exceptions import InvalidSignature as XmlInvalidSignature
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from gateway.core.signature.trusted_list import STATUS_WITHDRAWN, TrustService, TrustServiceProvider
from gateway.core.xmldsig.keys import PublicKey, certificate_pem, generate_key
from gateway.core.xmldsig.signing import OSOBA_NS, PPZP_NS, XADES_NS
from gateway.demo.pki import (
    CertificateAuthority,
    IssuedCertificate,
    PkiDirectory,
    TrustedListError,
    build_trusted_list,
    podpis_zp,
    read_trusted_list,
    sign_xades,
)
from gateway.demo.pki.cli import add_pki_commands

DS = "http://www.w3.org/2000/09/xmldsig#"
PESEL = "44051401359"
NIP = "5260250274"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _now_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """NOW is read when a test runs: certificates issued during a long run start after import time."""
    monkeypatch.setattr(sys.modules[__name__], "NOW", datetime.now(UTC).replace(microsecond=0))


# --- fixtures ---------------------------------------------------------------------------------


class QcStatement(asn1_core.Sequence):  # type: ignore[misc]
    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("statement_id", asn1_core.ObjectIdentifier),
        ("statement_info", asn1_core.Any, {"optional": True}),
    ]


class QcStatements(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = QcStatement


class QcTypes(asn1_core.SequenceOf):  # type: ignore[misc]
    _child_spec = asn1_core.ObjectIdentifier


@pytest.fixture(scope="module")
def sc_ca() -> CertificateAuthority:
    ca = CertificateAuthority.create("sc", base_url="http://127.0.0.1:8080/pki/sc/")
    ca.issue_ocsp_responder()
    return ca


@pytest.fixture(scope="module")
def qualified_ca() -> CertificateAuthority:
    return CertificateAuthority.create("qualified", base_url="http://127.0.0.1:8080/pki/qualified/")


@pytest.fixture(scope="module")
def tsl_signer() -> IssuedCertificate:
    return CertificateAuthority.create("tsl").issue("Trusted List Signer", kind="tsl")


def _verify_signature(
    public_key: PublicKey, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm
) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
    else:
        public_key.verify(signature, data, ec.ECDSA(algorithm))


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def _serial_attribute(cert: x509.Certificate) -> str:
    return str(cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value)


# --- authorities and profiles -----------------------------------------------------------------


def test_root_ca_is_self_signed_with_ca_extensions(sc_ca: CertificateAuthority) -> None:
    ca = sc_ca.certificate
    ca.verify_directly_issued_by(ca)
    assert ca.subject == ca.issuer
    basic = _ext(ca, x509.BasicConstraints)
    assert basic.critical and basic.value.ca  # type: ignore[attr-defined]
    usage = _ext(ca, x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign  # type: ignore[attr-defined]
    assert _ext(ca, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        ca.public_key()
    )
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)


def test_root_ca_name_validity_and_rsa_option() -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ca = CertificateAuthority.create(
        "cbtd", name="Legacy CA", organization="Org", rsa_bits=3072, not_before=start, days=10
    )
    key = ca.certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 3072
    assert ca.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Legacy CA"
    assert ca.certificate.not_valid_before_utc == start
    assert ca.certificate.not_valid_after_utc == start + timedelta(days=10)


def test_sc_profile(sc_ca: CertificateAuthority) -> None:
    issued = sc_ca.issue("Jan Kowalski", pesel=PESEL)
    cert = issued.certificate
    cert.verify_directly_issued_by(sc_ca.certificate)
    assert issued.kind == "sc" and issued.private_key is not None
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Jan Kowalski"
    assert _serial_attribute(cert) == f"PNOPL-{PESEL}"
    usage = _ext(cert, x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment  # type: ignore[attr-defined]
    assert not usage.value.key_cert_sign  # type: ignore[attr-defined]
    assert not _ext(cert, x509.BasicConstraints).value.ca  # type: ignore[attr-defined]
    aki = _ext(cert, x509.AuthorityKeyIdentifier).value
    ski = _ext(sc_ca.certificate, x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest  # type: ignore[attr-defined]
    crl_dp = _ext(cert, x509.CRLDistributionPoints).value
    assert [name.value for dp in crl_dp for name in dp.full_name] == [  # type: ignore[attr-defined]
        "http://127.0.0.1:8080/pki/sc/ca.crl"
    ]
    aia = _ext(cert, x509.AuthorityInformationAccess).value
    ocsp_urls = [
        d.access_location.value
        for d in aia  # type: ignore[attr-defined]
        if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP
    ]
    assert ocsp_urls == ["http://127.0.0.1:8080/pki/sc/ocsp"]
    with pytest.raises(x509.ExtensionNotFound):
        _ext(cert, x509.ExtendedKeyUsage)
    # without a PESEL there is no serialNumber attribute
    assert not sc_ca.issue("Anna Nowak").certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)


def test_qualified_profile_carries_qc_statements(qualified_ca: CertificateAuthority) -> None:
    cert = qualified_ca.issue("Jan Kowalski", pesel=PESEL).certificate
    cert.verify_directly_issued_by(qualified_ca.certificate)
    assert _serial_attribute(cert) == f"PNOPL-{PESEL}"
    extension = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"))
    assert isinstance(extension.value, x509.UnrecognizedExtension)
    statements = QcStatements.load(extension.value.value)
    by_id = {s["statement_id"].dotted: s for s in statements}
    assert "0.4.0.1862.1.1" in by_id  # QcCompliance
    qc_type = by_id["0.4.0.1862.1.6"]["statement_info"].dump()
    assert [oid.dotted for oid in QcTypes.load(qc_type)] == ["0.4.0.1862.1.6.1"]  # esign
    policies = _ext(cert, x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == ["0.4.0.194112.1.2"]  # type: ignore[attr-defined]
    assert _ext(cert, x509.AuthorityInformationAccess) is not None

    by_nip = qualified_ca.issue("Firma Sp. z o.o.", nip=NIP).certificate
    assert _serial_attribute(by_nip) == f"TINPL-{NIP}"
    with pytest.raises(ValueError, match="exactly one of PESEL or NIP"):
        qualified_ca.issue("Nobody")


def test_epuap_seal_profile() -> None:
    anchor = CertificateAuthority.create("epuap")
    cert = anchor.issue().certificate
    cert.verify_directly_issued_by(anchor.certificate)
    assert (
        cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Ministerstwo Cyfryzacji"
    )
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ePUAP"
    usage = _ext(cert, x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # type: ignore[attr-defined]


def test_cbtd_profile_and_validity_window() -> None:
    ca = CertificateAuthority.create("cbtd", not_before=datetime(2015, 1, 1, tzinfo=UTC))
    before_cutoff = datetime(2019, 6, 1, tzinfo=UTC)
    issued = ca.issue("Jan Kowalski", nip=NIP, not_before=before_cutoff, days=30)
    cert = issued.certificate
    cert.verify_directly_issued_by(ca.certificate)
    assert _serial_attribute(cert) == f"NIP:{NIP}"
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048
    assert cert.not_valid_before_utc == before_cutoff
    assert cert.not_valid_after_utc == before_cutoff + timedelta(days=30)
    ec_cert = ca.issue("Anna Nowak", nip=NIP, rsa_bits=None).certificate
    assert isinstance(ec_cert.public_key(), rsa.RSAPublicKey)  # cbtd defaults to RSA 2048


def test_expired_not_yet_valid_and_weak_certificates(sc_ca: CertificateAuthority) -> None:
    expired = sc_ca.issue("Old", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=35))
    assert expired.certificate.not_valid_after_utc < NOW
    future = sc_ca.issue("Future", not_before=NOW + timedelta(days=10))
    assert future.certificate.not_valid_before_utc > NOW
    weak = sc_ca.issue("Weak", rsa_bits=1024)
    key = weak.certificate.public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 1024
    weak.certificate.verify_directly_issued_by(sc_ca.certificate)
    with pytest.raises(ValueError, match="later than"):
        sc_ca.issue("Backwards", not_before=NOW, not_after=NOW - timedelta(days=1))


def test_issue_from_csr(sc_ca: CertificateAuthority) -> None:
    key = generate_key()
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored")]))
        .sign(key, hashes.SHA256())
    )
    issued = sc_ca.issue("Jan Kowalski", pesel=PESEL, csr=csr)
    assert issued.private_key is None
    assert issued.certificate.public_key() == key.public_key()
    issued.certificate.verify_directly_issued_by(sc_ca.certificate)


def test_authority_refuses_foreign_kinds(sc_ca: CertificateAuthority) -> None:
    with pytest.raises(ValueError, match="does not issue qualified"):
        sc_ca.issue("Jan", kind="qualified", pesel=PESEL)
    with pytest.raises(ValueError, match="PESEL must be 11 digits"):
        sc_ca.issue("Jan", pesel="123")


# --- revocation: CRL --------------------------------------------------------------------------


def test_crl_lists_revoked_and_held_certificates() -> None:
    ca = CertificateAuthority.create("sc")
    good, revoked, held, released = (ca.issue(name) for name in ("Good", "Revoked", "Held", "Released"))
    revoked_at = NOW - timedelta(hours=2)
    ca.revoke(revoked.serial, x509.ReasonFlags.key_compromise, revoked_at)
    ca.suspend(held.serial, NOW - timedelta(hours=1))
    ca.suspend(released.serial)
    ca.release(released.serial)

    crl = x509.load_der_x509_crl(ca.crl(NOW, NOW + timedelta(days=1)))
    assert crl.is_signature_valid(ca.certificate.public_key())  # type: ignore[arg-type]
    assert crl.issuer == ca.certificate.subject
    assert crl.last_update_utc == NOW and crl.next_update_utc == NOW + timedelta(days=1)
    entries = {entry.serial_number: entry for entry in crl}
    assert set(entries) == {revoked.serial, held.serial}
    assert entries[revoked.serial].revocation_date_utc == revoked_at
    reason = entries[revoked.serial].extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.key_compromise
    hold = entries[held.serial].extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert hold is x509.ReasonFlags.certificate_hold
    first_number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number

    ca.release(held.serial)
    again = x509.load_der_x509_crl(ca.crl(NOW, NOW + timedelta(days=1)))
    assert {entry.serial_number for entry in again} == {revoked.serial}
    assert again.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == first_number + 1
    assert ca.record(good.serial).status == "good"

    with pytest.raises(ValueError, match="already revoked"):
        ca.revoke(revoked.serial)
    with pytest.raises(ValueError, match="not on hold"):
        ca.release(good.serial)


def test_crl_signed_by_another_key_does_not_verify() -> None:
    ca, other = CertificateAuthority.create("sc"), CertificateAuthority.create("sc")
    crl = x509.load_der_x509_crl(ca.crl())
    assert not crl.is_signature_valid(other.certificate.public_key())  # type: ignore[arg-type]


# --- revocation: OCSP -------------------------------------------------------------------------


def _ocsp_request(cert: x509.Certificate, issuer: x509.Certificate, nonce: bytes | None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _check_ocsp_signature(response: ocsp.OCSPResponse, signer: x509.Certificate) -> None:
    assert response.signature_hash_algorithm is not None
    _verify_signature(
        signer.public_key(),  # type: ignore[arg-type]
        response.signature,
        response.tbs_response_bytes,
        response.signature_hash_algorithm,
    )


def test_ocsp_good_revoked_held_unknown(sc_ca: CertificateAuthority) -> None:
    good = sc_ca.issue("Good")
    revoked = sc_ca.issue("Revoked")
    held = sc_ca.issue("Held")
    revoked_at = NOW - timedelta(minutes=30)
    sc_ca.revoke(revoked.serial, x509.ReasonFlags.superseded, revoked_at)
    sc_ca.suspend(held.serial, revoked_at)
    stranger = CertificateAuthority.create("sc", name="Stranger CA")
    unknown_to_sc = sc_ca.issue("Temp").certificate
    # same issuer, serial never issued: build the request by hash
    unknown_request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            ocsp.load_der_ocsp_request(
                _ocsp_request(unknown_to_sc, sc_ca.certificate, None)
            ).issuer_name_hash,
            ocsp.load_der_ocsp_request(_ocsp_request(unknown_to_sc, sc_ca.certificate, None)).issuer_key_hash,
            12345,
            hashes.SHA256(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    assert sc_ca.ocsp_responder_serial is not None
    responder = sc_ca.get(sc_ca.ocsp_responder_serial).certificate

    cases = [
        (_ocsp_request(good.certificate, sc_ca.certificate, b"nonce-good-1234"), ocsp.OCSPCertStatus.GOOD),
        (
            _ocsp_request(revoked.certificate, sc_ca.certificate, b"nonce-rev-12345"),
            ocsp.OCSPCertStatus.REVOKED,
        ),
        (_ocsp_request(held.certificate, sc_ca.certificate, b"nonce-held-1234"), ocsp.OCSPCertStatus.REVOKED),
        (unknown_request, ocsp.OCSPCertStatus.UNKNOWN),
    ]
    responses = []
    for request_der, expected in cases:
        response = ocsp.load_der_ocsp_response(sc_ca.ocsp_response(request_der, NOW))
        assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
        assert response.certificate_status is expected
        assert response.serial_number == ocsp.load_der_ocsp_request(request_der).serial_number
        assert response.this_update_utc == NOW
        _check_ocsp_signature(response, responder)
        request_nonce = [e.value for e in ocsp.load_der_ocsp_request(request_der).extensions]
        assert [e.value for e in response.extensions] == request_nonce
        responses.append(response)

    assert responses[0].extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"nonce-good-1234"
    assert responses[1].revocation_reason is x509.ReasonFlags.superseded
    assert responses[1].revocation_time_utc == revoked_at
    assert responses[2].revocation_reason is x509.ReasonFlags.certificate_hold

    # the delegated responder is included, issued by the CA, OCSPSigning + OCSPNoCheck
    assert responses[0].certificates == [responder]
    responder.verify_directly_issued_by(sc_ca.certificate)
    assert ExtendedKeyUsageOID.OCSP_SIGNING in _ext(responder, x509.ExtendedKeyUsage).value  # type: ignore[operator]
    assert _ext(responder, x509.OCSPNoCheck) is not None
    with pytest.raises(InvalidSignature):
        _check_ocsp_signature(responses[0], sc_ca.certificate)

    # a certificate of another issuer: unauthorized
    foreign = stranger.issue("Foreign").certificate
    unauthorized = ocsp.load_der_ocsp_response(
        sc_ca.ocsp_response(_ocsp_request(foreign, stranger.certificate, None), NOW)
    )
    assert unauthorized.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    malformed = ocsp.load_der_ocsp_response(sc_ca.ocsp_response(b"\x30\x03junk", NOW))
    assert malformed.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_ocsp_signed_by_the_ca_itself() -> None:
    ca = CertificateAuthority.create("qualified")
    issued = ca.issue("Jan", pesel=PESEL)
    response = ocsp.load_der_ocsp_response(
        ca.ocsp_response(_ocsp_request(issued.certificate, ca.certificate, None))
    )
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert response.certificates == []
    assert len(response.extensions) == 0
    _check_ocsp_signature(response, ca.certificate)


# --- trusted list -----------------------------------------------------------------------------


def _trusted_list(qualified_ca: CertificateAuthority, signer: IssuedCertificate) -> bytes:
    withdrawn = CertificateAuthority.create("qualified", name="Withdrawn CA").certificate
    provider = TrustServiceProvider(
        "Demo QTSP",
        (
            TrustService(qualified_ca.certificate, "Qualified CA"),
            TrustService(withdrawn, "Withdrawn CA", status=STATUS_WITHDRAWN),
        ),
    )
    assert signer.private_key is not None
    return build_trusted_list(
        [provider],
        signer_key=signer.private_key,
        signer_cert=signer.certificate,
        issue_time=NOW,
        next_update=NOW + timedelta(days=30),
        sequence_number=7,
    )


def test_trusted_list_round_trip(qualified_ca: CertificateAuthority, tsl_signer: IssuedCertificate) -> None:
    xml = _trusted_list(qualified_ca, tsl_signer)
    root = etree.fromstring(xml)
    ns = {"tsl": "http://uri.etsi.org/02231/v2#", "ds": DS}
    assert root.tag == "{http://uri.etsi.org/02231/v2#}TrustServiceStatusList"
    assert root.findtext("tsl:SchemeInformation/tsl:TSLVersionIdentifier", namespaces=ns) == "5"
    assert root.findtext("tsl:SchemeInformation/tsl:TSLSequenceNumber", namespaces=ns) == "7"
    assert root.findtext("tsl:SchemeInformation/tsl:SchemeTerritory", namespaces=ns) == "PL"
    assert root.findtext("tsl:SchemeInformation/tsl:NextUpdate/tsl:dateTime", namespaces=ns)
    assert root[-1].tag == f"{{{DS}}}Signature"
    reference = root.find("ds:Signature/ds:SignedInfo/ds:Reference", ns)
    assert reference is not None and reference.get("URI") == ""
    transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/ds:Transform", ns)]
    assert transforms == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]

    assert read_trusted_list(xml, tsl_signer.certificate) == [qualified_ca.certificate]


def test_trusted_list_tampered_or_unsigned_is_refused(
    qualified_ca: CertificateAuthority, tsl_signer: IssuedCertificate
) -> None:
    xml = _trusted_list(qualified_ca, tsl_signer)
    encoded = base64.b64encode(qualified_ca.certificate.public_bytes(serialization.Encoding.DER))
    at = xml.index(encoded) + 60
    replacement = b"A" if xml[at : at + 1] != b"A" else b"B"
    tampered = xml[:at] + replacement + xml[at + 1 :]
    assert len(tampered) == len(xml) and tampered != xml
    with pytest.raises(TrustedListError, match="signature not valid"):
        read_trusted_list(tampered, tsl_signer.certificate)

    unsigned = re.sub(rb"<ds:Signature.*</ds:Signature>", b"", xml, flags=re.S)
    with pytest.raises(TrustedListError):
        read_trusted_list(unsigned, tsl_signer.certificate)

    other_signer = CertificateAuthority.create("tsl").issue("Another signer", kind="tsl")
    with pytest.raises(TrustedListError):
        read_trusted_list(xml, other_signer.certificate)


# --- XAdES signing ----------------------------------------------------------------------------

DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<!-- a comment before the root -->\n"
    b'<CC015C xmlns="urn:example:ncts" Id="root-1">\n'
    b"  <messageSender  attr='single quoted'>ZA\xc5\xbb\xc3\x93\xc5\x81\xc4\x86 &amp; &#x41;"
    b"</messageSender>\n"
    b"  <empty/>\n"
    b"</CC015C>\n"
    b"<!-- </CC015C> in a trailing comment -->\n"
)
SIGNATURE = re.compile(rb"<ds:Signature\b.*</ds:Signature>", re.S)


def _verify_xades(signed: bytes, cert: x509.Certificate) -> list[object]:
    return list(
        XAdESVerifier().verify(
            signed,
            x509_cert=certificate_pem(cert).decode(),
            expect_config=XAdESSignatureConfiguration(expect_references=2),
        )
    )


def test_sign_xades_verifies_and_keeps_the_document_bytes(sc_ca: CertificateAuthority) -> None:
    issued = sc_ca.issue("Jan Kowalski", pesel=PESEL)
    assert issued.private_key is not None
    signing_time = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    signed = sign_xades(DOCUMENT, issued.private_key, issued.certificate, signing_time=signing_time)

    match = SIGNATURE.search(signed)
    assert match is not None
    assert signed[: match.start()] + signed[match.end() :] == DOCUMENT
    assert signed[match.end() :] == b"</CC015C>\n<!-- </CC015C> in a trailing comment -->\n"

    results = _verify_xades(signed, issued.certificate)
    assert len(results) == 2

    root = etree.fromstring(signed)
    signature = root[-1]
    assert signature.tag == f"{{{DS}}}Signature"
    ns = {"ds": DS, "xades": XADES_NS}
    references = signature.findall("ds:SignedInfo/ds:Reference", ns)
    assert references[0].get("URI") == ""
    assert [t.get("Algorithm") for t in references[0].iterfind("ds:Transforms/ds:Transform", ns)] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    assert references[1].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    properties = signature.find("ds:Object/xades:QualifyingProperties/xades:SignedProperties", ns)
    assert properties is not None and references[1].get("URI") == f"#{properties.get('Id')}"
    assert properties.findtext("xades:SignedSignatureProperties/xades:SigningTime", namespaces=ns) == (
        "2025-03-01T12:30:00Z"
    )
    cert_id = properties.find("xades:SignedSignatureProperties/xades:SigningCertificateV2/xades:Cert", ns)
    assert cert_id is not None
    digest = cert_id.findtext("xades:CertDigest/ds:DigestValue", namespaces=ns)
    assert digest == base64.b64encode(issued.certificate.fingerprint(hashes.SHA256())).decode()
    issuer_serial = asn1_core.Sequence.load(
        base64.b64decode(cert_id.findtext("xades:IssuerSerialV2", namespaces=ns) or "")
    )
    assert issuer_serial[1].native == issued.certificate.serial_number
    assert issuer_serial[0].contents[2:] == sc_ca.certificate.subject.public_bytes()


def test_sign_xades_detects_changed_content(sc_ca: CertificateAuthority) -> None:
    issued = sc_ca.issue("Jan Kowalski", pesel=PESEL)
    assert issued.private_key is not None
    signed = sign_xades(DOCUMENT, issued.private_key, issued.certificate, signing_time=NOW)
    tampered = signed.replace(b"single quoted", b"single quotee", 1)
    assert tampered != signed
    with pytest.raises(InvalidDigest):
        _verify_xades(tampered, issued.certificate)
    other = sc_ca.issue("Someone Else")
    with pytest.raises(XmlInvalidSignature):
        _verify_xades(signed, other.certificate)


def test_sign_xades_with_rsa_and_podpis_zp_claimed_role() -> None:
    anchor = CertificateAuthority.create("epuap")
    seal = anchor.issue(rsa_bits=2048)
    assert seal.private_key is not None
    role = podpis_zp("Jan", "Kowalski", PESEL, "jkowalski", signature_id="sig-1", signed_at=NOW)
    signed = sign_xades(
        b"<a><b>x</b></a>", seal.private_key, seal.certificate, signing_time=NOW, claimed_roles=[role]
    )
    assert SIGNATURE.sub(b"", signed) == b"<a><b>x</b></a>"
    results = _verify_xades(signed, seal.certificate)
    signed_properties = results[1].signed_properties  # type: ignore[attr-defined]
    ns = {"xades": XADES_NS, "ppZP": PPZP_NS, "os": OSOBA_NS}
    block = signed_properties.find("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole/ppZP:PodpisZP", ns)
    assert block is not None
    person = block.find("ppZP:DaneZP/ppZP:DaneZPOsobyFizycznej", ns)
    assert person is not None
    assert person.findtext("os:Imie", namespaces=ns) == "Jan"
    assert person.findtext("os:Nazwisko", namespaces=ns) == "Kowalski"
    assert person.findtext("os:PESEL", namespaces=ns) == PESEL
    assert person.findtext("ppZP:IdKontaUzytkownikaEpuap", namespaces=ns) == "jkowalski"
    assert block.findtext("ppZP:DanePodpisu/ppZP:IdentyfikatorPodpisu", namespaces=ns) == "sig-1"
    assert block.findtext("ppZP:DanePodpisu/ppZP:CzasPodpisu", namespaces=ns) == NOW.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    method = etree.fromstring(signed).find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    assert (
        method is not None and method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )


def test_sign_xades_refuses_dtd_and_handles_empty_root(sc_ca: CertificateAuthority) -> None:
    issued = sc_ca.issue("Jan")
    assert issued.private_key is not None
    with pytest.raises(ValueError, match="DTD"):
        sign_xades(b"<!DOCTYPE a []><a/>", issued.private_key, issued.certificate, signing_time=NOW)
    signed = sign_xades(b"<a x='1'/>\n", issued.private_key, issued.certificate, signing_time=NOW)
    assert signed.startswith(b"<a x='1'><ds:Signature") and signed.endswith(b"</a>\n")
    _verify_xades(signed, issued.certificate)


# --- PkiDirectory -----------------------------------------------------------------------------


def test_pki_directory_round_trip(tmp_path: Path) -> None:
    directory = PkiDirectory.initialise(tmp_path / "pki", base_url="http://gw.test/pki")
    for kind in ("sc", "qualified", "epuap", "cbtd", "tsl"):
        folder = tmp_path / "pki" / kind
        for name in ("ca.pem", "ca.key.pem", "issued.json", "authority.json", "README.txt"):
            assert (folder / name).is_file(), f"{kind}/{name}"
        assert "TEST KEYS — demo PKI only, never production" in (folder / "README.txt").read_text("utf-8")
    sc = directory.authority("sc")
    assert sc.base_url == "http://gw.test/pki/sc/"
    person = sc.issue("Jan Kowalski", pesel=PESEL)
    sc.suspend(person.serial, NOW)
    directory.save(sc)
    assert (tmp_path / "pki" / "sc" / "certs" / f"{person.serial_hex}.key.pem").is_file()

    reloaded = PkiDirectory(tmp_path / "pki").authority("sc")
    assert reloaded.certificate == sc.certificate
    assert reloaded.private_key.public_key() == sc.private_key.public_key()
    assert reloaded.records == sc.records
    assert reloaded.crl_number == sc.crl_number
    assert reloaded.ocsp_responder_serial == sc.ocsp_responder_serial is not None
    again = reloaded.get(person.serial)
    assert again.certificate == person.certificate and again.kind == "sc"
    assert again.private_key is not None and person.private_key is not None
    assert again.private_key.public_key() == person.private_key.public_key()
    record = reloaded.record(person.serial)
    assert (record.status, record.reason, record.revoked_at) == (
        "hold",
        x509.ReasonFlags.certificate_hold,
        NOW,
    )

    issued_json = json.loads((tmp_path / "pki" / "sc" / "issued.json").read_text("utf-8"))
    row = issued_json[person.serial_hex]
    assert row["status"] == "hold" and row["reason"] == "certificateHold" and row["kind"] == "sc"
    assert row["fingerprint"] == person.fingerprint
    assert row["subject"] == f"serialNumber=PNOPL-{PESEL},CN=Jan Kowalski,C=PL"

    # the trusted list written by init names the qualified CA and is signed by the tsl signer
    tsl_xml = directory.trusted_list_path.read_bytes()
    assert read_trusted_list(tsl_xml, directory.tsl_signer().certificate) == [
        directory.authority("qualified").certificate
    ]
    with pytest.raises(FileExistsError):
        PkiDirectory.initialise(tmp_path / "pki")


# --- CLI --------------------------------------------------------------------------------------


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gateway")
    add_pki_commands(parser.add_subparsers(required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    result: int = args.run(args, None)
    return result


def _cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert _cli([*argv, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_cli_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pki = str(tmp_path / "pki")
    assert _cli(["pki", "init", pki, "--base-url", "http://127.0.0.1:8080/pki/"]) == 0
    capsys.readouterr()

    assert (
        _cli(["pki", "issue", pki, "--kind", "sc", "--name", "Jan Kowalski", "--pesel", PESEL, "--json"]) == 0
    )
    issued = json.loads(capsys.readouterr().out)
    assert issued["kind"] == "sc" and issued["status"] == "good"
    assert Path(issued["certificate"]).is_file() and Path(issued["key"]).is_file()

    old_firm = ["--name", "Old Firm", "--nip", NIP, "--not-before", "2019-01-01T00:00:00", "--days", "30"]
    assert _cli(["pki", "issue", pki, "--kind", "cbtd", *old_firm]) == 0
    out = capsys.readouterr().out
    assert out.startswith("serial ") and "fingerprint " in out

    victim_serial = _cli_json(["pki", "issue", pki, "--kind", "sc", "--name", "Victim"], capsys)["serial"]
    revoked = _cli_json(
        ["pki", "revoke", pki, "--kind", "sc", victim_serial, "--reason", "keyCompromise"], capsys
    )
    assert (revoked["status"], revoked["reason"]) == ("revoked", "keyCompromise")
    held = _cli_json(["pki", "issue", pki, "--kind", "sc", "--name", "Held"], capsys)["serial"]
    assert _cli_json(["pki", "suspend", pki, "--kind", "sc", held], capsys)["status"] == "hold"
    assert _cli_json(["pki", "release", pki, "--kind", "sc", held], capsys)["status"] == "good"
    assert _cli(["pki", "release", pki, "--kind", "sc", held]) == 1
    assert "not on hold" in capsys.readouterr().err

    crl_path = tmp_path / "sc.crl"
    assert _cli(["pki", "crl", pki, "--kind", "sc", "--out", str(crl_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["revoked"] == [victim_serial]
    crl = x509.load_der_x509_crl(crl_path.read_bytes())
    ca = x509.load_pem_x509_certificate((tmp_path / "pki" / "sc" / "ca.pem").read_bytes())
    assert crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    [entry] = list(crl)
    assert format(entry.serial_number, "X") == victim_serial
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        is x509.ReasonFlags.key_compromise
    )

    document = tmp_path / "message.xml"
    document.write_bytes(DOCUMENT)
    signed_path = tmp_path / "signed.xml"
    argv = [
        "pki",
        "sign",
        pki,
        "--kind",
        "sc",
        "--serial",
        issued["serial"],
        str(document),
        "--out",
        str(signed_path),
    ]
    assert _cli([*argv, "--podpiszp", f"Jan,Kowalski,{PESEL},jkowalski"]) == 0
    signed = signed_path.read_bytes()
    assert SIGNATURE.sub(b"", signed) == DOCUMENT
    cert = x509.load_pem_x509_certificate(Path(issued["certificate"]).read_bytes())
    results = _verify_xades(signed, cert)
    assert (
        results[1].signed_properties.find(  # type: ignore[attr-defined]
            f".//{{{PPZP_NS}}}PodpisZP"
        )
        is not None
    )

    assert _cli(["pki", "sign", pki, "--kind", "sc", "--serial", "ABCDEF", str(document)]) == 1
    assert "no certificate ABCDEF" in capsys.readouterr().err
