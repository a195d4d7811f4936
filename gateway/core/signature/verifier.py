"""The XAdES verifier bound to the profile: what ``locate_signature`` lets through, verified on the
tree the gateway parsed.

No parse and no serialisation of the document: the one canonicalization of the document is the
only pass over it, and the tree is left as it was (nothing is moved, not even for a moment).  Under
the profile (checked before this runs) there is exactly this to verify:

- the signature's structure against the XAdES schemas (:mod:`gateway.core.signature.structure`);
- SignedInfo canonicalized by its CanonicalizationMethod, and SignatureValue verified with the
  signing certificate's key: RSA PKCS#1 v1.5, or ECDSA (whose XML-DSig value is raw r||s);
- ``Reference URI=""``: the document without the signature (enveloped transform), canonicalized
  by its canonicalization transform (C14N 1.1 when it names none), then digested;
- the Reference to this signature's own SignedProperties, canonicalized likewise and digested;
- KeyInfo's key values agree with the signing certificate;
- SigningCertificate(V2): each Cert's digest names a KeyInfo certificate, the first one the signing
  certificate; IssuerSerial(V2) names it; SigningTime is not in the future.

A digest, the signature value or a certificate named by the signed properties that does not match
is ``SIGNATURE_INVALID``; anything that does not follow the structure is ``SIGNATURE_PROFILE``.
These are signxml's verdicts: the signxml-based :func:`gateway.core.signature.xades.verify_xades` is kept
as the oracle a differential test holds this verifier to.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from gateway.core.errors import ErrorDetail, SignatureInvalid, SignatureProfile
from gateway.core.signature.c14n import Canonicalization, enveloped_document
from gateway.core.signature.profile import C14N, DEFAULT_C14N, NS, Algorithms, SignatureParts
from gateway.core.signature.structure import check_structure
from gateway.core.signature.xades import VerifiedXades, check_issuer_serial, check_signing_time
from gateway.core.validation.parsing import ParsedDocument

DSIG11 = "http://www.w3.org/2009/xmldsig11#"
EC_NAMESPACES = {**NS, "dsig11": DSIG11, "ec": "http://www.w3.org/2001/10/xml-exc-c14n#"}

#: every digest XML-DSig names (the profile narrows the references' and SigningCertificate's
#: first Cert's; the other Certs may name any of these, as signxml allows)
DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1(),
    "http://www.w3.org/2001/04/xmldsig-more#sha224": hashes.SHA224(),
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256(),
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384(),
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512(),
    "http://www.w3.org/2007/05/xmldsig-more#sha3-224": hashes.SHA3_224(),
    "http://www.w3.org/2007/05/xmldsig-more#sha3-256": hashes.SHA3_256(),
    "http://www.w3.org/2007/05/xmldsig-more#sha3-384": hashes.SHA3_384(),
    "http://www.w3.org/2007/05/xmldsig-more#sha3-512": hashes.SHA3_512(),
}
_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
#: SignatureMethod -> (RSA or ECDSA, its hash); the profile's lists name no other
SIGNATURE_METHODS: dict[str, tuple[str, hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", hashes.SHA1()),
    f"{_MORE}rsa-sha256": ("rsa", hashes.SHA256()),
    f"{_MORE}rsa-sha384": ("rsa", hashes.SHA384()),
    f"{_MORE}rsa-sha512": ("rsa", hashes.SHA512()),
    f"{_MORE}ecdsa-sha256": ("ecdsa", hashes.SHA256()),
    f"{_MORE}ecdsa-sha384": ("ecdsa", hashes.SHA384()),
    f"{_MORE}ecdsa-sha512": ("ecdsa", hashes.SHA512()),
}
#: the NamedCurve URIs of an ECKeyValue, by the curve's name in ``cryptography``
CURVES = {
    "urn:oid:1.2.840.10045.3.1.7": "secp256r1",
    "urn:oid:1.3.132.0.34": "secp384r1",
    "urn:oid:1.3.132.0.35": "secp521r1",
    "urn:oid:1.2.840.10045.3.1.1": "secp192r1",
    "urn:oid:1.3.132.0.33": "secp224r1",
}


def verify_tree(
    parsed: ParsedDocument,
    parts: SignatureParts,
    signer: x509.Certificate,
    others: tuple[x509.Certificate, ...],
    algorithms: Algorithms,
    received_at: datetime,
    max_skew: timedelta,
) -> VerifiedXades:
    """Verifies the one signature ``parts`` located in ``parsed.root``, with ``signer``'s key.

    ``VerifiedXades.signed_root`` is ``parsed.root`` itself, the signature still in it: what the
    signature covers is that tree without the ``ds:Signature`` subtree (the signature stage takes
    it out once everything is checked).  The tree must not change while this runs: it is the
    request's own, read by one thread.
    """
    signature = parts.signature
    check_structure(signature)
    signed_info = _one(signature, "ds:SignedInfo")
    method = _one(signed_info, "ds:SignatureMethod").get("Algorithm", "")
    if method not in algorithms.signatures or method not in SIGNATURE_METHODS:
        raise _profile(f"signature method {method} is not accepted")
    value = _base64(_one(signature, "ds:SignatureValue"), "SignatureValue")
    c14n = _one(signed_info, "ds:CanonicalizationMethod")
    signed_info_c14n = Canonicalization.named(c14n.get("Algorithm", "")).of(signed_info, _prefixes(c14n))
    _verify_value(signed_info_c14n, value, method, signer)
    _check_key_info(signature, signer)
    properties = _own_signed_properties(parts)
    for reference in signed_info.findall("ds:Reference", NS):
        _verify_reference(reference, parsed.root, parts, properties, algorithms)
    signed = _one(properties, "xades:SignedSignatureProperties")
    _check_certificate_digests(signed, signer, others)
    check_issuer_serial(signed, signer)
    signing_time = check_signing_time(signed, received_at, max_skew)
    return VerifiedXades(parsed.root, signer, others, signing_time, signed)


def _verify_value(data: bytes, value: bytes, method: str, signer: x509.Certificate) -> None:
    family, digest = SIGNATURE_METHODS[method]
    key = signer.public_key()
    try:
        if family == "rsa":
            if not isinstance(key, rsa.RSAPublicKey):
                raise _profile("an RSA signature method with a certificate whose key is not RSA")
            key.verify(value, data, padding.PKCS1v15(), digest)
            return
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise _profile("an ECDSA signature method with a certificate whose key is not EC")
        size = (key.key_size + 7) // 8
        if len(value) != 2 * size:
            raise _invalid(f"an ECDSA SignatureValue of {len(value)} bytes; {2 * size} expected (r || s)")
        r, s = int.from_bytes(value[:size], "big"), int.from_bytes(value[size:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
    except InvalidSignature:
        raise _invalid("the signature value does not verify with the signing certificate's key") from None


def _verify_reference(
    reference: etree._Element,
    root: etree._Element,
    parts: SignatureParts,
    properties: etree._Element,
    algorithms: Algorithms,
) -> None:
    uri = reference.get("URI")
    transforms = reference.findall("ds:Transforms/ds:Transform", NS)
    named = [t.get("Algorithm") for t in transforms]
    c14n = [t for t in transforms if t.get("Algorithm") in C14N]
    method = Canonicalization.named(str(c14n[0].get("Algorithm")) if c14n else DEFAULT_C14N)
    prefixes = _prefixes(c14n[0]) if c14n else None
    digest_method = _one(reference, "ds:DigestMethod").get("Algorithm", "")
    if digest_method not in algorithms.digests or digest_method not in DIGESTS:
        raise _profile(f"digest method {digest_method} is not accepted")
    expected = _base64(_one(reference, "ds:DigestValue"), "DigestValue")
    if uri == "" and named[:1] == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature"]:
        before, *inside, after = enveloped_document(root, parts.signature, method, prefixes)
        # URI="" signs the processing instructions beside the root element too; ones added after
        # signing (an xml-stylesheet instruction a trader's software puts in) carry no business
        # data and are forwarded as received, so the root element alone may match as well
        forms = [(before, *inside, after), tuple(inside)] if before or after else [(before, *inside, after)]
        if not any(_digest(DIGESTS[digest_method], form) == expected for form in forms):
            raise _invalid("the digest of the document does not match its Reference")
    elif uri == f"#{parts.signed_properties_id}" and len(c14n) == len(transforms):
        signed_properties = method.without_comments().of(properties, prefixes)
        if _digest(DIGESTS[digest_method], (signed_properties,)) != expected:
            raise _invalid("the digest of the SignedProperties does not match its Reference")
    else:
        raise _profile(f"a Reference outside the profile (URI {uri!r}, transforms {named})")


def _digest(algorithm: hashes.HashAlgorithm, pieces: Sequence[bytes | memoryview]) -> bytes:
    digest = hashes.Hash(algorithm)
    for piece in pieces:
        digest.update(piece)
    return digest.finalize()


def _own_signed_properties(parts: SignatureParts) -> etree._Element:
    found = parts.signature.xpath(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties[@Id=$id]",
        namespaces=NS,
        id=parts.signed_properties_id,
    )
    if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], etree._Element):
        raise _profile("the SignedProperties are not this signature's own")
    return found[0]


def _check_key_info(signature: etree._Element, signer: x509.Certificate) -> None:
    """What signxml checks of KeyInfo beside the certificate (profile.signing_certificate has
    checked every KeyValue's numbers already): the first ECKeyValue names the certificate's curve,
    and a DEREncodedKeyValue is the certificate's key."""
    key = signer.public_key()
    key_value = signature.find("ds:KeyInfo/ds:KeyValue", NS)
    if isinstance(key, ec.EllipticCurvePublicKey) and key_value is not None:
        stated = key_value.find("dsig11:ECKeyValue", EC_NAMESPACES)
        curve = stated.find("dsig11:NamedCurve", EC_NAMESPACES) if stated is not None else None
        if curve is None or CURVES.get(curve.get("URI", "")) != key.curve.name:
            raise _profile("the ECKeyValue in KeyInfo does not name the signing certificate's curve")
    encoded = signature.find("ds:KeyInfo/dsig11:DEREncodedKeyValue", EC_NAMESPACES)
    if encoded is not None:
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        try:
            der_key = serialization.load_der_public_key(_base64(encoded, "DEREncodedKeyValue"))
        except ValueError:
            raise _profile("the DEREncodedKeyValue in KeyInfo is not a public key") from None
        if der_key.public_bytes(*spki) != key.public_bytes(*spki):
            raise _profile("the DEREncodedKeyValue in KeyInfo is not the signing certificate's key")


def _check_certificate_digests(
    signed: etree._Element, signer: x509.Certificate, others: Sequence[x509.Certificate]
) -> None:
    named = signed.findall("xades:SigningCertificate", NS) + signed.findall("xades:SigningCertificateV2", NS)
    if len(named) != 1:
        raise _profile("the signed properties must carry one of SigningCertificate, SigningCertificateV2")
    known = [signer, *others]
    for index, cert in enumerate(named[0].findall("xades:Cert", NS)):
        digest = _one(cert, "xades:CertDigest")
        algorithm = DIGESTS.get(_one(digest, "ds:DigestMethod").get("Algorithm", ""))
        if algorithm is None:
            raise _profile("a SigningCertificate digest method is not known")
        wanted = _base64(_one(digest, "ds:DigestValue"), "CertDigest")
        if index == 0 and signer.fingerprint(algorithm) == wanted:
            continue  # the usual case: one Cert, the signing certificate
        if not any(candidate.fingerprint(algorithm) == wanted for candidate in known):
            raise _invalid("the signed properties name a certificate that is not in KeyInfo")
        if index == 0:
            raise _invalid("the signed properties' first certificate is not the signing certificate")


def _prefixes(transform: etree._Element) -> list[str] | None:
    listed = transform.find("ec:InclusiveNamespaces[@PrefixList]", EC_NAMESPACES)
    return str(listed.get("PrefixList")).split(" ") if listed is not None else None


def _base64(element: etree._Element, what: str) -> bytes:
    """Read as signxml reads it: characters outside the base64 alphabet are skipped (a value that
    then does not match is a mismatch, not a malformed signature); bad padding is malformed."""
    if element.text is None:
        raise _profile(f"{what} is empty")
    try:
        return base64.b64decode(element.text)
    except binascii.Error:
        raise _profile(f"{what} is not base64") from None


@functools.cache
def _clark(path: str) -> str:
    """``ds:A/xades:B`` as ``{uri}A/{uri}B``: ElementPath looks that up without a namespace map."""
    steps = (step.split(":", 1) for step in path.split("/"))
    return "/".join(f"{{{EC_NAMESPACES[prefix]}}}{name}" for prefix, name in steps)


def _one(parent: etree._Element, path: str) -> etree._Element:
    """The first ``path`` below ``parent``: the schema check has made sure there is one only."""
    found = parent.find(_clark(path))
    if found is None:
        raise _profile(f"{path} is missing in {etree.QName(parent).localname}")
    return found


def _invalid(message: str) -> SignatureInvalid:
    return SignatureInvalid(message, [ErrorDetail(SignatureInvalid.code, message)])


def _profile(message: str) -> SignatureProfile:
    return SignatureProfile(message, [ErrorDetail(SignatureProfile.code, message)])
