"""Writes ``samples/attacks/<CODE>/``: signed messages that try to get past the signature stage.

Each file starts from a valid message of ``gateway.demo.samplegen``, signed with the test PKI in
samples/pki (fixed signing time and Ids, so that rebuilding changes no byte), and is then edited as
bytes: nothing else of the message moves.  ``<CODE>/expected.toml`` says, per file, what the attack
is (``description``) and the one code the gateway must answer (``errors``).  The codes are stated
from what the attack is, not read back from the gateway.  The order of the checks decides some of
them: parse (``XML_FORBIDDEN``) -> XSD (``SCHEMA_INVALID``: our schemas allow ds:* elements only at
the end of the root) -> signature profile, before any cryptography (``SIGNATURE_MISSING``,
``SIGNATURE_PROFILE``) -> certificate (``CERT_*``) -> signxml (``SIGNATURE_INVALID``) -> signed
properties, signer identity (``SIGNATURE_PROFILE``) -> revocation (``CERT_REVOKED``).

Run from the project root: ``.venv/bin/python samples/build_attacks.py``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from sample_pki import SIGNED_AT, sign_sample, strip_signature

from gateway.core.xmldsig.signing import podpis_zp, sign_xades
from gateway.demo.samplegen import SampleParams, build

SAMPLES = Path(__file__).resolve().parent
ATTACKS = SAMPLES / "attacks"
PKI = SAMPLES / "pki"
NCTS_PARTY = "PL1234567890000"
EXCISE = "PL00000000001"

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
DS_XADES = f'xmlns:ds="{DS}" xmlns:xades="{XADES}"'.encode()
SHA256 = b"http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA256 = b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
EXC_C14N = b"http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = b"http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SIGNED_PROPERTIES_TYPE = b"http://uri.etsi.org/01903#SignedProperties"


@dataclass
class Case:
    code: str
    name: str
    body: bytes
    description: str


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A message built for one attack: its identifiers and its bytes, signed or not."""

    number: int
    message_type: str
    token: str  # the message identifier; also names the signature's Ids
    lrn: str
    body: bytes

    @property
    def ids(self) -> dict[str, str]:
        return {
            "signature": f"Signature-{self.token}",
            "properties": f"SignedProperties-{self.token}",
            "reference": f"Reference-{self.token}",
        }


def unsigned(number: int, message_type: str = "CC015C") -> Message:
    if message_type.startswith("IE"):
        token, reference, party = f"EMCS-{message_type}-{number:04d}", f"LRN-2026-{number:06d}", EXCISE
    elif message_type in {"CC513C", "CC514C", "CC515C"}:
        token, reference, party = f"AES-{message_type}-{number:04d}", f"26PLEXP{number:010d}", NCTS_PARTY
    else:
        token, reference, party = f"NCTS2-{message_type}-{number:04d}", f"26PLTRN{number:010d}", NCTS_PARTY
    params = SampleParams(items=1, message_id=token, reference=reference, party=party, seed=number)
    return Message(number, message_type, token, reference, build(message_type, params))


def signed(
    number: int,
    role: str = "sc-person",
    message_type: str = "CC015C",
    *,
    signing_time: datetime = SIGNED_AT,
    edit: Callable[[bytes], bytes] | None = None,
) -> Message:
    """A message signed like the valid samples (``edit`` changes the bytes before signing)."""
    message = unsigned(number, message_type)
    body = edit(message.body) if edit else message.body
    return _with(message, sign_sample(body, role, token=message.token, signing_time=signing_time))


def signed_with(
    number: int,
    role: str,
    *,
    roles: list[etree._Element] | None = None,
    chain: tuple[str, ...] = (),
    edit: Callable[[bytes], bytes] | None = None,
) -> Message:
    """Signed with ``sign_xades`` directly: chosen ClaimedRoles (none for the ePUAP seal), a chain."""
    message = unsigned(number)
    certificate, key = material(role)
    body = edit(message.body) if edit else message.body
    signed_body = sign_xades(
        body,
        key,  # type: ignore[arg-type]
        certificate,
        signing_time=SIGNED_AT,
        claimed_roles=roles,
        chain=[material(other)[0] for other in chain],
        token=message.token,
    )
    return _with(message, signed_body)


def _with(message: Message, body: bytes) -> Message:
    return Message(message.number, message.message_type, message.token, message.lrn, body)


@cache
def material(role: str) -> tuple[x509.Certificate, object]:
    """The test certificate and key of ``role`` (samples/pki/INDEX.toml)."""
    entry = tomllib.loads((PKI / "INDEX.toml").read_text(encoding="utf-8"))[role]
    certificate = x509.load_pem_x509_certificate((PKI / entry["cert"]).read_bytes())
    key = serialization.load_pem_private_key((PKI / entry["key"]).read_bytes(), password=None)
    return certificate, key


def certificate_b64(role: str) -> bytes:
    return base64.b64encode(material(role)[0].public_bytes(serialization.Encoding.DER))


# --- byte edits -------------------------------------------------------------------------------


