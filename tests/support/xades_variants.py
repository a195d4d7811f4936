"""Signed messages in every form the profile accepts, and edits of them, for the differential test.

``sign_xades`` signs one way (exclusive c14n everywhere, SHA-256).  :func:`variant` takes such a
message, changes its algorithms (canonicalizations of SignedInfo and of each reference, an
InclusiveNamespaces prefix list, digests, the signature method) and signs it again.  The digests
are computed the way signxml computes them (each signed part copied out of the document, then
canonicalized), not with the gateway's verifier: whether a variant verifies is for the verifiers
to say, and signxml is the oracle.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree

from gateway.core.xmldsig.keys import PrivateKey
from gateway.core.xmldsig.signing import sign_xades

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
NS = {"ds": DS, "xades": XADES}
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
COMMENTS = "#WithComments"  # appended to the C14N 1.0 and 1.1 URIs
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
DIGEST_URIS = {
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha384": "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}
HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


@dataclass(frozen=True)
class Form:
    """How a variant is signed; ``None`` for a reference's c14n: no canonicalization transform."""

    name: str
    signed_info: str = EXC
    document: str | None = EXC
    properties: str | None = EXC
    #: an InclusiveNamespaces PrefixList on each exclusive c14n transform (not on SignedInfo's
    #: CanonicalizationMethod, where the XML-DSig schema has no room for it)
    prefixes: str | None = None
    digest: str = "sha256"
    #: text after the signature inside the root (the enveloped transform must keep it)
    tail: str = ""
    #: a namespace declared on the root and used by nothing: inclusive and exclusive
    #: canonicalization differ by it
    unused_namespace: bool = False


def signing_key_and_certificate(
    issuer: x509.Certificate, issuer_key: PrivateKey, key: PrivateKey, name: str
) -> x509.Certificate:
    """A signing certificate for ``key`` issued by ``issuer`` (a person's, valid for a month)."""
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "PNOPL-44051401359"),
        ]
    )
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(issuer_key, hashes.SHA256())  # type: ignore[arg-type]
    )


def variant(body: bytes, key: PrivateKey, certificate: x509.Certificate, form: Form) -> bytes:
    """``body`` (unsigned) signed by ``key`` in ``form``."""
    if form.unused_namespace:
        start = body.index(b"<", body.index(b"?>"))
        end = body.index(b" ", start)
        body = body[:end] + b' xmlns:unused="urn:example:unused"' + body[end:]
    signed = sign_xades(body, key, certificate, signing_time=datetime.now(UTC) - timedelta(minutes=1))
    root = etree.fromstring(signed)
    signature = root.find("ds:Signature", NS)
    assert signature is not None
    if form.tail:
        signature.tail = form.tail
    signed_info = _child(signature, "ds:SignedInfo")
    _set_c14n(_child(signed_info, "ds:CanonicalizationMethod"), form.signed_info, None)
    family = "ecdsa" if isinstance(key, ec.EllipticCurvePrivateKey) else "rsa"
    method = f"http://www.w3.org/2001/04/xmldsig-more#{family}-{form.digest}"
    _child(signed_info, "ds:SignatureMethod").set("Algorithm", method)
    for reference in signed_info.findall("ds:Reference", NS):
        whole = reference.get("URI") == ""
        _set_transforms(
            reference, ENVELOPED if whole else None, form.document if whole else form.properties, form
        )
        _child(reference, "ds:DigestMethod").set("Algorithm", DIGEST_URIS[form.digest])
    document = etree.fromstring(etree.tostring(root))  # the edited message, as the verifiers will read it
    for reference in document.findall("ds:Signature/ds:SignedInfo/ds:Reference", NS):
        data = _referenced(document, reference)
        _child(reference, "ds:DigestValue").text = _b64(hashlib.new(form.digest, data).digest())
    signature = document.find("ds:Signature", NS)
    assert signature is not None
    signed_info = _child(signature, "ds:SignedInfo")
    copied = etree.fromstring(etree.tostring(signature)).find("ds:SignedInfo", NS)
    assert copied is not None
    method_element = _child(copied, "ds:CanonicalizationMethod")
    to_sign = _c14n(copied, str(method_element.get("Algorithm")), _prefix_list(method_element))
    _child(signature, "ds:SignatureValue").text = _b64(_sign(key, to_sign, HASHES[form.digest]))
    return etree.tostring(document.getroottree(), xml_declaration=True, encoding="UTF-8")


