"""Verification of the one XAdES signature with signxml as the engine, and the XAdES checks both
verifiers share.

signxml checks the references' digests, the signature value with the certificate we pin (the one
the signed ``SigningCertificate(V2)`` names, taken from KeyInfo), and that certificate's digest in
the signed properties.  Added here: the IssuerSerial of the signed properties, SigningTime present
and not in the future.  What comes out is the document as the signature covers it, parsed from the
verified bytes.

The signature stage verifies inbound messages with :mod:`gateway.core.signature.verifier` on the tree it
has already parsed (signxml parses the document three more times); :func:`verify_xades` verifies the
gateway's own receipts, and is the oracle the differential test holds that verifier to.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import _remove_sig
from signxml.xades.xades import XAdESSignatureConfiguration, XAdESVerifier

from gateway.core.errors import CertUntrusted, ErrorDetail, SignatureInvalid, SignatureProfile
from gateway.core.signature.profile import C14N, ENVELOPED, NS, Algorithms, SignatureParts

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1(),
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256(),
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384(),
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512(),
}


@dataclass(frozen=True, slots=True)
class VerifiedXades:
    #: the document the signature covers: parsed from the verified bytes (the enveloped signature
    #: removed) by :func:`verify_xades`; the received root itself, its signature still in it, by
    #: :func:`gateway.core.signature.verifier.verify_tree` (the stage takes the signature out)
    signed_root: etree._Element
    signing_certificate: x509.Certificate
    #: the other certificates of KeyInfo: candidates for the chain
    other_certificates: tuple[x509.Certificate, ...]
    signing_time: datetime
    #: xades:SignedSignatureProperties as verified (where ClaimedRoles / PodpisZP are read)
    signed_signature_properties: etree._Element


class _ProfileVerifier(XAdESVerifier):
    """signxml's verifier, copying the document only as often as our profile needs.

    For each reference signxml copies the whole document (serialise and parse) and copies the
    referenced node once more before canonicalizing it, so that namespaces from its ancestors cannot
    leak in.  Under the profile (checked before this runs) the references are the document itself,
    whose root has no ancestors to isolate from, and the SignedProperties inside the signature,
    whose in-scope namespaces are the same in a copy of the signature as in a copy of the document.
    So the document is copied once, for the enveloped reference, and the second reference works on
    a copy of the signature alone.

    ``URI=""`` is the whole document, not just its root element: a processing instruction before
    or after the root element is signed (XML-DSig 1.1 section 4.4.3.3; comments are not), so the
    copy and the canonical form of a document keep what stands beside its root.
    """

    def _tostring(self, xml_node: Any, **kwargs: Any) -> Any:
        signxml: Any = super()
        if isinstance(xml_node, etree._Element) and xml_node.getparent() is None:
            return etree.tostring(xml_node.getroottree(), **kwargs)
        return signxml._tostring(xml_node, **kwargs)

    def _c14n(self, nodes: Any, algorithm: Any, inclusive_ns_prefixes: Any = None) -> Any:
        signxml: Any = super()
        if isinstance(nodes, etree._Element) and nodes.getparent() is not None:
            # SignedInfo: lxml canonicalizes an element inside a document with a spurious xmlns=""
            # on its children when an ancestor declared the default namespace (an unprefixed
            # Signature under inclusive C14N); a copy carries its in-scope namespaces and does not.
            nodes = signxml._fromstring(self._tostring(nodes))
        if isinstance(nodes, etree._Element):
            nodes = nodes.getroottree()
        return signxml._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)

    def _verify_reference(self, reference: Any, index: Any, root: Any, *args: Any, **kwargs: Any) -> Any:
        signxml: Any = super()
        if reference.get("URI") != "":
            root = self._signature_of(root)
        return signxml._verify_reference(reference, index, root, *args, **kwargs)

    def _signature_of(self, root: Any) -> Any:
        untyped: Any = self
        return untyped._get_signature(root)

    def _apply_transforms(self, payload: Any, *, transforms_node: Any, signature: Any) -> Any:
        untyped: Any = self
        transforms = untyped._findall(transforms_node, "Transform") if transforms_node is not None else []
        algorithms = [t.get("Algorithm") for t in transforms]
        c14n = [t for t in transforms if t.get("Algorithm") in C14N]
        if len(c14n) > 1 or any(a not in C14N and a != ENVELOPED for a in algorithms):
            raise InvalidInput("transforms outside the accepted profile")
        if ENVELOPED in algorithms:
            _remove_sig(signature, idempotent=True)  # type: ignore[no-untyped-call]
        if payload.getparent() is not None:
            payload = untyped._fromstring(untyped._tostring(payload))  # isolate a sub-element's namespaces
        if not c14n:
            return untyped._c14n(payload, algorithm=self.config.default_reference_c14n_method)
        return untyped._c14n(
            payload,
            algorithm=CanonicalizationMethod(_without_comments(c14n[0].get("Algorithm"))),
            inclusive_ns_prefixes=untyped._get_inclusive_ns_prefixes(c14n[0]),
        )


_C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
_C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_COMMENTS_DROPPED = {
    f"{_C14N_10}#WithComments": _C14N_10,
    f"{_C14N_11}#WithComments": _C14N_11,
    f"{_EXC_C14N}WithComments": _EXC_C14N,
}


def _without_comments(algorithm: str) -> str:
    """A same-document reference (``URI=""`` or ``#id``) selects its nodes without comments
    (XML-DSig 1.1 section 4.4.3.3), whatever its canonicalization says; only ``#xpointer(...)``,
    which the profile does not accept, keeps them.  So ``#WithComments`` canonicalizes what it is
    given, a node-set without comments, exactly as its plain form does (lxml would otherwise keep
    the comments, even those outside the root element)."""
    return _COMMENTS_DROPPED.get(algorithm, algorithm)


def _invalid(message: str) -> SignatureInvalid:
    return SignatureInvalid(message, [ErrorDetail(SignatureInvalid.code, message)])


def signing_certificate(
    parts: SignatureParts, algorithms: Algorithms
) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """The KeyInfo certificate the (not yet verified) SigningCertificate names, and the others."""
    try:
        certificates = [x509.load_der_x509_certificate(der) for der in parts.certificates]
    except ValueError:
        raise SignatureProfile("a KeyInfo certificate cannot be read") from None
    found = parts.signature.xpath(
        "ds:Object/xades:QualifyingProperties/xades:SignedProperties/xades:SignedSignatureProperties/"
        "*[self::xades:SigningCertificateV2 or self::xades:SigningCertificate]"
        "/xades:Cert[1]/xades:CertDigest",
        namespaces=NS,
    )
    cert_digest = found[0] if isinstance(found, list) and found else None
    if not isinstance(cert_digest, etree._Element):
        raise SignatureProfile("SigningCertificate names no certificate digest")
    method = cert_digest.find("ds:DigestMethod", NS)
    value = cert_digest.findtext("ds:DigestValue", default="", namespaces=NS)
    method_uri = method.get("Algorithm", "") if method is not None else ""
    algorithm = _HASHES.get(method_uri) if method_uri in algorithms.digests else None
    if algorithm is None:
        raise SignatureProfile("the SigningCertificate digest method is not accepted")
    try:
        wanted = base64.b64decode("".join(value.split()), validate=True)
    except binascii.Error:
        raise SignatureProfile("the SigningCertificate digest is not base64") from None
    for index, certificate in enumerate(certificates):
        if certificate.fingerprint(algorithm) == wanted:
            _check_key_values(parts.signature, certificate)
            return certificate, tuple(certificates[:index] + certificates[index + 1 :])
    raise _invalid("no certificate in KeyInfo is the one the signed properties name")


def _check_key_values(signature: etree._Element, certificate: x509.Certificate) -> None:
    """A KeyValue beside the certificate must be the certificate's own key (no second opinion)."""
    key = certificate.public_key()
    for value in signature.findall("ds:KeyInfo/ds:KeyValue/*", NS):
        local = etree.QName(value).localname
        if local == "RSAKeyValue" and isinstance(key, rsa.RSAPublicKey):
            numbers = key.public_numbers()
            stated = (
                _b64_int(value.findtext("ds:Modulus", "", NS)),
                _b64_int(value.findtext("ds:Exponent", "", NS)),
            )
            if stated != (numbers.n, numbers.e):
                raise _invalid("the RSAKeyValue in KeyInfo is not the signing certificate's key")
        elif local == "ECKeyValue" and isinstance(key, ec.EllipticCurvePublicKey):
            point = value.findtext("{http://www.w3.org/2009/xmldsig11#}PublicKey", "")
            own = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            if _b64(point) != own:
                raise _invalid("the ECKeyValue in KeyInfo is not the signing certificate's key")
        else:
            raise _invalid(f"a {local} in KeyInfo does not belong to the signing certificate's key")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise SignatureProfile("a KeyValue is not base64") from None


def _b64_int(text: str) -> int:
    return int.from_bytes(_b64(text), "big")


def verify_xades(
    body: bytes,
    parts: SignatureParts,
    signer: x509.Certificate,
    others: tuple[x509.Certificate, ...],
    algorithms: Algorithms,
    received_at: datetime,
    max_skew: timedelta,
) -> VerifiedXades:
    config = XAdESSignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=2,
        signature_methods=frozenset(SignatureMethod(a) for a in algorithms.signatures),
        digest_algorithms=frozenset(DigestAlgorithm(a) for a in algorithms.digests),
        verification_time=received_at,
    )
    try:
        results = _ProfileVerifier().verify(body, x509_cert=signer, expect_config=config)
    except InvalidCertificate as exc:  # a subclass of InvalidSignature: first
        # The certificate's dates were judged before (trust); what signxml can still object to is
        # the certificate itself.
        raise CertUntrusted(str(exc)) from None
    except (InvalidDigest, InvalidSignature) as exc:
        raise _invalid(f"the signature does not verify: {exc}") from None
    except InvalidInput as exc:
        raise SignatureProfile(f"the signature is outside the accepted profile: {exc}") from None
    except (ValueError, KeyError, etree.LxmlError) as exc:
        raise SignatureProfile(f"the signature cannot be processed: {type(exc).__name__}: {exc}") from None
    document = [
        r for r in results if r.signed_xml is not None and getattr(r, "signed_properties", None) is None
    ]
    properties = [getattr(r, "signed_properties", None) for r in results]
    signed_properties = next((p for p in properties if p is not None), None)
    if len(document) != 1 or signed_properties is None or document[0].signed_xml is None:
        raise SignatureProfile("the verified references are not the document and its signed properties")
    signed_root = document[0].signed_xml
    assert isinstance(signed_root, etree._Element)
    check_issuer_serial(signed_properties, signer)
    signing_time = check_signing_time(signed_properties, received_at, max_skew)
    return VerifiedXades(signed_root, signer, others, signing_time, signed_properties)


