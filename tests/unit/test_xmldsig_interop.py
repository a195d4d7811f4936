"""W3C XML-DSig interoperability vectors against the accepted XAdES profile.

The vectors in ``tests/data/xmldsig-interop/`` (see its SOURCE.txt) are the W3C XML Signature
interop suites as shipped in signxml 5.2.0's source distribution: merlin-xmldsig-twenty-three,
phaos-xmldsig-three, aleksey-xmldsig-01 and the 2012 XML Signature 1.1 interop (TR2012), plus
signxml's own aleksey-xmldsig-01-enveloped.  Each is parsed with the gateway's hardened parser
(default limits) and handed to ``locate_signature(root, Algorithms.for_profile(False))``, the
structural check that runs before any cryptography.

No vector fits the profile: they are plain XML-DSig, and the profile is XAdES-BES enveloped as a
child of the message root, with exactly two references (the document, ``URI=""``, and the
signature's own SignedProperties).  The first check that refuses each one (the checks run in this
order: parsing, one signature, its place, duplicate Ids, canonicalization, signature method,
references, transforms, digests, KeyInfo):

==========================================================================  =====
reason                                                                        count
==========================================================================  =====
refused at parsing: a DTD (``XML_FORBIDDEN``)                                   2
the signature is the document element, references point into it (enveloping)   77
the signature is the document element, references external content (detached)  15
enveloped, signature method rsa-sha1 (SHA-1; legacy profile only)               7
enveloped, signature method dsa-sha1 (DSA)                                       2
enveloped, HMAC signature method                                                 1
enveloped, rsa-sha256: plain XML-DSig, one reference, no SignedProperties        8
fits the profile                                                                 0
**total**                                                                      112
==========================================================================  =====

Nothing is fetched: the detached vectors name http:// URLs, and the check refuses them on their
structure alone.

Since none fits, the cryptography is cross-checked on the vectors whose algorithms the profile
accepts (SignatureMethod and every DigestMethod in ``Algorithms.for_profile(False)``, 28 vectors):
each goes through ``signxml.XMLVerifier`` restricted to those algorithms, with the key the vector
carries (the leaf of its X509Certificate chain, else KeyValue / DEREncodedKeyValue):

- 14 TR2012 vectors (RSA and ECDSA P-256/384/521 with SHA-256/384/512) verify;
- 11 xmlsec-made vectors (aleksey-xmldsig-01 ``enveloping-sha{256,384,512}-rsa-*`` and the 8
  aleksey-xmldsig-01-enveloped ones) verify only with signxml's ``excise_empty_xmlns_declarations``,
  signxml's switch for a known-incorrect legacy canonicalization (signxml issue #193); with the
  default, which the gateway uses, their signature value does not match;
- ``invalid_enveloped_transform.xml`` is a negative vector: it does not verify either way;
- 2 TR2012 vectors carry no key (``keyinforeference``: KeyInfo by reference; ``x509digest``: the
  certificate named by digest only): signxml refuses them with ``InvalidInput``; the profile
  would in any case (no X509Certificate in KeyInfo).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography import x509
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature

from gateway.config import ParsingSettings
from gateway.core.errors import SignatureMissing, SignatureProfile, XmlForbidden
from gateway.core.signature.profile import NS, Algorithms, SignatureParts, locate_signature
from gateway.core.validation.parsing import parse

DATA = Path(__file__).resolve().parents[1] / "data" / "xmldsig-interop"
VECTORS = sorted(p.relative_to(DATA).as_posix() for p in DATA.rglob("*.xml"))
ACCEPTED = Algorithms.for_profile(False)

DTD = "refused at parsing: a DTD"
ENVELOPING = "the signature is the document element, references point into it (enveloping)"
DETACHED = "the signature is the document element, references external content (detached)"
SHA1 = "signature method rsa-sha1 (SHA-1)"
DSA = "signature method dsa-sha1 (DSA)"
HMAC = "HMAC signature method"
PLAIN = "plain XML-DSig: one reference, no XAdES SignedProperties"

#: per reason, the vectors the profile refuses for it (the first check that fails)
REFUSED: dict[str, tuple[str, ...]] = {
    DTD: (
        "aleksey-xmldsig-01/xpointer-hmac.xml",
        "merlin-xmldsig-twenty-three/signature.xml",
    ),
    DETACHED: (
        "merlin-xmldsig-twenty-three/signature-external-b64-dsa.xml",
        "merlin-xmldsig-twenty-three/signature-external-dsa.xml",
        "merlin-xmldsig-twenty-three/signature-keyname.xml",
        "merlin-xmldsig-twenty-three/signature-retrievalmethod-rawx509crt.xml",
        "merlin-xmldsig-twenty-three/signature-x509-crt-crl.xml",
        "merlin-xmldsig-twenty-three/signature-x509-crt.xml",
        "merlin-xmldsig-twenty-three/signature-x509-is.xml",
        "merlin-xmldsig-twenty-three/signature-x509-ski.xml",
        "merlin-xmldsig-twenty-three/signature-x509-sn.xml",
        "phaos-xmldsig-three/signature-big.xml",
        "phaos-xmldsig-three/signature-dsa-detached.xml",
        "phaos-xmldsig-three/signature-hmac-sha1-40-c14n-comments-detached.xml",
        "phaos-xmldsig-three/signature-hmac-sha1-40-exclusive-c14n-comments-detached.xml",
        "phaos-xmldsig-three/signature-hmac-sha1-exclusive-c14n-comments-detached.xml",
        "phaos-xmldsig-three/signature-rsa-detached.xml",
    ),
    ENVELOPING: (
        "TR2012/signature-enveloping-derencoded-ec.xml",
        "TR2012/signature-enveloping-derencoded-rsa.xml",
        "TR2012/signature-enveloping-hmac-sha1-truncated160.xml",
        "TR2012/signature-enveloping-hmac-sha224.xml",
        "TR2012/signature-enveloping-hmac-sha256.xml",
        "TR2012/signature-enveloping-hmac-sha384.xml",
        "TR2012/signature-enveloping-hmac-sha512.xml",
        "TR2012/signature-enveloping-keyinforeference-rsa.xml",
        "TR2012/signature-enveloping-p256_sha1.xml",
        "TR2012/signature-enveloping-p256_sha224.xml",
        "TR2012/signature-enveloping-p256_sha256.xml",
        "TR2012/signature-enveloping-p256_sha384.xml",
        "TR2012/signature-enveloping-p256_sha512.xml",
        "TR2012/signature-enveloping-p384_sha1.xml",
        "TR2012/signature-enveloping-p384_sha224.xml",
        "TR2012/signature-enveloping-p384_sha256.xml",
        "TR2012/signature-enveloping-p384_sha384.xml",
        "TR2012/signature-enveloping-p384_sha512.xml",
        "TR2012/signature-enveloping-p521_sha1.xml",
        "TR2012/signature-enveloping-p521_sha224.xml",
        "TR2012/signature-enveloping-p521_sha256.xml",
        "TR2012/signature-enveloping-p521_sha384.xml",
        "TR2012/signature-enveloping-p521_sha512.xml",
        "TR2012/signature-enveloping-rsa-sha224.xml",
        "TR2012/signature-enveloping-rsa-sha256.xml",
        "TR2012/signature-enveloping-rsa_sha384.xml",
        "TR2012/signature-enveloping-rsa_sha512.xml",
        "TR2012/signature-enveloping-sha224-rsa_sha256.xml",
        "TR2012/signature-enveloping-sha256-rsa-sha256.xml",
        "TR2012/signature-enveloping-sha384-rsa_sha256.xml",
        "TR2012/signature-enveloping-sha512-rsa_sha256.xml",
        "TR2012/signature-enveloping-x509digest-rsa.xml",
        "aleksey-xmldsig-01/enveloping-dsa-x509chain.xml",
        "aleksey-xmldsig-01/enveloping-expired-cert.xml",
        "aleksey-xmldsig-01/enveloping-md5-hmac-md5-64.xml",
        "aleksey-xmldsig-01/enveloping-md5-hmac-md5.xml",
        "aleksey-xmldsig-01/enveloping-md5-rsa-md5.xml",
        "aleksey-xmldsig-01/enveloping-ripemd160-hmac-ripemd160-64.xml",
        "aleksey-xmldsig-01/enveloping-ripemd160-hmac-ripemd160.xml",
        "aleksey-xmldsig-01/enveloping-ripemd160-rsa-ripemd160.xml",
        "aleksey-xmldsig-01/enveloping-rsa-x509chain.xml",
        "aleksey-xmldsig-01/enveloping-sha1-hmac-sha1-64.xml",
        "aleksey-xmldsig-01/enveloping-sha1-hmac-sha1.xml",
        "aleksey-xmldsig-01/enveloping-sha1-rsa-sha1.xml",
        "aleksey-xmldsig-01/enveloping-sha224-hmac-sha224-64.xml",
        "aleksey-xmldsig-01/enveloping-sha224-hmac-sha224.xml",
        "aleksey-xmldsig-01/enveloping-sha224-rsa-sha224.xml",
        "aleksey-xmldsig-01/enveloping-sha256-hmac-sha256-64.xml",
        "aleksey-xmldsig-01/enveloping-sha256-hmac-sha256.xml",
        "aleksey-xmldsig-01/enveloping-sha256-rsa-sha256.xml",
        "aleksey-xmldsig-01/enveloping-sha384-hmac-sha384-64.xml",
        "aleksey-xmldsig-01/enveloping-sha384-hmac-sha384.xml",
        "aleksey-xmldsig-01/enveloping-sha384-rsa-sha384.xml",
        "aleksey-xmldsig-01/enveloping-sha512-hmac-sha512-64.xml",
        "aleksey-xmldsig-01/enveloping-sha512-hmac-sha512.xml",
        "aleksey-xmldsig-01/enveloping-sha512-rsa-sha512.xml",
        "aleksey-xmldsig-01-enveloped/invalid_enveloped_transform.xml",
        "merlin-xmldsig-twenty-three/signature-enveloping-b64-dsa.xml",
        "merlin-xmldsig-twenty-three/signature-enveloping-dsa.xml",
        "merlin-xmldsig-twenty-three/signature-enveloping-hmac-sha1-40.xml",
        "merlin-xmldsig-twenty-three/signature-enveloping-hmac-sha1.xml",
        "merlin-xmldsig-twenty-three/signature-enveloping-rsa.xml",
        "phaos-xmldsig-three/signature-dsa-enveloping.xml",
        "phaos-xmldsig-three/signature-dsa-manifest.xml",
        "phaos-xmldsig-three/signature-hmac-md5-c14n-enveloping.xml",
        "phaos-xmldsig-three/signature-rsa-detached-b64-transform.xml",
        "phaos-xmldsig-three/signature-rsa-detached-xpath-transform.xml",
        "phaos-xmldsig-three/signature-rsa-detached-xslt-transform-retrieval-method.xml",
        "phaos-xmldsig-three/signature-rsa-detached-xslt-transform.xml",
        "phaos-xmldsig-three/signature-rsa-enveloping.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data-cert-chain.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data-cert.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data-issuer-serial.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data-ski.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data-subject-name.xml",
        "phaos-xmldsig-three/signature-rsa-manifest-x509-data.xml",
        "phaos-xmldsig-three/signature-rsa-manifest.xml",
    ),
    SHA1: (
        "aleksey-xmldsig-01/x509data-sn-test.xml",
        "aleksey-xmldsig-01/x509data-test.xml",
        "phaos-xmldsig-three/signature-rsa-detached-xslt-transform-bad-retrieval-method.xml",
        "phaos-xmldsig-three/signature-rsa-enveloped-bad-digest-val.xml",
        "phaos-xmldsig-three/signature-rsa-enveloped-bad-sig.xml",
        "phaos-xmldsig-three/signature-rsa-enveloped.xml",
        "phaos-xmldsig-three/signature-rsa-xpath-transform-enveloped.xml",
    ),
    DSA: (
        "merlin-xmldsig-twenty-three/signature-enveloped-dsa.xml",
        "phaos-xmldsig-three/signature-dsa-enveloped.xml",
    ),
    HMAC: ("phaos-xmldsig-three/signature-hmac-sha1-exclusive-c14n-enveloped.xml",),
    PLAIN: (
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-1.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-2.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-3.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-4.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-5.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-6.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-7.xml",
        "aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-8.xml",
    ),
}
#: vectors that fit the profile (and would then have to verify through the XAdES verifier)
FITS: tuple[str, ...] = ()

VERIFIES = "verifies"
VERIFIES_WITH_LEGACY_C14N = "verifies only with signxml's legacy canonicalization quirk"
DOES_NOT_VERIFY = "does not verify (a negative vector)"
NO_KEY = "carries no key signxml can use"
#: the vectors whose algorithms the profile accepts: what signxml, restricted to them, says
CRYPTO: dict[str, str] = {
    **{
        f"TR2012/signature-enveloping-{name}.xml": VERIFIES
        for name in (
            "derencoded-ec",
            "derencoded-rsa",
            *(f"p{curve}_sha{bits}" for curve in (256, 384, 521) for bits in (256, 384, 512)),
            "sha256-rsa-sha256",
            "sha384-rsa_sha256",
            "sha512-rsa_sha256",
        )
    },
    "TR2012/signature-enveloping-keyinforeference-rsa.xml": NO_KEY,
    "TR2012/signature-enveloping-x509digest-rsa.xml": NO_KEY,
    **{
        f"aleksey-xmldsig-01/enveloping-sha{bits}-rsa-sha{bits}.xml": VERIFIES_WITH_LEGACY_C14N
        for bits in (256, 384, 512)
    },
    **{
        f"aleksey-xmldsig-01-enveloped/enveloped-sha256-rsa-sha256-test-{n}.xml": VERIFIES_WITH_LEGACY_C14N
        for n in range(1, 9)
    },
    "aleksey-xmldsig-01-enveloped/invalid_enveloped_transform.xml": DOES_NOT_VERIFY,
}


def reason_of(name: str) -> str:
    """The first reason the gateway's parser and profile check refuse this vector for."""
    try:
        parsed = parse((DATA / name).read_bytes(), ParsingSettings())
    except XmlForbidden as exc:
        assert "document type declaration" in exc.detail, exc.detail
        return DTD
    try:
        parts = locate_signature(parsed.root, ACCEPTED)
    except SignatureMissing as exc:
        return f"missing: {exc.detail}"
    except SignatureProfile as exc:
        message = exc.detail
        if "enveloped as a child of the message root" in message:
            uris = [r.get("URI") for r in parsed.root.findall("ds:SignedInfo/ds:Reference", NS)]
            return DETACHED if any(uri and not uri.startswith("#") for uri in uris) else ENVELOPING
        if message.startswith("HMAC signatures"):
            return HMAC
        if "xmldsig#rsa-sha1 is not accepted" in message:
            return SHA1
        if "xmldsig#dsa-sha1 is not accepted" in message:
            return DSA
        if message.startswith("two references are expected") and message.endswith("not 1"):
            return PLAIN
        return f"other: {message}"
    assert isinstance(parts, SignatureParts)
    return "fits"