def replace(body: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    """``old`` -> ``new``; ``old`` must occur exactly ``count`` times (so an edit never misses)."""
    found = body.count(old)
    if found != count:
        raise AssertionError(f"{old[:60]!r} occurs {found} times, not {count}")
    return body.replace(old, new)


def signature_span(body: bytes) -> tuple[int, int]:
    start = body.index(b"<ds:Signature ")
    end = body.index(b"</ds:Signature>") + len(b"</ds:Signature>")
    return start, end


def signature_of(body: bytes) -> bytes:
    start, end = signature_span(body)
    return body[start:end]


def before_signature(body: bytes, insert: bytes) -> bytes:
    start, _ = signature_span(body)
    return body[:start] + insert + body[start:]


def payload_of(body: bytes) -> bytes:
    """The root's content before the signature (from the end of the root's start tag)."""
    root_start = body.index(b">", body.index(b"<ncts:")) + 1
    return body[root_start : signature_span(body)[0]]


def element(body: bytes, tag: bytes) -> bytes:
    match = re.search(rb"<" + tag + rb"[ >].*?</" + tag + rb">", body, re.DOTALL)
    if match is None:
        raise AssertionError(f"no {tag!r}")
    return match.group(0)


def lrn_element(message: Message) -> bytes:
    return f"<LRN>{message.lrn}</LRN>".encode()


def forged_lrn(message: Message) -> bytes:
    return f"<LRN>{message.lrn[:-3]}666</LRN>".encode()


def ds_object(content: bytes, attributes: bytes = b"") -> bytes:
    """A ds:Object as a child of the root (the schemas let ds:* elements in, unvalidated, at the end)."""
    return b"<ds:Object " + DS_XADES + attributes + b">" + content + b"</ds:Object>"


def flip_base64(text: bytes, position: int) -> bytes:
    """One base64 character of ``text`` changed (still valid base64, another value)."""
    changed = b"B" if text[position : position + 1] != b"B" else b"C"
    return text[:position] + changed + text[position + 1 :]


def resign(body: bytes, role: str = "sc-person", *, document_comments: bool = False) -> bytes:
    """Recomputes both reference digests and the signature value after an edit of the signature.

    For edits that the signature must still cover (so that only the profile or identity checks can
    refuse them).  RSA keys, exclusive canonicalization without comments, as ``sign_xades`` signs;
    ``document_comments`` digests the document with its comments (as signxml does for a
    ``#WithComments`` transform).
    """
    start, end = signature_span(body)
    root = etree.fromstring(body)
    signature = root.find(f"{{{DS}}}Signature")
    assert signature is not None
    signed_info = signature.find(f"{{{DS}}}SignedInfo")
    assert signed_info is not None
    for reference in signed_info.findall(f"{{{DS}}}Reference"):
        uri = reference.get("URI") or ""
        if uri == "":
            document = etree.fromstring(body[:start] + body[end:])
            data = etree.tostring(document, method="c14n", exclusive=True, with_comments=document_comments)
        else:
            (target,) = root.xpath("//*[@Id=$id]", id=uri[1:])
            data = etree.tostring(target, method="c14n", exclusive=True, with_comments=False)
        digest_value = reference.find(f"{{{DS}}}DigestValue")
        assert digest_value is not None
        digest_value.text = base64.b64encode(hashlib.sha256(data).digest()).decode()
    _, key = material(role)
    assert isinstance(key, rsa.RSAPrivateKey)
    to_sign = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    value = signature.find(f"{{{DS}}}SignatureValue")
    assert value is not None
    value.text = base64.b64encode(key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())).decode()
    # the edited signature written back in place of the old one, with its own namespace declarations
    rebuilt = signature_of(body)
    new_signed_info = etree.tostring(signed_info, encoding="unicode").encode()
    new_signed_info = re.sub(rb"^<ds:SignedInfo[^>]*>", b"<ds:SignedInfo>", new_signed_info)
    rebuilt = re.sub(
        rb"<ds:SignedInfo>.*?</ds:SignedInfo>", lambda _: new_signed_info, rebuilt, flags=re.DOTALL
    )
    rebuilt = re.sub(
        rb"<ds:SignatureValue>.*?</ds:SignatureValue>",
        lambda _: f"<ds:SignatureValue>{value.text}</ds:SignatureValue>".encode(),
        rebuilt,
        flags=re.DOTALL,
    )
    return body[:start] + rebuilt + body[end:]


# --- the attacks --------------------------------------------------------------------------------