def check_signing_time(properties: etree._Element, received_at: datetime, max_skew: timedelta) -> datetime:
    moment = signing_time_of(properties)
    if moment > received_at + max_skew:
        text = properties.findtext("xades:SigningTime", default="", namespaces=NS).strip()
        raise SignatureProfile(f"SigningTime {text} is in the future of the time of receipt")
    return moment


def signing_time_of(properties: etree._Element) -> datetime:
    """The SigningTime of ``xades:SignedSignatureProperties``, with its zone."""
    text = properties.findtext("xades:SigningTime", default="", namespaces=NS).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SignatureProfile(f"SigningTime {text!r} is not a date-time") from None
    if moment.tzinfo is None:
        raise SignatureProfile("SigningTime must carry its time zone")
    return moment


def check_issuer_serial(properties: etree._Element, signer: x509.Certificate) -> None:
    v2 = properties.find("xades:SigningCertificateV2/xades:Cert/xades:IssuerSerialV2", NS)
    if v2 is not None:
        unreadable, names_it = _issuer_serial_v2(v2.text or "", signer)
        if unreadable is not None:
            raise SignatureProfile(f"IssuerSerialV2 cannot be read: {unreadable}")
        if not names_it:
            raise _invalid("IssuerSerialV2 does not name the signing certificate")
        return
    v1 = properties.find("xades:SigningCertificate/xades:Cert/xades:IssuerSerial", NS)
    if v1 is None:
        return  # IssuerSerialV2 is optional in XAdES baseline B; the certificate digest binds it
    serial_text = v1.findtext("ds:X509SerialNumber", default="", namespaces=NS).strip()
    issuer_text = v1.findtext("ds:X509IssuerName", default="", namespaces=NS).strip()
    if not serial_text.isdigit() or int(serial_text) != signer.serial_number:
        raise _invalid("IssuerSerial does not name the signing certificate's serial number")
    if _normal_name(issuer_text) != _normal_name(signer.issuer.rfc4514_string()):
        raise _invalid("IssuerSerial does not name the signing certificate's issuer")


@functools.lru_cache(maxsize=1024)
def _issuer_serial_v2(text: str, signer: x509.Certificate) -> tuple[str | None, bool]:
    """(why it cannot be read, or None; whether it names ``signer``): the same few values come with
    every message of a signer, and reading the DER with asn1crypto costs more than the rest of the
    signed properties' checks together."""
    try:
        issuer_serial = cms.IssuerSerial.load(base64.b64decode("".join(text.split())))
        serial = int(issuer_serial["serial"].native)
        names = [
            name.chosen.untag().dump() for name in issuer_serial["issuer"] if name.name == "directory_name"
        ]
    except (ValueError, TypeError, binascii.Error) as exc:
        return str(exc), False
    return None, serial == signer.serial_number and signer.issuer.public_bytes() in names


def _normal_name(name: str) -> list[str]:
    return sorted(part.strip().lower().replace(" ", "") for part in name.split(","))
