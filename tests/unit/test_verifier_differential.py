"""The gateway's verifier (on the parsed tree) against signxml's, the oracle: the same verdict always.

Both run inside the same signature stage (profile, certificate, chain, the ds:Object rule,
identity, revocation are shared; only the cryptographic verification differs), over

- every file of samples/valid, samples/attacks and samples/errors, with the samples' trust;
- the forms the profile accepts, signed here (each canonicalization, with and without an
  InclusiveNamespaces prefix list, no transform at all, SHA-384/512, RSA and ECDSA P-256/P-384,
  text after the signature), and edits of them: byte flips in digest and signature values and in
  the content, moved, duplicated and swapped elements, a wrapped signature, swapped Reference
  targets, extra References, changed transforms, key information beside the certificate;
- random single-character changes anywhere in a signed message (hypothesis).

A disagreement in accepting or refusing fails, and so does one in the refusal's code; an accepted
message must come with the same signer, warnings, envelope and signed content (compared in
exclusive canonical form).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.adapters.revocation import RevocationStatuses
from gateway.bootstrap import configured_revocation, configured_signature_stage
from gateway.config import ParsingSettings, SignatureSettings, packaged
from gateway.core.errors import DocumentRejected
from gateway.core.pipeline import classify, read_content, read_envelope, validate
from gateway.core.signature.model import SignerKind
from gateway.core.signature.profile import Algorithms
from gateway.core.signature.stage import RevocationPolicy, SignaturePolicy, SignedContent, XadesVerification
from gateway.core.signature.trust import TrustAnchors
from gateway.core.validation.catalog import Catalog, load_catalog
from gateway.core.validation.parsing import parse
from gateway.core.xmldsig.keys import PrivateKey, load_private_key_pem
from gateway.demo.samplegen import SampleParams, build
from tests.support.oracle import signxml_engine
from tests.support.xades_variants import (
    C14N_10,
    C14N_11,
    COMMENTS,
    DS,
    EXC,
    EXC_COMMENTS,
    NS,
    XADES,
    Form,
    resigned,
    variant,
)
from tests.support.xades_variants import signing_key_and_certificate as issue

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
PKI = SAMPLES / "pki"
CORPUS = sorted(
    path for folder in ("valid", "attacks", "errors") for path in (SAMPLES / folder).rglob("*.xml")
)
DSIG11 = "http://www.w3.org/2009/xmldsig11#"


@dataclass(frozen=True)
class Outcome:
    code: str  # ACCEPTED or the refusal's code
    accepted: tuple[object, ...] = ()  # signer, warnings, envelope, application, signed content


@dataclass(frozen=True)
class Verifiers:
    ours: XadesVerification
    oracle: XadesVerification
    catalog: Catalog
    #: where the stages look statuses up, and obtain the missing ones (None: no revocation step)
    revocation: RevocationStatuses | None = None


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([packaged("sxml")])


def pair(
    stage: XadesVerification, catalog: Catalog, revocation: RevocationStatuses | None = None
) -> Verifiers:
    return Verifiers(stage, stage.with_engine(signxml_engine), catalog, revocation)


def settled(verify: Callable[[], SignedContent], revocation: RevocationStatuses | None) -> SignedContent:
    """``verify()``, with the revocation statuses it lacks obtained first (as the service does)."""
    if revocation is None:
        return verify()

    async def run() -> SignedContent:
        return await revocation.settle(None, verify)

    return asyncio.run(run())


def outcome(
    body: bytes,
    stage: XadesVerification,
    catalog: Catalog,
    at: datetime,
    revocation: RevocationStatuses | None = None,
) -> Outcome:
    try:
        parsed = parse(body, ParsingSettings())
        schema = classify(parsed, catalog, at)
        validate(parsed, schema)
        content = settled(partial(stage.verify, parsed, schema, at), revocation)
    except DocumentRejected as refusal:
        return Outcome(refusal.code)
    signed = etree.tostring(content.root, method="c14n", exclusive=True)
    facts = (content.signer, content.warnings, read_envelope(content, schema), read_content(content, schema))
    return Outcome("ACCEPTED", (*facts, signed))


def assert_agree(body: bytes, verifiers: Verifiers, label: str) -> str:
    at = datetime.now(UTC)
    ours = outcome(body, verifiers.ours, verifiers.catalog, at, verifiers.revocation)
    oracle = outcome(body, verifiers.oracle, verifiers.catalog, at, verifiers.revocation)
    assert ours == oracle, f"{label}: ours {ours.code}, signxml {oracle.code}"
    return ours.code


# --- the corpus -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_trust(catalog: Catalog) -> Verifiers:
    settings = SignatureSettings(pki_dir=PKI)
    revocation = configured_revocation(settings)
    return pair(configured_signature_stage(settings, revocation), catalog, revocation)


def test_the_corpus_is_all_there() -> None:
    assert {p.relative_to(SAMPLES).parts[0] for p in CORPUS} == {"valid", "attacks", "errors"}
    assert len(CORPUS) > 120


@pytest.mark.parametrize("path", CORPUS, ids=[str(p.relative_to(SAMPLES)) for p in CORPUS])
def test_the_corpus_gets_one_verdict(path: Path, sample_trust: Verifiers) -> None:
    code = assert_agree(path.read_bytes(), sample_trust, path.name)
    folder = path.relative_to(SAMPLES).parts
    expected = "ACCEPTED" if folder[0] == "valid" else folder[1]
    if folder[0] != "errors" or expected != "DUPLICATE_CONFLICT":  # a conflict needs the store
        assert code == expected


# --- signed forms and their edits ---------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    key: PrivateKey
    certificate: x509.Certificate


@pytest.fixture(scope="module")
def ca() -> tuple[x509.Certificate, PrivateKey]:
    certificate = x509.load_pem_x509_certificate((PKI / "sc" / "ca.pem").read_bytes())
    return certificate, load_private_key_pem((PKI / "sc" / "ca.key.pem").read_bytes())


@pytest.fixture(scope="module")
def signers(ca: tuple[x509.Certificate, PrivateKey]) -> dict[str, Signer]:
    """Persons of the samples' SC CA with an RSA 2048, a P-256 and a P-384 key."""
    keys: dict[str, PrivateKey] = {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "p256": ec.generate_private_key(ec.SECP256R1()),
        "p384": ec.generate_private_key(ec.SECP384R1()),
    }
    return {name: Signer(key, issue(*ca, key, f"Jan Kowalski ({name})")) for name, key in keys.items()}


