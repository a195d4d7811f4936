"""signxml glue shared by the trusted-list and XAdES signers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import SignatureReference, XMLSigner

from gateway.core.xmldsig.keys import PrivateKey

EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

_DIGESTS = {
    "sha256": (DigestAlgorithm.SHA256, SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256),
    "sha384": (DigestAlgorithm.SHA384, SignatureMethod.RSA_SHA384, SignatureMethod.ECDSA_SHA384),
    "sha512": (DigestAlgorithm.SHA512, SignatureMethod.RSA_SHA512, SignatureMethod.ECDSA_SHA512),
}


def algorithms(key: PrivateKey, digest: str) -> tuple[DigestAlgorithm, SignatureMethod]:
    """The digest and the RSA-PKCS#1 v1.5 or ECDSA signature method for ``digest`` (sha256/384/512)."""
    try:
        digest_alg, rsa_method, ecdsa_method = _DIGESTS[digest.lower()]
    except KeyError:
        raise ValueError(f"unsupported digest {digest!r} (one of {', '.join(_DIGESTS)})") from None
    return digest_alg, rsa_method if isinstance(key, rsa.RSAPrivateKey) else ecdsa_method


class WholeDocumentSigner(XMLSigner):
    """An enveloped, exclusive-c14n XMLSigner whose document reference is always ``URI=""``.

    Plain XMLSigner points the reference at ``#<Id>`` when the root element carries an ``Id``
    attribute; the gateway's profile (and ETSI trusted lists) want the whole document.
    """

    def __init__(self, key: PrivateKey, digest: str = "sha256") -> None:
        digest_alg, method = algorithms(key, digest)
        super().__init__(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=method,
            digest_algorithm=digest_alg,
            c14n_algorithm=EXC_C14N,
        )

    def _unpack(self, data: Any, references: Any) -> Any:
        sig_root, doc_root, c14n_inputs, found = super()._unpack(data, references)
        if references is None:
            found = [SignatureReference(URI="")]
        return sig_root, doc_root, c14n_inputs, found


def secure_parser() -> etree.XMLParser:
    """No entities, no network, no DTD loading; whitespace kept as is."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
    )


def parse(document: bytes) -> etree._Element:
    root = etree.fromstring(document, parser=secure_parser())
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ValueError("documents with a DTD are not signed")
    return root


def xml_datetime(moment: datetime) -> str:
    """xsd:dateTime in UTC with a ``Z`` and whole seconds; naive datetimes are taken as UTC."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0).isoformat().replace("+00:00", "Z")
