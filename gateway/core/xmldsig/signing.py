"""Enveloped XAdES-BES signing of test documents, and the ePUAP trusted-profile ``PodpisZP`` block.

signxml's ``XAdESSigner`` cannot be used as is: it stamps SigningTime with the current time, writes no
IssuerSerialV2, takes ClaimedRole as text only, and adds a third Reference (to KeyInfo). So the signature
is built with signxml's ``XMLSigner`` (through :class:`WholeDocumentSigner`) plus an annotator that adds
the ``xades:QualifyingProperties`` object and the Reference to its ``SignedProperties``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.core.xmldsig import der as _der
from gateway.core.xmldsig.glue import DS_NS, EXC_C14N, WholeDocumentSigner, parse, xml_datetime
from gateway.core.xmldsig.keys import PrivateKey

XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
PPZP_NS = "http://crd.gov.pl/xml/schematy/ppzp/"
"""Namespace of the ePUAP trusted-profile signature block (``ppZP:PodpisZP``)."""
OSOBA_NS = "http://crd.gov.pl/xml/schematy/osoba/2009/03/06/"
"""Namespace of the person elements (``os:Imie``, ``os:Nazwisko``, ``os:PESEL``) inside ``PodpisZP``."""


def sign_xades(
    document: bytes,
    key: PrivateKey,
    cert: x509.Certificate,
    *,
    signing_time: datetime,
    claimed_roles: list[etree._Element] | None = None,
    digest: str = "sha256",
    chain: Sequence[x509.Certificate] = (),
    token: str | None = None,
) -> bytes:
    """Returns ``document`` with an enveloped XAdES-BES ``ds:Signature`` inserted as the last child of
    the root element, and otherwise byte for byte unchanged.

    The signature has two References: ``URI=""`` (enveloped-signature + exclusive c14n) and the
    ``SignedProperties`` (exclusive c14n), which carry SigningTime, SigningCertificateV2 (digest and
    IssuerSerialV2) and, when ``claimed_roles`` are given, SignerRole/ClaimedRoles with one ClaimedRole
    per element (a copy of it). KeyInfo holds ``cert`` followed by ``chain``. RSA keys sign with
    RSA-PKCS#1 v1.5, EC keys with ECDSA, both over ``digest`` (sha256, sha384 or sha512). ``token``
    names the signature's Ids (random when not given; fixed for reproducible samples).
    """
    root = parse(document)
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    if "a".encode(encoding, errors="replace") != b"a":
        raise ValueError(f"only ASCII-compatible document encodings can be signed in place, not {encoding}")
    signer = _XadesBesSigner(
        key, digest, cert=cert, signing_time=signing_time, claimed_roles=claimed_roles, token=token
    )
    signed_root = signer.sign(root, key=key, cert=[cert, *chain])
    signature = signed_root[-1]
    if signature.tag != f"{{{DS_NS}}}Signature":
        raise AssertionError("signxml did not append the signature as the last child")
    signature_xml = etree.tostring(signature, encoding="unicode", with_tail=False)
    return _insert_before_end_tag(document, root, signature_xml.encode(encoding, errors="xmlcharrefreplace"))


def podpis_zp(
    first_name: str,
    surname: str,
    pesel: str,
    account_id: str,
    *,
    signature_id: str | None = None,
    signed_at: datetime | None = None,
) -> etree._Element:
    """The ``ppZP:PodpisZP`` block ePUAP puts in ``xades:ClaimedRole`` of a trusted-profile signature::

    <ppZP:PodpisZP>
      <ppZP:DaneZP>
        <ppZP:DaneZPOsobyFizycznej>
          <os:Nazwisko os:rodzajCzlonu="pierwszy">…</os:Nazwisko> <os:Imie>…</os:Imie> <os:PESEL>…</os:PESEL>
          <ppZP:IdKontaUzytkownikaEpuap>…</ppZP:IdKontaUzytkownikaEpuap>
        </ppZP:DaneZPOsobyFizycznej>
      </ppZP:DaneZP>
      <ppZP:DanePodpisu>
        <ppZP:IdentyfikatorPodpisu>…</ppZP:IdentyfikatorPodpisu>
        <ppZP:IdKontaUzytkownikaEpuap>…</ppZP:IdKontaUzytkownikaEpuap>
        <ppZP:CzasPodpisu>…</ppZP:CzasPodpisu>
      </ppZP:DanePodpisu>
    </ppZP:PodpisZP>
    """
    if not (len(pesel) == 11 and pesel.isdigit()):
        raise ValueError(f"PESEL must be 11 digits: {pesel!r}")
    block = etree.Element(_ppzp("PodpisZP"), nsmap={"ppZP": PPZP_NS, "os": OSOBA_NS})
    person = etree.SubElement(etree.SubElement(block, _ppzp("DaneZP")), _ppzp("DaneZPOsobyFizycznej"))
    etree.SubElement(person, _os("Nazwisko"), {_os("rodzajCzlonu"): "pierwszy"}).text = surname
    etree.SubElement(person, _os("Imie")).text = first_name
    etree.SubElement(person, _os("PESEL")).text = pesel
    etree.SubElement(person, _ppzp("IdKontaUzytkownikaEpuap")).text = account_id
    signature = etree.SubElement(block, _ppzp("DanePodpisu"))
    etree.SubElement(signature, _ppzp("IdentyfikatorPodpisu")).text = signature_id or str(uuid.uuid4())
    etree.SubElement(signature, _ppzp("IdKontaUzytkownikaEpuap")).text = account_id
    etree.SubElement(signature, _ppzp("CzasPodpisu")).text = xml_datetime(signed_at or datetime.now(UTC))
    return block


class _XadesBesSigner(WholeDocumentSigner):
    def __init__(
        self,
        key: PrivateKey,
        digest: str,
        *,
        cert: x509.Certificate,
        signing_time: datetime,
        claimed_roles: list[etree._Element] | None,
        token: str | None = None,
    ) -> None:
        super().__init__(key, digest)
        self._token = token
        self.namespaces["xades"] = XADES_NS
        self._hash_name = digest.lower()
        self._cert = cert
        self._signing_time = signing_time
        self._claimed_roles = list(claimed_roles or [])
        self.signature_annotators.append(self._add_qualifying_properties)

    def _add_qualifying_properties(self, sig_root: etree._Element, signing_settings: Any) -> None:
        token = self._token or secrets.token_hex(8)
        signature_id, properties_id, reference_id = (
            f"Signature-{token}",
            f"SignedProperties-{token}",
            f"Reference-{token}",
        )
        sig_root.set("Id", signature_id)
        signed_info = _child(sig_root, DS_NS, "SignedInfo")
        _child(signed_info, DS_NS, "Reference").set("Id", reference_id)

        qualifying = etree.SubElement(
            etree.SubElement(sig_root, _ds("Object")),
            _xades("QualifyingProperties"),
            Target=f"#{signature_id}",
        )
        properties = etree.SubElement(qualifying, _xades("SignedProperties"), Id=properties_id)
        signature_properties = etree.SubElement(properties, _xades("SignedSignatureProperties"))
        etree.SubElement(signature_properties, _xades("SigningTime")).text = xml_datetime(self._signing_time)
        cert_id = etree.SubElement(
            etree.SubElement(signature_properties, _xades("SigningCertificateV2")), _xades("Cert")
        )
        cert_digest = etree.SubElement(cert_id, _xades("CertDigest"))
        etree.SubElement(cert_digest, _ds("DigestMethod"), Algorithm=self.digest_alg.value)
        etree.SubElement(cert_digest, _ds("DigestValue")).text = self._b64_digest(
            self._cert.public_bytes(serialization.Encoding.DER)
        )
        etree.SubElement(cert_id, _xades("IssuerSerialV2")).text = base64.b64encode(
            issuer_serial_v2(self._cert)
        ).decode()
        if self._claimed_roles:
            roles = etree.SubElement(
                etree.SubElement(signature_properties, _xades("SignerRole")), _xades("ClaimedRoles")
            )
            for role in self._claimed_roles:
                etree.SubElement(roles, _xades("ClaimedRole")).append(copy.deepcopy(role))
        data_format = etree.SubElement(
            etree.SubElement(properties, _xades("SignedDataObjectProperties")),
            _xades("DataObjectFormat"),
            ObjectReference=f"#{reference_id}",
        )
        etree.SubElement(data_format, _xades("MimeType")).text = "text/xml"

        reference = etree.SubElement(
            signed_info, _ds("Reference"), Id=f"SignedPropertiesReference-{token}", URI=f"#{properties_id}"
        )
        reference.set("Type", SIGNED_PROPERTIES_TYPE)
        etree.SubElement(
            etree.SubElement(reference, _ds("Transforms")), _ds("Transform"), Algorithm=EXC_C14N.value
        )
        etree.SubElement(reference, _ds("DigestMethod"), Algorithm=self.digest_alg.value)
        etree.SubElement(reference, _ds("DigestValue")).text = self._b64_digest(
            etree.tostring(properties, method="c14n", exclusive=True, with_comments=False)
        )

    def _b64_digest(self, data: bytes) -> str:
        return base64.b64encode(hashlib.new(self._hash_name, data).digest()).decode()


def issuer_serial_v2(cert: x509.Certificate) -> bytes:
    """DER ``IssuerSerial`` (RFC 5035): ``SEQUENCE { GeneralNames { directoryName issuer }, serial }``."""
    general_names = _der.sequence(_der.context_constructed(4, cert.issuer.public_bytes()))
    return _der.sequence(general_names, _der.integer(cert.serial_number))


def _insert_before_end_tag(document: bytes, root: etree._Element, signature: bytes) -> bytes:
    """Inserts ``signature`` right before the root element's end tag, found from the end of the document
    past trailing comments, processing instructions and whitespace."""
    qname = (f"{root.prefix}:" if root.prefix else "") + etree.QName(root).localname
    encoding = root.getroottree().docinfo.encoding or "UTF-8"
    end = len(document)
    while True:
        body = document[:end].rstrip(b" \t\r\n")
        if body.endswith(b"-->"):
            end = body.rfind(b"<!--")
        elif body.endswith(b"?>"):
            end = body.rfind(b"<?")
        else:
            break
        if end < 0:
            raise ValueError("cannot find the end of the root element")
    match = re.search(rb"</\s*([^\s<>]+)\s*>\Z", body)
    if match is not None and match.group(1) == qname.encode(encoding):
        return document[: match.start()] + signature + document[match.start() :]
    if body.endswith(b"/>") and len(root) == 0 and not root.text:
        tail = document[len(body) :]
        return body[:-2] + b">" + signature + b"</" + qname.encode(encoding) + b">" + tail
    raise ValueError("cannot find the end tag of the root element")


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element:
    child = parent.find(f"{{{namespace}}}{name}")
    if child is None:
        raise AssertionError(f"signxml produced no {name}")
    return child


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def _xades(name: str) -> str:
    return f"{{{XADES_NS}}}{name}"


def _ppzp(name: str) -> str:
    return f"{{{PPZP_NS}}}{name}"


def _os(name: str) -> str:
    return f"{{{OSOBA_NS}}}{name}"