@pytest.fixture(scope="module")
def sc_trust(ca: tuple[x509.Certificate, PrivateKey], catalog: Catalog) -> Verifiers:
    """Trust in the samples' SC CA only, no revocation check: the verifiers are what differs."""
    anchors = TrustAnchors({SignerKind.SC: (ca[0],)}, cbtd_cutoff=datetime(2024, 1, 1, tzinfo=UTC))
    policy = SignaturePolicy(
        Algorithms.for_profile(False), anchors, revocation={SignerKind.SC: RevocationPolicy.NONE}
    )
    return pair(XadesVerification(policy, None), catalog)


FORMS = [
    ("rsa", Form("exclusive")),
    ("rsa", Form("inclusive-1.0", signed_info=C14N_10, document=C14N_10, properties=C14N_10)),
    ("rsa", Form("c14n-1.1", signed_info=C14N_11, document=C14N_11, properties=C14N_11)),
    ("rsa", Form("no-c14n-transforms", document=None, properties=None)),
    ("rsa", Form("exclusive-prefix-list", prefixes="ncts xades")),
    ("rsa", Form("with-comments", signed_info=EXC_COMMENTS, document=EXC_COMMENTS)),
    ("rsa", Form("inclusive-with-comments", signed_info=C14N_10 + COMMENTS, properties=C14N_11 + COMMENTS)),
    ("rsa", Form("sha512", digest="sha512")),
    ("rsa", Form("text-after-the-signature", tail="\n  ")),
    ("rsa", Form("unused-namespace", unused_namespace=True)),
    ("rsa", Form("unused-namespace-inclusive", C14N_10, C14N_11, None, unused_namespace=True)),
    ("p256", Form("ecdsa-p256")),
    ("p384", Form("ecdsa-p384-sha384", digest="sha384", signed_info=C14N_11)),
]


@pytest.fixture(scope="module")
def forms(signers: dict[str, Signer]) -> dict[str, bytes]:
    body = build("CC015C", SampleParams(items=2))
    return {form.name: variant(body, signers[who].key, signers[who].certificate, form) for who, form in FORMS}