def wrapping() -> list[Case]:
    """Signature wrapping (XSW1-XSW8), adapted to one enveloped signature over URI=""."""
    cases = []
    m = signed(9001)
    original = payload_of(m.body)
    forged = replace(original, lrn_element(m), forged_lrn(m))
    start, end = signature_span(m.body)
    signature = m.body[start:end]
    root_open = m.body[: m.body.index(original)]
    root_close = m.body[end:]
    copy = b"<ncts:CC015C>" + original + b"</ncts:CC015C>"
    inside = replace(signature, b"</ds:Signature>", b"<ds:Object>" + copy + b"</ds:Object></ds:Signature>")
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "xsw1-original-moved-into-signature-object.xml",
            root_open + forged + inside + root_close,
            "XSW1: a forged payload (other LRN) in the root; the signed original moved into a ds:Object "
            'inside the signature. URI="" covers the forged root: the digest does not match.',
        )
    )

    m = signed(9002)
    original = payload_of(m.body)
    forged = replace(original, lrn_element(m), forged_lrn(m))
    body = m.body.replace(original, forged + ds_object(b"<ncts:CC015C>" + original + b"</ncts:CC015C>"), 1)
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "xsw2-original-in-a-ds-object-wrapper.xml",
            body,
            "XSW2: forged payload; the original copied into a new ds:Object wrapper before the signature. "
            "The schemas let a ds:* element in at the end of the root, unvalidated, so XSD passes and "
            "the document digest (which covers the wrapper and the forged payload) does not match.",
        )
    )

    m = signed(9003)
    original = payload_of(m.body)
    forged = replace(original, lrn_element(m), forged_lrn(m))
    wrapper = b'<Original xmlns="urn:example:wrapper"><ncts:CC015C>' + original + b"</ncts:CC015C></Original>"
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "xsw2-original-in-a-foreign-wrapper.xml",
            m.body.replace(original, forged + wrapper, 1),
            "XSW2 with a wrapper element of another namespace: refused by the XSD (which runs before the "
            "signature stage) since the root's content model has no room for it.",
        )
    )

    m = signed(9004)
    original = payload_of(m.body)
    forged = replace(original, lrn_element(m), forged_lrn(m))
    start, end = signature_span(m.body)
    signed_document = (
        b'<ncts:CC015C xmlns:ncts="urn:customs-gateway:sxml:ncts2:1">'
        + original
        + m.body[start:end]
        + b"</ncts:CC015C>"
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "xsw3-signed-document-nested-in-a-forged-root.xml",
            m.body[: m.body.index(original)] + forged + ds_object(signed_document) + m.body[end:],
            "XSW3/4: a forged root whose last child wraps the whole signed original, its signature "
            "included: the one signature is not a child of the message root.",
        )
    )

    m = signed(9005)
    original = payload_of(m.body)
    forged = replace(original, lrn_element(m), forged_lrn(m))
    body = m.body.replace(original, forged + ds_object(original, b' Id="payload"'), 1)
    body = replace(body, b'<ds:Reference URI="" ', b'<ds:Reference URI="#payload" ')
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "xsw5-reference-to-the-id-of-a-copied-payload.xml",
            body,
            'XSW5/6: the document Reference changed from URI="" to #payload, the Id of a ds:Object that '
            "holds a copy of the signed content, while the root carries a forged one.",
        )
    )

    m = signed(9006)
    properties = element(signature_of(m.body), b"xades:SignedProperties")
    moved = properties.replace(m.ids["properties"].encode(), b"Outside-" + m.ids["properties"].encode())
    body = before_signature(
        m.body, ds_object(b"<xades:QualifyingProperties>" + moved + b"</xades:QualifyingProperties>")
    )
    body = replace(
        body, f'URI="#{m.ids["properties"]}"'.encode(), f'URI="#Outside-{m.ids["properties"]}"'.encode()
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "xsw8-signedproperties-reference-to-a-copy-outside-the-signature.xml",
            body,
            "XSW8: the SignedProperties reference points to a copy of the SignedProperties in a ds:Object "
            "outside the signature (another Id): not the signature's own signed properties.",
        )
    )

    m = signed(9007)
    properties = element(signature_of(m.body), b"xades:SignedProperties")
    forged_properties = replace(properties, b"2026-11-02T09:31:00Z", b"2026-10-01T08:00:00Z")
    body = replace(
        m.body,
        b"</xades:QualifyingProperties>",
        b"</xades:QualifyingProperties>"
        + b"<ds:Object><xades:QualifyingProperties>"
        + forged_properties.replace(b' Id="', b' ID="')
        + b"</xades:QualifyingProperties></ds:Object>",
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "duplicate-id-Id-and-ID.xml",
            body,
            "A second, forged SignedProperties in another ds:Object of the signature, named by ID= with "
            "the value of the real one's Id=: an identifier used twice under two attribute names.",
        )
    )

    for number, attribute, label in ((9008, b"id", "id"), (9009, b"xml:id", "xml-id")):
        m = signed(number)
        wrapper = ds_object(
            b"<ncts:CC015C>" + payload_of(m.body) + b"</ncts:CC015C>",
            b" " + attribute + b'="' + m.ids["properties"].encode() + b'"',
        )
        cases.append(
            Case(
                "SIGNATURE_PROFILE",
                f"duplicate-id-Id-and-{label}.xml",
                before_signature(m.body, wrapper),
                f"A ds:Object before the signature with {attribute.decode()}= set to the SignedProperties' "
                "Id value: an identifier used twice under two attribute names.",
            )
        )

    m = signed(9010)
    properties = element(signature_of(m.body), b"xades:SignedProperties")
    body = replace(m.body, b"</xades:SignedProperties>", b"</xades:SignedProperties>" + properties)
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "duplicate-id-two-signedproperties.xml",
            body,
            "Two SignedProperties with the same Id in the signature's QualifyingProperties.",
        )
    )

    token = unsigned(9011).token
    wrapper = ds_object(
        b'<xades:SignedProperties xmlns:evil="urn:example:evil" evil:Id="SignedProperties-'
        + token.encode()
        + b'"/>'
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "duplicate-id-namespaced-Id-attribute.xml",
            signed(9011, edit=lambda body: before_signature_end(body, wrapper)).body,
            "An element with evil:Id= (a namespaced attribute whose local name is Id) set to the "
            "SignedProperties' Id, in a ds:Object the signature covers: signxml resolves #id by local "
            "name, so the SignedProperties reference is ambiguous.",
        )
    )

    m = signed(9012)
    other = signed(9013, "sc-agent")
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "second-signature-before-the-real-one.xml",
            before_signature(m.body, signature_of(other.body)),
            "A second, valid signature of another message (sc-agent) placed before the real one.",
        )
    )

    m = signed(9014)
    other = signed(9015, "sc-agent")
    body = replace(
        m.body,
        b"</ds:Object></ds:Signature>",
        b"</ds:Object><ds:Object>" + signature_of(other.body) + b"</ds:Object></ds:Signature>",
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "second-signature-inside-the-real-one.xml",
            body,
            "A second signature nested in a ds:Object of the real one.",
        )
    )

    m = signed(9016)
    start, end = signature_span(m.body)
    signature = m.body[start:end]
    without = m.body[:start] + m.body[end:]
    body = replace(without, b"</TransitOperation>", signature + b"</TransitOperation>")
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "signature-nested-in-the-payload.xml",
            body,
            "The signature moved from the end of the root into TransitOperation: the XSD (which runs "
            "first) allows ds:Signature only at the end of the root.",
        )
    )

    m = signed(9017)
    body = replace(
        m.body,
        f'URI="" Id="{m.ids["reference"]}"'.encode(),
        f'URI="#{m.ids["properties"]}" Id="{m.ids["reference"]}"'.encode(),
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "reference-uri-to-an-element-id.xml",
            body,
            'The document Reference URI="" changed to "#<Id>" of another element (here the '
            "SignedProperties): the whole document is no longer what is signed.",
        )
    )

    m = signed(9018)
    body = replace(
        m.body,
        f'<ds:Reference URI="" Id="{m.ids["reference"]}">'.encode(),
        f'<ds:Reference Id="{m.ids["reference"]}">'.encode(),
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "reference-without-uri.xml",
            body,
            "The document Reference has no URI attribute at all (the application would have to guess).",
        )
    )

    m = signed(9019)
    body = replace(
        m.body,
        f'Target="#{m.ids["signature"]}"'.encode(),
        b'Target="#Signature-of-another-message"',
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "qualifyingproperties-target-elsewhere.xml",
            body,
            "QualifyingProperties Target points to another signature, not this one.",
        )
    )

    m = signed(9020)
    body = replace(m.body, b'<ds:Transform Algorithm="' + ENVELOPED + b'"/>', b"")
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "document-reference-without-enveloped-transform.xml",
            body,
            "The document Reference lost its enveloped-signature transform.",
        )
    )

    m = signed(9021)
    third = (
        b'<ds:Reference URI="#KeyInfo-9021"><ds:DigestMethod Algorithm="'
        + SHA256
        + b'"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference>'
    )
    body = replace(m.body, b"</ds:SignedInfo>", third + b"</ds:SignedInfo>")
    body = replace(body, b"<ds:KeyInfo>", b'<ds:KeyInfo Id="KeyInfo-9021">')
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "third-reference-to-keyinfo.xml",
            body,
            "A third Reference (to KeyInfo): the profile has exactly two.",
        )
    )
    return cases