def resigned(body: bytes, key: PrivateKey) -> bytes:
    """``body`` with its SignatureValue made anew over its SignedInfo as it now is (after an edit of
    the references), the digests left as they are."""
    document = etree.fromstring(body)
    signature = document.find("ds:Signature", NS)
    assert signature is not None
    copied = etree.fromstring(etree.tostring(signature)).find("ds:SignedInfo", NS)
    assert copied is not None
    method_element = _child(copied, "ds:CanonicalizationMethod")
    to_sign = _c14n(copied, str(method_element.get("Algorithm")), _prefix_list(method_element))
    digest = str(_child(copied, "ds:SignatureMethod").get("Algorithm")).rsplit("-", 1)[-1]
    _child(signature, "ds:SignatureValue").text = _b64(_sign(key, to_sign, HASHES[digest]))
    return etree.tostring(document.getroottree(), xml_declaration=True, encoding="UTF-8")


def _referenced(document: etree._Element, reference: etree._Element) -> bytes:
    transforms = reference.findall("ds:Transforms/ds:Transform", NS)
    c14n = [t for t in transforms if t.get("Algorithm") != ENVELOPED]
    algorithm = str(c14n[0].get("Algorithm")) if c14n else C14N_11
    prefixes = _prefix_list(c14n[0]) if c14n else None
    if reference.get("URI") == "":
        copy = etree.fromstring(etree.tostring(document))
        signature = copy.find("ds:Signature", NS)
        assert signature is not None
        _remove_keeping_tail(signature)
        return _c14n(copy, algorithm, prefixes, same_document=True)
    (target,) = document.xpath("//*[@Id=$id]", id=str(reference.get("URI"))[1:])
    assert isinstance(target, etree._Element)
    return _c14n(etree.fromstring(etree.tostring(target)), algorithm, prefixes, same_document=True)


def _c14n(
    element: etree._Element, algorithm: str, prefixes: list[str] | None, same_document: bool = False
) -> bytes:
    return etree.tostring(
        element,
        method="c14n",
        exclusive=algorithm.startswith(EXC),
        with_comments=algorithm.endswith(COMMENTS) and not same_document,
        inclusive_ns_prefixes=prefixes,
    )


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    if element.tail:
        before = element.getprevious()
        if before is not None:
            before.tail = (before.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    element.tail = None
    parent.remove(element)


def _set_c14n(element: etree._Element, algorithm: str, prefixes: str | None) -> None:
    element.set("Algorithm", algorithm)
    for child in list(element):
        element.remove(child)
    if prefixes is not None and algorithm.startswith(EXC):
        etree.SubElement(element, f"{{{EXC}}}InclusiveNamespaces", nsmap={"ec": EXC}, PrefixList=prefixes)


def _set_transforms(reference: etree._Element, first: str | None, c14n: str | None, form: Form) -> None:
    transforms = reference.find("ds:Transforms", NS)
    if transforms is not None:
        reference.remove(transforms)
    wanted = [a for a in (first, c14n) if a is not None]
    if not wanted:
        return
    transforms = etree.Element(f"{{{DS}}}Transforms")
    reference.insert(0, transforms)
    for algorithm in wanted:
        transform = etree.SubElement(transforms, f"{{{DS}}}Transform")
        if algorithm == ENVELOPED:
            transform.set("Algorithm", algorithm)
        else:
            _set_c14n(transform, algorithm, form.prefixes)


def _prefix_list(element: etree._Element) -> list[str] | None:
    listed = element.find(f"{{{EXC}}}InclusiveNamespaces[@PrefixList]")
    return str(listed.get("PrefixList")).split(" ") if listed is not None else None


def _sign(key: PrivateKey, data: bytes, digest: hashes.HashAlgorithm) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), digest)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _child(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path, NS)
    assert found is not None, path
    return found


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def der_b64(certificate: x509.Certificate) -> bytes:
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER))