def test_every_form_is_accepted_by_both(forms: dict[str, bytes], sc_trust: Verifiers) -> None:
    for name, body in forms.items():
        assert assert_agree(body, sc_trust, name) == "ACCEPTED"


Edit = Callable[[etree._Element], None]


def _at(path: str) -> Callable[[etree._Element], etree._Element]:
    def find(root: etree._Element) -> etree._Element:
        found = root.xpath(path, namespaces={**NS, "dsig11": DSIG11})
        assert isinstance(found, list) and found and isinstance(found[0], etree._Element), path
        return found[0]

    return find


SIGNATURE = _at("ds:Signature")
SIGNED_INFO = _at("ds:Signature/ds:SignedInfo")
DOCUMENT_REF = _at("ds:Signature/ds:SignedInfo/ds:Reference[@URI='']")
PROPERTIES_REF = _at("ds:Signature/ds:SignedInfo/ds:Reference[@Type]")
PROPERTIES = _at("//xades:SignedProperties")
KEY_INFO = _at("ds:Signature/ds:KeyInfo")


def flip(position: float) -> Callable[[Callable[[etree._Element], etree._Element]], Edit]:
    """One character of the element's (base64 or other) text changed, at a fraction of its length."""

    def on(find: Callable[[etree._Element], etree._Element]) -> Edit:
        def edit(root: etree._Element) -> None:
            element = find(root)
            text = element.text or ""
            index = min(int(len(text) * position), len(text) - 1)
            while text[index].isspace():
                index -= 1
            replacement = "B" if text[index] != "B" else "C"
            if text[index].isdigit():
                replacement = "7" if text[index] != "7" else "8"
            element.text = text[:index] + replacement + text[index + 1 :]

        return edit

    return on


def setter(find: Callable[[etree._Element], etree._Element], attribute: str, value: str) -> Edit:
    return lambda root: find(root).set(attribute, value)


def moved(what: Callable[[etree._Element], etree._Element], where: Callable[[etree._Element], etree._Element],
          index: int) -> Edit:  # fmt: skip
    return lambda root: where(root).insert(index, what(root))


def duplicated(what: Callable[[etree._Element], etree._Element]) -> Edit:
    def edit(root: etree._Element) -> None:
        element = what(root)
        element.addnext(copy.deepcopy(element))

    return edit


def removed(what: Callable[[etree._Element], etree._Element]) -> Edit:
    def edit(root: etree._Element) -> None:
        element = what(root)
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return edit


def transforms_of(reference: Callable[[etree._Element], etree._Element], *algorithms: str) -> Edit:
    def edit(root: etree._Element) -> None:
        found = reference(root)
        old = found.find("ds:Transforms", NS)
        if old is not None:
            found.remove(old)
        if algorithms:
            transforms = etree.Element(f"{{{DS}}}Transforms")
            for algorithm in algorithms:
                etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=algorithm)
            found.insert(0, transforms)

    return edit


def swapped_digests(root: etree._Element) -> None:
    one, other = (r.find("ds:DigestValue", NS) for r in SIGNED_INFO(root).findall("ds:Reference", NS))
    assert one is not None and other is not None
    one.text, other.text = other.text, one.text


def swapped_uris(root: etree._Element) -> None:
    document, properties = DOCUMENT_REF(root), PROPERTIES_REF(root)
    uri = properties.get("URI", "")
    properties.set("URI", "")
    document.set("URI", uri)


def third_reference(uri: str) -> Edit:
    def edit(root: etree._Element) -> None:
        extra = copy.deepcopy(PROPERTIES_REF(root))
        extra.set("URI", uri)
        del extra.attrib["Type"]
        SIGNED_INFO(root).append(extra)

    return edit


def key_info_id(root: etree._Element) -> None:
    KEY_INFO(root).set("Id", "KeyInfo-1")
    third_reference("#KeyInfo-1")(root)


def wrapped(root: etree._Element) -> None:
    signature = SIGNATURE(root)
    wrapper = etree.Element(f"{{{DS}}}Object")
    signature.addprevious(wrapper)
    wrapper.append(signature)


def changed_text(find: Callable[[etree._Element], etree._Element], text: str | None) -> Edit:
    def edit(root: etree._Element) -> None:
        find(root).text = text

    return edit