def injection() -> list[Case]:
    cases = []
    m = signed(9101)
    lrn = m.lrn.encode()
    body = replace(m.body, lrn_element(m), b"<LRN>" + lrn[:-3] + b"<!-- -->666</LRN>")
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "comment-injection-changes-lrn.xml",
            body,
            "A comment injected into the signed LRN with the digits after it changed: the LRN read is "
            "another value than the one signed.",
        )
    )
    m = signed(9102)
    lrn = m.lrn.encode()
    body = replace(m.body, lrn_element(m), b"<LRN><!--" + lrn + b"-->" + lrn[:-3] + b"666</LRN>")
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "comment-hides-the-signed-lrn.xml",
            body,
            "The signed LRN put inside a comment, another LRN after it.",
        )
    )
    m = signed(9103)
    lrn = m.lrn.encode()
    body = replace(m.body, lrn_element(m), b"<LRN>" + lrn[:-3] + b"<![CDATA[666]]></LRN>")
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "cdata-injection-changes-lrn.xml",
            body,
            "A CDATA section in the signed LRN carrying other digits.",
        )
    )
    m = signed(9104)
    body = replace(m.body, lrn_element(m), b"<LRN><![CDATA[" + forged_lrn(m)[5:-6] + b"]]></LRN>")
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "cdata-replaces-lrn.xml",
            body,
            "The LRN written as a CDATA section with another value.",
        )
    )
    return cases


def transforms_and_references() -> list[Case]:
    cases = []
    enveloped = b'<ds:Transform Algorithm="' + ENVELOPED + b'"/>'
    extra = {
        "xpath-transform.xml": (
            b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116">'
            b"<ds:XPath>not(ancestor-or-self::LRN)</ds:XPath></ds:Transform>",
            "An XPath transform that leaves the LRN out of what is signed.",
        ),
        "xpath-filter2-transform.xml": (
            b'<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2">'
            b'<dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" '
            b'Filter="subtract">//LRN</dsig-xpath:XPath></ds:Transform>',
            "An XPath Filter 2.0 transform subtracting the LRN from what is signed.",
        ),
        "xslt-transform.xml": (
            b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116">'
            b'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
            b'<xsl:template match="/"><xsl:value-of select="document(\'file:///etc/passwd\')"/>'
            b"</xsl:template></xsl:stylesheet></ds:Transform>",
            "An XSLT transform (which could read files or loop): never run.",
        ),
    }
    for number, (name, (transform, description)) in enumerate(extra.items(), start=9201):
        m = signed(number)
        cases.append(
            Case("SIGNATURE_PROFILE", name, replace(m.body, enveloped, enveloped + transform), description)
        )

    m = signed(9204)
    properties_ref = f'URI="#{m.ids["properties"]}"'.encode()
    body = replace(m.body, properties_ref, b"URI=\"#xpointer(id('" + m.ids["properties"].encode() + b"'))\"")
    body = replace(body, b'<ds:Reference URI="" ', b'<ds:Reference URI="#xpointer(/)" ')
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "xpointer-references.xml",
            body,
            "XPointer references (#xpointer(/), #xpointer(id('...'))) instead of URI=\"\" and #Id.",
        )
    )

    m = signed(9205)
    body = replace(m.body, b'<ds:Reference URI="" ', b'<ds:Reference URI="http://127.0.0.1:9/x" ')
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "external-reference-http.xml",
            body,
            "The document Reference points to http://127.0.0.1:9/x: refused, nothing fetched.",
        )
    )
    m = signed(9206)
    body = replace(m.body, f'URI="#{m.ids["properties"]}"'.encode(), b'URI="file:///etc/passwd"')
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "external-reference-file.xml",
            body,
            "The SignedProperties Reference points to file:///etc/passwd: refused, nothing read.",
        )
    )
    m = signed(9207)
    third = (
        b'<ds:Reference URI="http://127.0.0.1:9/x"><ds:DigestMethod Algorithm="'
        + SHA256
        + b'"/><ds:DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</ds:DigestValue></ds:Reference>'
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "external-reference-as-a-third-reference.xml",
            replace(m.body, b"</ds:SignedInfo>", third + b"</ds:SignedInfo>"),
            "A third Reference to http://127.0.0.1:9/x next to the two of the profile.",
        )
    )
    return cases