def test_the_vectors_are_there_and_each_is_listed_once() -> None:
    listed = [name for names in REFUSED.values() for name in names] + list(FITS)
    assert len(listed) == len(set(listed))
    assert sorted(listed) == VECTORS
    assert len(VECTORS) == 112
    assert set(CRYPTO) <= set(VECTORS)
    assert (DATA / "SOURCE.txt").is_file()


@pytest.mark.parametrize(
    ("name", "reason"),
    [(name, reason) for reason, names in REFUSED.items() for name in names],
    ids=[name for names in REFUSED.values() for name in names],
)
def test_vector_is_refused_for_its_reason(name: str, reason: str) -> None:
    assert reason_of(name) == reason


def test_no_vector_fits_the_profile() -> None:
    assert [name for name in VECTORS if reason_of(name) == "fits"] == list(FITS) == []


def test_the_cryptography_is_checked_exactly_on_the_vectors_with_accepted_algorithms() -> None:
    def accepted(name: str) -> bool:
        body = (DATA / name).read_bytes()
        if b"<!DOCTYPE" in body:
            return False
        root = etree.fromstring(body)
        signature = root.xpath("//ds:Signature", namespaces=NS)[0]
        assert isinstance(signature, etree._Element)
        method = signature.find("ds:SignedInfo/ds:SignatureMethod", NS)
        digests = signature.findall("ds:SignedInfo/ds:Reference/ds:DigestMethod", NS)
        assert method is not None
        return method.get("Algorithm") in ACCEPTED.signatures and all(
            d.get("Algorithm") in ACCEPTED.digests for d in digests
        )

    assert sorted(name for name in VECTORS if accepted(name)) == sorted(CRYPTO)