def key_value(which: str) -> Edit:
    """A KeyValue or DEREncodedKeyValue beside the certificate: the certificate's own key, or a stranger's."""

    def edit(root: etree._Element) -> None:
        certificate_text = "".join((_at("//ds:X509Certificate")(root).text or "").split())
        certificate = x509.load_der_x509_certificate(base64.b64decode(certificate_text))
        own = certificate.public_key()
        key = own if which.startswith("own") else ec.generate_private_key(ec.SECP256R1()).public_key()
        info = KEY_INFO(root)
        if which.endswith("der"):
            der = key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            element = etree.SubElement(info, f"{{{DSIG11}}}DEREncodedKeyValue", nsmap={"dsig11": DSIG11})
            element.text = base64.b64encode(der).decode()
        elif isinstance(key, rsa.RSAPublicKey):
            numbers = key.public_numbers()
            value = etree.SubElement(etree.Element(f"{{{DS}}}KeyValue"), f"{{{DS}}}RSAKeyValue")
            for name, number in (("Modulus", numbers.n), ("Exponent", numbers.e)):
                etree.SubElement(value, f"{{{DS}}}{name}").text = base64.b64encode(
                    number.to_bytes((number.bit_length() + 7) // 8, "big")
                ).decode()
            info.insert(0, value.getparent())  # type: ignore[arg-type]
        else:
            assert isinstance(key, ec.EllipticCurvePublicKey)
            holder = etree.Element(f"{{{DS}}}KeyValue")
            value = etree.SubElement(holder, f"{{{DSIG11}}}ECKeyValue", nsmap={"dsig11": DSIG11})
            curve = "urn:oid:1.3.132.0.34" if which == "own-wrong-curve" else "urn:oid:1.2.840.10045.3.1.7"
            etree.SubElement(value, f"{{{DSIG11}}}NamedCurve", URI=curve)
            point = key.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            etree.SubElement(value, f"{{{DSIG11}}}PublicKey").text = base64.b64encode(point).decode()
            info.insert(0, holder)

    return edit


EDITS: dict[str, Edit] = {
    # byte flips in values and content
    "document-digest-flipped": flip(0.5)(
        _at("ds:Signature/ds:SignedInfo/ds:Reference[@URI='']/ds:DigestValue")
    ),
    "properties-digest-flipped": flip(0.1)(
        _at("ds:Signature/ds:SignedInfo/ds:Reference[@Type]/ds:DigestValue")
    ),
    "signature-value-first-flipped": flip(0.0)(_at("ds:Signature/ds:SignatureValue")),
    "signature-value-middle-flipped": flip(0.5)(_at("ds:Signature/ds:SignatureValue")),
    "signature-value-last-flipped": flip(0.99)(_at("ds:Signature/ds:SignatureValue")),
    "certificate-flipped": flip(0.6)(_at("//ds:X509Certificate")),
    "certificate-digest-flipped": flip(0.3)(_at("//xades:CertDigest/ds:DigestValue")),
    "issuer-serial-flipped": flip(0.97)(_at("//xades:IssuerSerialV2")),
    "lrn-flipped": flip(0.9)(_at("//LRN")),
    "signing-time-flipped": flip(0.9)(_at("//xades:SigningTime")),
    "mime-type-changed": changed_text(_at("//xades:MimeType"), "text/plain"),
    "whitespace-in-the-content": lambda root: setattr(_at("//LRN")(root), "tail", "  "),
    "text-after-the-signature-changed": lambda root: setattr(SIGNATURE(root), "tail", "\n\n"),
    "root-attribute-added": setter(lambda root: root, "version", "2"),
    "signature-value-rewrapped": lambda root: _rewrap(_at("ds:Signature/ds:SignatureValue")(root)),
    "certificate-rewrapped": lambda root: _rewrap(_at("//ds:X509Certificate")(root)),
    "digest-value-emptied": changed_text(_at("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue"), ""),
    "signature-value-emptied": changed_text(_at("ds:Signature/ds:SignatureValue"), None),
    "signature-value-not-base64": changed_text(_at("ds:Signature/ds:SignatureValue"), "!!!!"),
    # moved and duplicated elements
    "references-swapped": moved(PROPERTIES_REF, SIGNED_INFO, 2),
    "key-info-after-the-object": moved(KEY_INFO, SIGNATURE, 4),
    "signature-value-first": moved(_at("ds:Signature/ds:SignatureValue"), SIGNATURE, 0),
    "signing-time-last": moved(_at("//xades:SigningTime"), _at("//xades:SignedSignatureProperties"), 5),
    "key-info-twice": duplicated(KEY_INFO),
    "certificate-twice": duplicated(_at("//ds:X509Certificate")),
    "x509-data-twice": duplicated(_at("//ds:X509Data")),
    "signed-info-twice": duplicated(SIGNED_INFO),
    "signing-time-twice": duplicated(_at("//xades:SigningTime")),
    "data-object-format-twice": duplicated(_at("//xades:DataObjectFormat")),
    "object-twice": duplicated(_at("ds:Signature/ds:Object")),
    "payload-element-twice": duplicated(_at("//LRN")),
    "signature-first-in-the-root": moved(SIGNATURE, lambda root: root, 0),
    # a wrapped signature
    "signature-wrapped-in-an-object": wrapped,
    "signature-in-the-payload": moved(SIGNATURE, _at("//TransitOperation"), 0),
    # swapped Reference targets, extra References
    "digests-swapped": swapped_digests,
    "uris-swapped": swapped_uris,
    "type-on-both-references": setter(DOCUMENT_REF, "Type", "http://uri.etsi.org/01903#SignedProperties"),
    "properties-reference-to-the-object": lambda root: (
        _at("ds:Signature/ds:Object")(root).set("Id", "Object-x"),
        PROPERTIES_REF(root).set("URI", "#Object-x"),
    )[-1],
    "third-reference-to-key-info": key_info_id,
    "second-whole-document-reference": third_reference(""),
    "reference-to-an-unknown-id": third_reference("#nowhere"),
    # changed transforms
    "document-transforms-dropped": transforms_of(DOCUMENT_REF),
    "document-enveloped-only": transforms_of(
        DOCUMENT_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    ),
    "document-inclusive": transforms_of(
        DOCUMENT_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", C14N_10
    ),
    "document-c14n-1.1": transforms_of(
        DOCUMENT_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", C14N_11
    ),
    "document-exclusive": transforms_of(
        DOCUMENT_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC
    ),
    "document-with-comments": transforms_of(
        DOCUMENT_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", EXC_COMMENTS
    ),
    "document-transforms-reversed": transforms_of(
        DOCUMENT_REF, EXC, "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    ),
    "document-base64-transform": transforms_of(
        DOCUMENT_REF,
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2000/09/xmldsig#base64",
    ),
    "properties-enveloped": transforms_of(
        PROPERTIES_REF, "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    ),
    "properties-inclusive": transforms_of(PROPERTIES_REF, C14N_10),
    "properties-no-transform": transforms_of(PROPERTIES_REF),
    "signed-info-c14n-changed": setter(_at("//ds:CanonicalizationMethod"), "Algorithm", C14N_10),
    "prefix-list-added": lambda root: _prefix_list(_at("//ds:CanonicalizationMethod")(root), "ncts"),
    # algorithms
    "signature-method-rsa-sha512": setter(
        _at("//ds:SignatureMethod"), "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
    ),
    "signature-method-ecdsa-sha256": setter(
        _at("//ds:SignatureMethod"), "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    ),
    "document-digest-sha512": setter(
        _at("ds:Signature/ds:SignedInfo/ds:Reference[@URI='']/ds:DigestMethod"),
        "Algorithm",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ),
    "certificate-digest-sha224": setter(
        _at("//xades:CertDigest/ds:DigestMethod"),
        "Algorithm",
        "http://www.w3.org/2001/04/xmldsig-more#sha224",
    ),
    # key information beside the certificate
    "own-key-value": key_value("own"),
    "own-ec-key-value-wrong-curve": key_value("own-wrong-curve"),
    "stranger-key-value": key_value("stranger"),
    "own-der-key-value": key_value("own-der"),
    "stranger-der-key-value": key_value("stranger-der"),
    # unsigned parts: an extra Object, unsigned properties, a signature Id
    "forged-message-in-a-second-object": lambda root: etree.SubElement(
        etree.SubElement(SIGNATURE(root), f"{{{DS}}}Object"), root.tag
    ).append(copy.deepcopy(_at("//TransitOperation")(root))),
    "text-in-the-object": lambda root: setattr(_at("ds:Signature/ds:Object")(root), "text", "hello"),
    "unsigned-properties": lambda root: _append(
        _at("//xades:QualifyingProperties")(root), "UnsignedProperties"
    ),
    "signature-id-changed": setter(SIGNATURE, "Id", "Signature-other"),
}


def _append(parent: etree._Element, name: str) -> None:
    etree.SubElement(parent, f"{{{XADES}}}{name}")


def _rewrap(element: etree._Element) -> None:
    text = "".join((element.text or "").split())
    element.text = "\n" + "\n".join(text[i : i + 64] for i in range(0, len(text), 64)) + "\n"


def _prefix_list(element: etree._Element, prefixes: str) -> None:
    etree.SubElement(element, f"{{{EXC}}}InclusiveNamespaces", nsmap={"ec": EXC}, PrefixList=prefixes)


def edited(body: bytes, edit: Edit) -> bytes:
    root = etree.fromstring(body)
    edit(root)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


EDITED_FORMS = (
    "exclusive",
    "inclusive-1.0",
    "no-c14n-transforms",
    "ecdsa-p256",
    "text-after-the-signature",
    "unused-namespace",
    "unused-namespace-inclusive",
)


@pytest.mark.parametrize("form", EDITED_FORMS)
def test_edits_get_one_verdict(form: str, forms: dict[str, bytes], sc_trust: Verifiers) -> None:
    codes: dict[str, str] = {}
    for name, edit in EDITS.items():
        body = edited(forms[form], edit)
        if body != forms[form]:  # setting a form's transforms to what they are changes nothing
            codes[name] = assert_agree(body, sc_trust, f"{form}/{name}")
    assert len(codes) >= len(EDITS) - 4
    # the edits reach every verdict the verifiers give: the comparison is not of refusals alone
    assert {"ACCEPTED", "SIGNATURE_INVALID", "SIGNATURE_PROFILE", "SCHEMA_INVALID"} <= set(codes.values())
    for name in ("document-digest-flipped", "signature-value-middle-flipped", "lrn-flipped"):
        assert codes[name] == "SIGNATURE_INVALID", name
    for name in ("signature-value-rewrapped", "certificate-rewrapped", "certificate-twice"):
        assert codes[name] == "ACCEPTED", name


#: edits of the references that the signer then signs (the digests stay as they were): each
#: reference's canonicalization and digest is then what decides
SIGNED_EDITS = {
    name: EDITS[name]
    for name in EDITS
    if name.startswith(("document-", "properties-", "references-swapped", "digests-swapped", "prefix-list"))
    or name in ("signed-info-c14n-changed", "third-reference-to-key-info", "uris-swapped")
}
SIGNERS_OF = {form.name: who for who, form in FORMS}


@pytest.mark.parametrize("form", EDITED_FORMS)
def test_signed_edits_of_the_references_get_one_verdict(
    form: str, forms: dict[str, bytes], signers: dict[str, Signer], sc_trust: Verifiers
) -> None:
    codes: dict[str, str] = {}
    for name, edit in SIGNED_EDITS.items():
        body = resigned(edited(forms[form], edit), signers[SIGNERS_OF[form]].key)
        codes[name] = assert_agree(body, sc_trust, f"{form}/{name} (signed)")
    assert codes["references-swapped"] == codes["signed-info-c14n-changed"] == "ACCEPTED"
    assert codes["document-digest-flipped"] == codes["digests-swapped"] == "SIGNATURE_INVALID"
    assert codes["third-reference-to-key-info"] == "SIGNATURE_PROFILE"


# --- random changes ----------------------------------------------------------------------------


@given(data=st.data())
@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_any_one_character_changed_gets_one_verdict(
    data: st.DataObject, forms: dict[str, bytes], sc_trust: Verifiers
) -> None:
    form = data.draw(
        st.sampled_from(["exclusive", "ecdsa-p256", "unused-namespace-inclusive", "text-after-the-signature"])
    )
    body = forms[form]
    # positions inside element content or attribute values: the message stays well-formed mostly
    spans = [m.span(1) for m in re.finditer(rb">([^<]+)<", body)] + [
        m.span(1) for m in re.finditer(rb'="([^"]+)"', body)
    ]
    start, end = data.draw(st.sampled_from(spans))
    index = data.draw(st.integers(start, end - 1))
    replacement = data.draw(st.sampled_from(b"AZaz09+/= \nx-:#."))
    changed = body[:index] + bytes([replacement]) + body[index + 1 :]
    assert_agree(changed, sc_trust, f"{form} byte {index} -> {chr(replacement)!r}")