def key_info() -> list[Case]:
    cases = []
    m = signed(9301)
    mine = certificate_b64("sc-person")
    current = re.search(rb"<ds:X509Certificate>(.*?)</ds:X509Certificate>", m.body, re.DOTALL)
    assert current is not None and b"".join(current.group(1).split()) == mine
    swapped = m.body.replace(
        current.group(0), b"<ds:X509Certificate>" + certificate_b64("sc-agent") + b"</ds:X509Certificate>", 1
    )
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "keyinfo-swapped-certificate.xml",
            swapped,
            "KeyInfo carries another valid, trusted certificate (sc-agent) in place of the signer's: "
            "it is not the certificate the signed properties name.",
        )
    )
    agent = material("sc-agent")[0]
    agent_digest = base64.b64encode(agent.fingerprint(hashes.SHA256()))
    own_digest = base64.b64encode(material("sc-person")[0].fingerprint(hashes.SHA256()))
    m = signed(9302)
    body = m.body.replace(
        current.group(0), b"<ds:X509Certificate>" + certificate_b64("sc-agent") + b"</ds:X509Certificate>", 1
    )
    body = replace(body, own_digest, agent_digest)
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "keyinfo-swapped-certificate-and-certdigest.xml",
            body,
            "KeyInfo's certificate and the signed CertDigest both changed to sc-agent's: the "
            "SignedProperties digest and the signature value no longer match.",
        )
    )
    m = signed(9303)
    public = material("sc-agent")[0].public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    numbers = public.public_numbers()
    modulus = base64.b64encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"))
    exponent = base64.b64encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"))
    key_value = (
        b"<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>"
        + modulus
        + b"</ds:Modulus><ds:Exponent>"
        + exponent
        + b"</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"
    )
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "keyvalue-not-the-certificate-key.xml",
            replace(m.body, b"<ds:KeyInfo>", b"<ds:KeyInfo>" + key_value),
            "An RSAKeyValue (sc-agent's key) added to KeyInfo next to the signer's certificate: the key "
            "information is inconsistent.",
        )
    )
    m = signed(9304)
    body = re.sub(rb"<ds:KeyInfo>.*?</ds:KeyInfo>", b"", m.body, count=1, flags=re.DOTALL)
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "keyinfo-without-certificate.xml",
            body,
            "KeyInfo removed: the profile needs the signing certificate in X509Data.",
        )
    )
    return cases


def algorithms() -> list[Case]:
    cases = []
    edits = [
        (
            "digest-sha1.xml",
            SHA256,
            b"http://www.w3.org/2000/09/xmldsig#sha1",
            0,
            "The document Reference's DigestMethod set to SHA-1 (accepted only in the legacy profile).",
        ),
        (
            "signature-rsa-sha1.xml",
            RSA_SHA256,
            b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            0,
            "SignatureMethod rsa-sha1 (accepted only in the legacy profile).",
        ),
        (
            "digest-md5.xml",
            SHA256,
            b"http://www.w3.org/2001/04/xmldsig-more#md5",
            0,
            "The document Reference's DigestMethod set to MD5.",
        ),
        (
            "signature-hmac-sha256.xml",
            RSA_SHA256,
            b"http://www.w3.org/2000/09/xmldsig#hmac-sha256",
            0,
            "SignatureMethod HMAC-SHA256 (a shared-key MAC: anyone with the key could have made it).",
        ),
        (
            "signedproperties-digest-sha1.xml",
            SHA256,
            b"http://www.w3.org/2000/09/xmldsig#sha1",
            1,
            "The SignedProperties Reference's DigestMethod set to SHA-1.",
        ),
        (
            "canonicalization-unknown.xml",
            EXC_C14N,
            b"http://www.w3.org/2000/09/xmldsig#base64",
            0,
            "CanonicalizationMethod set to the base64 transform's URI.",
        ),
    ]
    for number, (name, old, new, occurrence, description) in enumerate(edits, start=9401):
        m = signed(number)
        position = -1
        for _ in range(occurrence + 1):
            position = m.body.index(b'Algorithm="' + old + b'"', position + 1)
        body = m.body[:position] + m.body[position:].replace(old, new, 1)
        cases.append(Case("SIGNATURE_PROFILE", name, body, description))
    return cases