def _leaf_certificate(name: str) -> x509.Certificate | None:
    root = etree.fromstring((DATA / name).read_bytes())
    found = root.xpath("//ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
    assert isinstance(found, list)
    certificates = [
        x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split())))
        for node in found
        if isinstance(node, etree._Element)
    ]

    # the leaf: the one certificate that issued none of the others
    leaves = [c for c in certificates if not any(o is not c and o.issuer == c.subject for o in certificates)]
    assert len(leaves) <= 1, name
    return leaves[0] if leaves else None


def _verify(name: str, *, legacy_c14n: bool) -> None:
    verifier = XMLVerifier()
    verifier.excise_empty_xmlns_declarations = legacy_c14n
    config = SignatureConfiguration(
        require_x509=False,
        expect_references=True,
        signature_methods=frozenset(SignatureMethod(a) for a in ACCEPTED.signatures),
        digest_algorithms=frozenset(DigestAlgorithm(a) for a in ACCEPTED.digests),
    )
    verifier.verify((DATA / name).read_bytes(), x509_cert=_leaf_certificate(name), expect_config=config)


@pytest.mark.parametrize(("name", "outcome"), sorted(CRYPTO.items()), ids=sorted(CRYPTO))
def test_vector_with_accepted_algorithms_verifies_through_signxml(name: str, outcome: str) -> None:
    if outcome == VERIFIES:
        _verify(name, legacy_c14n=False)
    elif outcome == VERIFIES_WITH_LEGACY_C14N:
        with pytest.raises(InvalidSignature):
            _verify(name, legacy_c14n=False)
        _verify(name, legacy_c14n=True)
    elif outcome == DOES_NOT_VERIFY:
        for legacy in (False, True):
            with pytest.raises(InvalidSignature):
                _verify(name, legacy_c14n=legacy)
    else:
        assert outcome == NO_KEY
        with pytest.raises(InvalidInput):
            _verify(name, legacy_c14n=False)
