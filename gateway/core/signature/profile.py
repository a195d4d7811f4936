"""The accepted XAdES profile, checked on the signature's structure before any cryptography.

XAdES-BES (baseline B) enveloped as a child of the message root: one ``Reference URI=""`` with the
enveloped-signature transform (then at most a canonicalization), one ``Reference`` to this
signature's own ``SignedProperties``, nothing else; algorithms from a short list.  Anything else is
``SIGNATURE_PROFILE`` (no signature at all: ``SIGNATURE_MISSING``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from lxml import etree

from gateway.core.errors import ErrorDetail, SignatureMissing, SignatureProfile

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES_141 = "http://uri.etsi.org/01903/v1.4.1#"
NS = {"ds": DS, "xades": XADES}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

C14N = frozenset(
    {
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        "http://www.w3.org/2006/12/xml-c14n11",
        "http://www.w3.org/2006/12/xml-c14n11#WithComments",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    }
)
STRONG_SIGNATURES = frozenset(
    {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    }
)
STRONG_DIGESTS = frozenset(
    {
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }
)
#: the signing certificate and its chain; more is only work for the chain builder
MAX_CERTIFICATES = 8
#: what signxml canonicalizes a reference with when its transforms name no canonicalization
DEFAULT_C14N = "http://www.w3.org/2006/12/xml-c14n11"
SHA1_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1_DIGEST = "http://www.w3.org/2000/09/xmldsig#sha1"


@dataclass(frozen=True, slots=True)
class Algorithms:
    """What the verifier accepts; the legacy profile adds SHA-1 for the CBTD-era messages."""

    signatures: frozenset[str]
    digests: frozenset[str]

    @classmethod
    def for_profile(cls, legacy_sha1: bool) -> Algorithms:
        if legacy_sha1:
            return cls(STRONG_SIGNATURES | {SHA1_SIGNATURE}, STRONG_DIGESTS | {SHA1_DIGEST})
        return cls(STRONG_SIGNATURES, STRONG_DIGESTS)


@dataclass(frozen=True, slots=True)
class SignatureParts:
    """The pieces of the one signature, located in the received tree."""

    signature: etree._Element
    certificates: tuple[bytes, ...]  # DER, in KeyInfo order
    signed_properties_id: str


def _refuse(message: str, node: etree._Element | None = None) -> SignatureProfile:
    path = node.getroottree().getpath(node) if node is not None else None
    line: Any = node.sourceline if node is not None else None
    return SignatureProfile(message, [ErrorDetail(SignatureProfile.code, message, line, None, path)])


def locate_signature(root: etree._Element, algorithms: Algorithms) -> SignatureParts:
    signatures = root.xpath("//ds:Signature", namespaces=NS)
    assert isinstance(signatures, list)
    if not signatures:
        raise SignatureMissing(
            "the message carries no XAdES signature (ds:Signature as the last child of the root)"
        )
    signature, *others = [s for s in signatures if isinstance(s, etree._Element)]
    if others:
        raise _refuse(f"exactly one signature is accepted, the message has {len(signatures)}", others[0])
    if signature.getparent() is not root:
        raise _refuse("the signature must be enveloped as a child of the message root", signature)
    _refuse_duplicate_ids(root)
    signed_info = _one(signature, "ds:SignedInfo")
    c14n = _one(signed_info, "ds:CanonicalizationMethod").get("Algorithm")
    if c14n not in C14N:
        raise _refuse(f"canonicalization {c14n} is not accepted", signed_info)
    method = _one(signed_info, "ds:SignatureMethod").get("Algorithm") or ""
    if method not in algorithms.signatures:
        kind = "HMAC signatures are" if "hmac" in method.lower() else f"signature method {method} is"
        raise _refuse(f"{kind} not accepted", signed_info)
    references = signed_info.findall("ds:Reference", NS)
    if len(references) != 2:
        raise _refuse(f"two references are expected (document, signed properties), not {len(references)}")
    whole = [r for r in references if r.get("URI") == ""]
    properties = [r for r in references if r.get("Type") == SIGNED_PROPERTIES_TYPE]
    if len(whole) != 1 or len(properties) != 1:
        raise _refuse(
            'one Reference URI="" and one Reference to the SignedProperties are expected', signed_info
        )
    _check_document_reference(whole[0], algorithms)
    properties_id = _check_properties_reference(properties[0], signature, algorithms)
    certificates = _certificates(signature)
    return SignatureParts(signature, certificates, properties_id)


def check_objects(parts: SignatureParts) -> None:
    """The signature holds one ``ds:Object``: the one with its QualifyingProperties, and nothing else.

    No reference covers another Object, so it could carry anything, a forged copy of the message
    included, for a reader to find.  Checked once the signature has verified, so that a message
    changed after signing is ``SIGNATURE_INVALID`` whatever was added to its signature.
    """
    objects = parts.signature.findall(f".//{{{DS}}}Object")
    qualifying = parts.signature.xpath(
        "ds:Object[xades:QualifyingProperties/xades:SignedProperties[@Id=$id]]",
        namespaces=NS,
        id=parts.signed_properties_id,
    )
    if len(objects) != 1 or not isinstance(qualifying, list) or qualifying != objects:
        extra = next((o for o in objects if not isinstance(qualifying, list) or o not in qualifying), None)
        raise _refuse(
            f"the signature holds {len(objects)} ds:Object elements; only the one with its "
            "QualifyingProperties is accepted (no reference covers another)",
            extra,
        )
    (only,) = objects
    if len(only) != 1 or (only.text or "").strip() or (only[0].tail or "").strip():
        raise _refuse(
            "the ds:Object of the signature must hold its QualifyingProperties and nothing else", only
        )


def _check_document_reference(reference: etree._Element, algorithms: Algorithms) -> None:
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)]
    if not transforms or transforms[0] != ENVELOPED:
        raise _refuse("the document reference must start with the enveloped-signature transform", reference)
    if len(transforms) > 2 or any(t not in C14N for t in transforms[1:]):
        raise _refuse(f"transforms {transforms[1:]} are not accepted (only one canonicalization)", reference)
    _check_digest(reference, algorithms)
    _refuse_unsigned_markup(reference.getroottree().getroot())


def _refuse_unsigned_markup(root: etree._Element) -> None:
    """No comment or processing instruction inside the root element, whatever the canonicalization.

    ``URI=""`` selects the document without its comments even with a ``#WithComments``
    canonicalization (XML-DSig 1.1 section 4.4.3.3): a comment is never signed, yet it splits a text
    node, so a reader that takes the first text node would see other data than was signed (comment
    injection).  A processing instruction is digested, but no customs message holds one and a
    reader could take it for data.  Outside the root element (prolog, epilog: an ``xml-stylesheet``
    instruction, say) neither carries business data; they are accepted and the bytes forwarded as
    received.
    """
    found = root.xpath("(.//comment() | .//processing-instruction())[1]")
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        if isinstance(found[0], etree._Comment):
            message = "comments inside the message are not covered by the signature; remove them"
        else:
            message = "processing instructions inside the message are not accepted; remove them"
        raise _refuse(message, found[0].getparent())


def _check_properties_reference(
    reference: etree._Element, signature: etree._Element, algorithms: Algorithms
) -> str:
    uri = reference.get("URI") or ""
    if not uri.startswith("#") or len(uri) < 2:
        raise _refuse("the SignedProperties reference must point into the signature (URI=#id)", reference)
    target = uri[1:]
    own = signature.xpath(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties[@Id=$id]", namespaces=NS, id=target
    )
    if not isinstance(own, list) or len(own) != 1:
        raise _refuse(f"SignedProperties {target} is not this signature's own", reference)
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", NS)]
    if len(transforms) > 1 or any(t not in C14N for t in transforms):
        raise _refuse(
            f"transforms {transforms} are not accepted on the SignedProperties reference", reference
        )
    _check_digest(reference, algorithms)
    properties = own[0]
    assert isinstance(properties, etree._Element)
    qualifying = properties.getparent()
    assert qualifying is not None
    signature_id = signature.get("Id")
    if signature_id and qualifying.get("Target") not in (None, f"#{signature_id}"):
        raise _refuse("QualifyingProperties target another signature", qualifying)
    signed = properties.find("xades:SignedSignatureProperties", NS)
    if signed is None or signed.find("xades:SigningTime", NS) is None:
        raise _refuse("the signed properties must carry SigningTime", properties)
    if (
        signed.find("xades:SigningCertificateV2", NS) is None
        and signed.find("xades:SigningCertificate", NS) is None
    ):
        raise _refuse(
            "the signed properties must carry SigningCertificate or SigningCertificateV2", properties
        )
    return target


def _check_digest(reference: etree._Element, algorithms: Algorithms) -> None:
    digest = _one(reference, "ds:DigestMethod").get("Algorithm")
    if digest not in algorithms.digests:
        raise _refuse(f"digest method {digest} is not accepted", reference)


def _certificates(signature: etree._Element) -> tuple[bytes, ...]:
    import base64
    import binascii

    found = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    if not found:
        raise _refuse("KeyInfo must carry the signing certificate (X509Data/X509Certificate)", signature)
    if len(found) > MAX_CERTIFICATES:
        raise _refuse(f"KeyInfo carries {len(found)} certificates; at most {MAX_CERTIFICATES}", signature)
    try:
        return tuple(base64.b64decode("".join((c.text or "").split()), validate=True) for c in found)
    except binascii.Error:
        raise _refuse("an X509Certificate is not base64", signature) from None


def _refuse_duplicate_ids(root: etree._Element) -> None:
    # An ID that names two elements lets a reference resolve to something other than what the
    # verifier looked at (signature wrapping); so no value may be used twice under any spelling,
    # in any namespace (xml:id, wsu:Id, ...).
    values = root.xpath("//@*[local-name() = 'Id' or local-name() = 'ID' or local-name() = 'id']")
    assert isinstance(values, list)
    counts = Counter(str(v) for v in values)
    repeated = sorted(value for value, count in counts.items() if count > 1)
    if repeated:
        raise _refuse(f"identifiers used more than once (Id, ID, id, xml:id): {', '.join(repeated)}")


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path, NS)
    if len(found) != 1:
        raise _refuse(f"{path} must appear exactly once", parent)
    return found[0]