def certificates() -> list[Case]:
    plain = [
        ("CERT_UNTRUSTED", "sc-rsa1024", "weak-key-rsa-1024.xml", "Signed with an RSA-1024 SC certificate."),
        (
            "CERT_UNTRUSTED",
            "sc-no-signing-usage",
            "no-signing-key-usage.xml",
            "Signed with an SC certificate whose KeyUsage is keyEncipherment only.",
        ),
        (
            "CERT_UNTRUSTED",
            "rogue-person",
            "unknown-ca.xml",
            "Signed with a certificate from a self-made CA that copies the SC CA's subject name.",
        ),
        (
            "CERT_UNTRUSTED",
            "fake-qualified-person",
            "self-made-qualified-ca.xml",
            "Signed with a 'qualified' certificate (QcCompliance) from a CA that is not in the trusted list.",
        ),
        (
            "CERT_UNTRUSTED",
            "cbtd-after-cutoff",
            "cbtd-issued-after-cutoff.xml",
            "A CBTD certificate issued after the 2024-01-01 cut-off (IE818).",
        ),
        (
            "CERT_EXPIRED",
            "sc-expired",
            "expired.xml",
            "Signed with an SC certificate that expired 2025-06-30.",
        ),
        (
            "CERT_EXPIRED",
            "sc-not-yet-valid",
            "not-yet-valid.xml",
            "Signed with an SC certificate valid from 2044-01-01.",
        ),
        (
            "CERT_REVOKED",
            "sc-revoked",
            "revoked.xml",
            "Signed with an SC certificate revoked (keyCompromise).",
        ),
        (
            "CERT_REVOKED",
            "sc-suspended",
            "suspended.xml",
            "Signed with an SC certificate suspended (certificateHold).",
        ),
    ]
    cases = []
    for number, (code, role, name, description) in enumerate(plain, start=9501):
        message_type = "IE818" if role.startswith("cbtd") else "CC015C"
        cases.append(Case(code, name, signed(number, role, message_type).body, description))
    backdated = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    cases.append(
        Case(
            "CERT_EXPIRED",
            "cbtd-expired-backdated-signing-time.xml",
            signed(9521, "cbtd-expired", "IE818", signing_time=backdated).body,
            "IE818 signed with the expired CBTD key and a SigningTime of 2025-01-01 (inside the "
            "certificate's validity): validity is judged at the time of receipt.",
        )
    )
    cases.append(
        Case(
            "CERT_EXPIRED",
            "sc-expired-backdated-signing-time.xml",
            signed(9522, "sc-expired", signing_time=backdated).body,
            "Signed with the expired SC certificate and a SigningTime of 2025-01-01, inside its validity.",
        )
    )
    cases.append(
        Case(
            "CERT_UNTRUSTED",
            "unknown-ca-with-its-ca-in-keyinfo.xml",
            signed_with(9523, "rogue-person", chain=("rogue-ca",)).body,
            "rogue-person with its self-made CA (same subject as the SC CA) added to KeyInfo.",
        )
    )
    cases.append(
        Case(
            "CERT_UNTRUSTED",
            "self-made-qualified-ca-in-keyinfo.xml",
            signed_with(9524, "fake-qualified-person", chain=("fake-qualified-ca",)).body,
            "fake-qualified-person with its self-made 'qualified' CA added to KeyInfo.",
        )
    )
    return cases


def epuap() -> list[Case]:
    cases = []
    block = etree.tostring(
        podpis_zp("Jan", "Kowalski", "44051401359", "jkowalski", signature_id="X", signed_at=SIGNED_AT)
    )
    m = signed_with(9601, "epuap-seal", edit=lambda body: before_signature_end(body, ds_object(block)))
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "epuap-podpiszp-in-the-signed-document.xml",
            m.body,
            "The ePUAP seal signs without PodpisZP in its ClaimedRoles; a PodpisZP is in the signed "
            "document instead (a ds:Object at the end of the root). Only ClaimedRoles names the person.",
        )
    )
    m = signed_with(9602, "epuap-seal")
    unsigned_properties = (
        b"<xades:UnsignedProperties><xades:UnsignedDataObjectProperties><xades:UnsignedDataObjectProperty>"
        + block
        + b"</xades:UnsignedDataObjectProperty></xades:UnsignedDataObjectProperties>"
        b"</xades:UnsignedProperties>"
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "epuap-podpiszp-in-unsigned-properties.xml",
            replace(m.body, b"</xades:SignedProperties>", b"</xades:SignedProperties>" + unsigned_properties),
            "The ePUAP seal signs without PodpisZP in its ClaimedRoles; a PodpisZP is added in "
            "xades:UnsignedProperties (UnsignedDataObjectProperty, which the XAdES schema leaves open), "
            "which no signature covers.",
        )
    )
    m = signed_with(9606, "epuap-seal")
    forged_qualifying = (
        b'<ds:Object><xades:QualifyingProperties Target="#' + m.ids["signature"].encode() + b'">'
        b"<xades:SignedProperties><xades:SignedSignatureProperties>"
        b"<xades:SignerRole><xades:ClaimedRoles><xades:ClaimedRole>"
        + block
        + b"</xades:ClaimedRole></xades:ClaimedRoles></xades:SignerRole></xades:SignedSignatureProperties>"
        b"</xades:SignedProperties></xades:QualifyingProperties></ds:Object>"
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "epuap-podpiszp-in-a-second-qualifyingproperties.xml",
            replace(
                m.body,
                b"</ds:Object></ds:Signature>",
                b"</ds:Object>" + forged_qualifying + b"</ds:Signature>",
            ),
            "The ePUAP seal signs without PodpisZP; a second, unreferenced QualifyingProperties in "
            "another ds:Object of the signature carries SignerRole/ClaimedRoles/PodpisZP.",
        )
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "epuap-without-podpiszp.xml",
            signed_with(9603, "epuap-seal").body,
            "The ePUAP seal signs with no PodpisZP at all: no person behind it.",
        )
    )
    bad = podpis_zp("Jan", "Kowalski", "44051401358", "jkowalski", signature_id="X", signed_at=SIGNED_AT)
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "epuap-podpiszp-pesel-checksum.xml",
            signed_with(9604, "epuap-seal", roles=[bad]).body,
            "The signed PodpisZP names PESEL 44051401358, which fails its checksum.",
        )
    )
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "epuap-podpiszp-in-the-payload.xml",
            signed_with(
                9605,
                "epuap-seal",
                edit=lambda body: replace(body, b"</TransitOperation>", block + b"</TransitOperation>"),
            ).body,
            "The ePUAP seal signs a message with a PodpisZP inside the payload (TransitOperation): "
            "refused by the XSD, which runs first.",
        )
    )
    return cases


def before_signature_end(body: bytes, insert: bytes) -> bytes:
    """``insert`` as the last child of the (unsigned) root."""
    end = body.rindex(b"</")
    return body[:end] + insert + body[end:]


def signed_properties_and_tampering() -> list[Case]:
    cases = []
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "signing-time-in-the-future.xml",
            signed(9701, signing_time=datetime(2030, 1, 1, tzinfo=UTC)).body,
            "A SigningTime of 2030-01-01, far in the future of the time of receipt.",
        )
    )
    m = signed(9702)
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "signed-properties-without-signing-time.xml",
            re.sub(rb"<xades:SigningTime>.*?</xades:SigningTime>", b"", m.body, count=1),
            "SignedProperties without SigningTime.",
        )
    )
    m = signed(9703)
    body = re.sub(
        rb"<xades:SigningTime>.*?</xades:SigningTime>",
        b"<xades:SigningTime>2026-11-02T09:31:00</xades:SigningTime>",
        m.body,
        count=1,
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "signing-time-without-time-zone.xml",
            resign(body),
            "SigningTime without a time zone (signed as such: the signature itself verifies).",
        )
    )
    m = signed(9704)
    body = replace(
        m.body,
        b'<xades:CertDigest><ds:DigestMethod Algorithm="'
        + SHA256
        + b'"/><ds:DigestValue>'
        + base64.b64encode(material("sc-person")[0].fingerprint(hashes.SHA256())),
        b'<xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
        b"<ds:DigestValue>" + base64.b64encode(material("sc-person")[0].fingerprint(hashes.SHA1())),
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "signing-certificate-digest-sha1.xml",
            resign(body),
            "SigningCertificateV2's CertDigest made with SHA-1 (signed as such) outside the legacy profile.",
        )
    )

    cases.append(
        Case(
            "SIGNATURE_MISSING",
            "no-signature.xml",
            strip_signature(signed(9705).body),
            "The signed message with its ds:Signature removed.",
        )
    )
    m = signed(9706)
    body = replace(m.body, b"<ds:Signature ", b"<ds:Signatur ")
    body = replace(body, b"</ds:Signature>", b"</ds:Signatur>")
    cases.append(
        Case(
            "SIGNATURE_MISSING",
            "signature-element-renamed.xml",
            body,
            "The ds:Signature element renamed ds:Signatur (still in the ds namespace, so the XSD lets "
            "it in): no signature.",
        )
    )
    m = signed(9707)
    cases.append(
        Case(
            "SCHEMA_INVALID",
            "signature-in-a-look-alike-namespace.xml",
            replace(
                m.body,
                b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
                b'xmlns:ds="http://www.w3.org/2000/09/xmldsig"',
            ),
            "The signature in the namespace http://www.w3.org/2000/09/xmldsig (no '#'): not a ds:Signature, "
            "and the XSD has no room for the element.",
        )
    )

    m = signed(9708)
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "payload-byte-changed.xml",
            replace(m.body, lrn_element(m), forged_lrn(m)),
            "One signed value changed after signing (the LRN's last digits).",
        )
    )
    m = signed(9709)
    gross = re.search(rb"<grossMass>(\d+)\.(\d+)</grossMass>", m.body)
    assert gross is not None
    digits = gross.group(2)
    last = b"1" if digits[-1:] != b"1" else b"2"
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "payload-one-digit-of-gross-mass-changed.xml",
            m.body.replace(
                gross.group(0),
                b"<grossMass>" + gross.group(1) + b"." + digits[:-1] + last + b"</grossMass>",
                1,
            ),
            "One digit of the first grossMass changed after signing.",
        )
    )
    m = signed(9710)
    value = re.search(rb"<ds:SignatureValue>(.*?)</ds:SignatureValue>", m.body)
    assert value is not None
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "signature-value-byte-changed.xml",
            m.body.replace(value.group(1), flip_base64(value.group(1), 40), 1),
            "One character of the SignatureValue changed.",
        )
    )
    m = signed(9711)
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "signed-properties-changed.xml",
            replace(
                m.body,
                b"2026-11-02T09:31:00Z</xades:SigningTime>",
                b"2026-11-02T09:30:59Z</xades:SigningTime>",
            ),
            "The SigningTime moved by one second after signing: the SignedProperties digest does not match.",
        )
    )
    m = signed(9712, "qualified-person", "CC515C")
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "aes-cc515c-lrn-changed.xml",
            replace(m.body, lrn_element(m), forged_lrn(m)),
            "AES CC515C (qualified signature) with its LRN changed after signing.",
        )
    )
    m = signed(9713, "qualified-nip", "IE815")
    trader = re.search(rb"<TraderName>([^<]*)</TraderName>", m.body)
    if trader is not None:
        body = m.body.replace(trader.group(0), b"<TraderName>" + trader.group(1) + b" X</TraderName>", 1)
    else:
        body = replace(m.body, b"<LocalReferenceNumber>", b"<LocalReferenceNumber>X", 1)
    cases.append(
        Case(
            "SIGNATURE_INVALID",
            "emcs-ie815-changed.xml",
            body,
            "EMCS IE815 (qualified signature) with a trader's name changed after signing.",
        )
    )
    return cases


def forbidden() -> list[Case]:
    cases = []
    laughs = (
        b'<!DOCTYPE ncts:CC015C [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
            for i in range(1, 10)
        )
        + b"]>\n"
    )
    m = signed(9801)
    body = replace(m.body, b"<ncts:CC015C ", laughs + b"<ncts:CC015C ")
    body = replace(body, lrn_element(m), b"<LRN>&lol9;</LRN>")
    cases.append(
        Case(
            "XML_FORBIDDEN",
            "signed-message-with-entity-bomb.xml",
            body,
            "A signed message with a billion-laughs DTD and its entity in the payload.",
        )
    )
    m = signed(9802)
    body = replace(
        m.body,
        b"<ncts:CC015C ",
        b'<!DOCTYPE ncts:CC015C [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n<ncts:CC015C ',
    )
    body = replace(body, lrn_element(m), b"<LRN>&xxe;</LRN>")
    cases.append(
        Case(
            "XML_FORBIDDEN",
            "signed-message-with-external-entity.xml",
            body,
            "A signed message whose LRN is an external entity (file:///etc/passwd).",
        )
    )
    m = signed(9803)
    body = replace(
        m.body,
        b"<ncts:CC015C ",
        b'<!DOCTYPE ncts:CC015C SYSTEM "http://127.0.0.1:9/evil.dtd">\n<ncts:CC015C ',
    )
    cases.append(
        Case(
            "XML_FORBIDDEN",
            "signed-message-with-external-dtd.xml",
            body,
            "A signed message naming an external DTD at http://127.0.0.1:9/evil.dtd: never fetched.",
        )
    )
    m = signed(9804)
    body = replace(
        m.body,
        b"</ds:X509Certificate>",
        b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
        b'parse="text"/></ds:X509Certificate>',
    )
    cases.append(
        Case(
            "XML_FORBIDDEN",
            "signed-message-with-xinclude-in-keyinfo.xml",
            body,
            "An XInclude of file:///etc/passwd inside the signature's X509Certificate.",
        )
    )
    return cases


def unsigned_content() -> list[Case]:
    """What no reference covers, in a signature that verifies: an extra ds:Object, a comment that a
    ``#WithComments`` transform seems to sign, a processing instruction inside the message."""
    cases = []
    m = signed(9901)
    forged = replace(payload_of(m.body), lrn_element(m), forged_lrn(m))
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "fake-cc015c-in-an-extra-ds-object.xml",
            replace(
                m.body,
                b"</ds:Object></ds:Signature>",
                b"</ds:Object><ds:Object><ncts:CC015C>"
                + forged
                + b"</ncts:CC015C></ds:Object></ds:Signature>",
            ),
            "A valid signed message with a second ds:Object in its signature holding a forged CC015C "
            "(another LRN). No reference covers that Object, so the signature still verifies; an "
            "Object other than the one with the QualifyingProperties is refused.",
        )
    )
    m = signed(9902)
    lrn = m.lrn.encode()
    body = replace(m.body, lrn_element(m), b"<LRN>" + lrn[:-3] + b"<!-- -->666</LRN>")
    body = replace(
        body,
        b'<ds:Transform Algorithm="' + ENVELOPED + b'"/><ds:Transform Algorithm="' + EXC_C14N + b'"/>',
        b'<ds:Transform Algorithm="'
        + ENVELOPED
        + b'"/><ds:Transform Algorithm="'
        + EXC_C14N
        + b'WithComments"/>',
    )
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "comment-injection-with-comments-c14n.xml",
            resign(body, document_comments=True),
            "A comment injected into the LRN, the document Reference's canonicalization changed to "
            "exclusive #WithComments and the message signed again with the comment digested. A "
            'URI="" reference covers no comment whatever its canonicalization says (XML-DSig '
            "4.4.3.3), so a comment inside the message is refused before any cryptography.",
        )
    )
    instruction = b'<?xml-stylesheet type="text/xsl" href="lrn.xsl"?>'
    cases.append(
        Case(
            "SIGNATURE_PROFILE",
            "processing-instruction-inside-the-message.xml",
            signed(
                9903,
                edit=lambda body: replace(body, b"<TransitOperation>", instruction + b"<TransitOperation>"),
            ).body,
            "An xml-stylesheet processing instruction inside the root element, signed with the "
            "message. Outside the root it would be accepted; inside, no customs message holds one.",
        )
    )
    return cases


BUILDERS: list[Callable[[], list[Case]]] = [
    wrapping,
    injection,
    transforms_and_references,
    key_info,
    algorithms,
    certificates,
    epuap,
    signed_properties_and_tampering,
    forbidden,
    unsigned_content,
]


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write(cases: list[Case]) -> None:
    names = [(case.code, case.name) for case in cases]
    if len(set(names)) != len(names):
        raise AssertionError("two attacks with one name")
    if ATTACKS.exists():
        shutil.rmtree(ATTACKS)
    by_code: dict[str, list[Case]] = {}
    for case in cases:
        by_code.setdefault(case.code, []).append(case)
    for code, found in sorted(by_code.items()):
        folder = ATTACKS / code
        folder.mkdir(parents=True)
        lines = [f"# Attacks answered with {code} (written by samples/{Path(__file__).name}).", ""]
        for case in sorted(found, key=lambda c: c.name):
            (folder / case.name).write_bytes(case.body)
            lines += [
                f'["{case.name}"]',
                f"description = {toml_string(case.description)}",
                f'errors = [{{ code = "{code}" }}]',
                "",
            ]
        text = "\n".join(lines)
        tomllib.loads(text)
        (folder / "expected.toml").write_text(text, encoding="utf-8")


def main() -> None:
    cases = [case for builder in BUILDERS for case in builder()]
    write(cases)
    print(f"{len(cases)} attack samples in {len({c.code for c in cases})} folders")


if __name__ == "__main__":
    main()
