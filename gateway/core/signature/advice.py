"""What a signer should change when the gateway refuses its signature (``gateway check --explain``).

One refusal code covers many rules (``SIGNATURE_PROFILE`` alone a dozen), so the rule is recognised
from the refusal's message, and each rule of the profile in docs/signing.md has its advice here:
which rule failed, what a conformant signer does instead, and the section of the page that says it.
Every ``SIGNATURE_*`` and ``CERT_*`` code also has a general advice, for messages no rule names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gateway.core.errors import ErrorDetail

SIGNING_DOC = "docs/signing.md"


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    #: the rule of the profile that failed
    failed: str
    #: what a conformant signer should change
    change: str
    #: the section of docs/signing.md (its anchor)
    section: str
    #: the refusal messages this rule gives; None for the code's general advice
    pattern: re.Pattern[str] | None = None

    @property
    def reference(self) -> str:
        return f"{SIGNING_DOC}#{self.section}"


def _rule(code: str, section: str, failed: str, change: str, *messages: str) -> Advice:
    return Advice(code, failed, change, section, re.compile("|".join(messages)) if messages else None)


PLACE, REFERENCES, ALGORITHMS = "where-the-signature-goes", "references-and-transforms", "algorithms"
PROPERTIES, KEYINFO, CERTIFICATE = "signed-properties", "keyinfo", "the-signing-certificate"

RULES: tuple[Advice, ...] = (
    # -- SIGNATURE_PROFILE: the structure, before any cryptography ----------------------------------
    _rule(
        "SIGNATURE_PROFILE",
        PLACE,
        "exactly one ds:Signature in the whole document",
        "sign once; remove any other signature, also one nested in the payload or a counter-signature",
        r"exactly one signature",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        PLACE,
        "the signature is enveloped: the last child of the message's root element",
        "insert the ds:Signature as the last child of the root element; enveloping and detached "
        "signatures are not accepted",
        r"enveloped as a child of the message root",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        PLACE,
        "no identifier value twice in the document under Id, ID, id or xml:id",
        "give every Id of the message and of the signature a value of its own",
        r"identifiers used more than once",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        "comments-and-processing-instructions",
        'no comment or processing instruction inside the root element: a Reference URI="" never '
        "covers a comment, whatever the canonicalization",
        "remove comments and processing instructions inside the root element before signing "
        "(before or after the root element they are accepted)",
        r"\bcomments?\b",
        r"\bprocessing instructions?\b",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        ALGORITHMS,
        "CanonicalizationMethod is C14N 1.0, C14N 1.1 or exclusive C14N (each also #WithComments)",
        "name one of these canonicalizations in SignedInfo",
        r"canonicalization \S+ is not accepted",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        ALGORITHMS,
        "SignatureMethod is RSA PKCS#1 v1.5 or ECDSA with SHA-256, -384 or -512",
        "sign with rsa-sha256/384/512 or ecdsa-sha256/384/512 (no SHA-1, HMAC, DSA or RSA-PSS)",
        r"signature method \S+ is not accepted",
        r"HMAC signatures",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        ALGORITHMS,
        "every DigestMethod (references and CertDigest) is SHA-256, -384 or -512",
        "digest with SHA-256, SHA-384 or SHA-512 (no SHA-1, no MD5)",
        r"digest method \S* ?is not accepted",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        REFERENCES,
        'SignedInfo has exactly two references: URI="" (the whole document) and the SignedProperties',
        'reference the whole document with URI="" (not the #Id of its root) and drop any other '
        "Reference (signxml adds one to KeyInfo by default: see its recipe)",
        r"two references are expected",
        r'one Reference URI="" and one Reference to the SignedProperties',
        r"verified references are not",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        REFERENCES,
        "the document reference's transforms are enveloped-signature, then at most one canonicalization",
        "keep only the enveloped-signature transform and one canonicalization (no XPath, XPath "
        "Filter 2.0, XSLT or base64 transform)",
        r"enveloped-signature transform",
        r"only one canonicalization",
        r"transforms outside the accepted profile",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        REFERENCES,
        "the second reference points at this signature's own xades:SignedProperties",
        'use URI="#<Id of SignedProperties>" with Type="http://uri.etsi.org/01903#SignedProperties" '
        "and at most one canonicalization; the SignedProperties inside ds:Object/"
        "xades:QualifyingProperties of this signature, whose Target is #<Signature Id>",
        r"SignedProperties reference must point",
        r"is not this signature's own",
        r"on the SignedProperties reference",
        r"QualifyingProperties target",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        PROPERTIES,
        "the signed properties carry SigningTime: an xsd:dateTime with its zone, not in the future",
        "write SigningTime from a synchronised clock with its zone, e.g. 2026-11-02T09:31:00Z",
        r"SigningTime",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        PROPERTIES,
        "the signed properties carry SigningCertificateV2 (or SigningCertificate) naming the signing "
        "certificate by its digest",
        "add xades:SigningCertificateV2/xades:Cert/xades:CertDigest with the digest of the signing "
        "certificate's DER (IssuerSerialV2, when present, base64 of its DER IssuerSerial)",
        r"SigningCertificate",
        r"IssuerSerialV2 cannot be read",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        KEYINFO,
        "KeyInfo carries the signing certificate (and at most 8 certificates) as base64 DER",
        "put the signing certificate, and if you like its chain, in ds:KeyInfo/ds:X509Data/"
        "ds:X509Certificate",
        r"KeyInfo",
        r"X509Certificate",
        r"KeyValue is not base64",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        "where-the-signature-goes",
        "the signature holds one ds:Object, with its QualifyingProperties and nothing else",
        "put the XAdES QualifyingProperties in the signature's one ds:Object, and nothing else there "
        "or in another Object: no reference covers it, so it could carry anything",
        r"ds:Object",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        "epuap-trusted-profile-podpiszp",
        "an ePUAP seal signature names the person in a PodpisZP of its signed ClaimedRoles",
        "put the PodpisZP, with a valid PESEL, in SignerRole/ClaimedRoles of the signed properties",
        r"PodpisZP",
        r"trusted profile names PESEL",
    ),
    _rule(
        "SIGNATURE_PROFILE",
        "what-is-refused-and-why",
        "the signature keeps the XAdES-BES enveloped profile",
        "compare the signature with the profile, part by part; `xmlsec1 --verify` checks the "
        "cryptography alone",
    ),
    # -- SIGNATURE_INVALID: the cryptography ---------------------------------------------------------
    _rule(
        "SIGNATURE_INVALID",
        REFERENCES,
        'the digest of the document (Reference URI="") matches the message as received',
        "sign the final message and change nothing in it afterwards (no re-indenting, re-encoding of "
        "characters, namespace changes inside the root element)",
        r"the digest of the document does not match",
    ),
    _rule(
        "SIGNATURE_INVALID",
        PROPERTIES,
        "the digest of the SignedProperties matches them as received",
        "change nothing in the signed properties after signing, and digest them with the "
        "canonicalization the reference names (none named: C14N; see the signxml recipe)",
        r"the digest of the SignedProperties does not match",
    ),
    _rule(
        "SIGNATURE_INVALID",
        KEYINFO,
        "CertDigest of SigningCertificate(V2) is the digest of a certificate in KeyInfo",
        "digest the signing certificate's DER (not its PEM text, not its public key) with the "
        "DigestMethod you name, and put that very certificate in KeyInfo",
        r"no certificate in KeyInfo is the one",
        r"name a certificate that is not in KeyInfo",
        r"first certificate is not the signing certificate",
    ),
    _rule(
        "SIGNATURE_INVALID",
        PROPERTIES,
        "IssuerSerialV2 or IssuerSerial names the signing certificate",
        "write the signing certificate's issuer and serial (IssuerSerial: the issuer as an RFC 4514 "
        "string, the serial in decimal), or leave them out",
        r"IssuerSerial",
    ),
    _rule(
        "SIGNATURE_INVALID",
        KEYINFO,
        "a KeyValue in KeyInfo is the signing certificate's own key",
        "leave KeyValue out, or write the signing certificate's key in it",
        r"KeyValue in KeyInfo",
        r"in KeyInfo does not belong",
    ),
    _rule(
        "SIGNATURE_INVALID",
        REFERENCES,
        "the signature value verifies over SignedInfo with the signing certificate's key",
        "sign SignedInfo canonicalized as its CanonicalizationMethod says, with the key of the "
        "certificate that SigningCertificate(V2) names, and change nothing afterwards",
        r"Signature verification failed",
        r"signature value does not verify",
        r"ECDSA SignatureValue of",
    ),
    _rule(
        "SIGNATURE_INVALID",
        "what-is-refused-and-why",
        "the digests and the signature value verify",
        "sign the final message with the key of the certificate that SigningCertificate(V2) names, "
        "and change nothing afterwards",
    ),
    # -- CERT_*: the signing certificate -------------------------------------------------------------
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "an RSA key of 2048 bits or more, or an EC key on P-256 or larger",
        "get a certificate for a stronger key",
        r"RSA key of \d+ bits",
        r"EC key on",
        r"keys are not accepted",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "the signing certificate is an end-entity certificate, not a CA's",
        "sign with your own certificate; make the first Cert of SigningCertificate(V2) name it, "
        "not a CA of its chain",
        r"CA certificate does not sign",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "the certificate is meant for signing: key usage digitalSignature or nonRepudiation, and an "
        "extended key usage (if any) for documents",
        "sign with a signing certificate, not a TLS, OCSP or encryption certificate",
        r"meant for other purposes",
        r"key usage allows neither",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "the certificate chains to an anchor the operator trusts (customs SC CA, a qualified CA of the "
        "trusted list, the ePUAP seal, the CBTD CA)",
        "sign with a certificate of one of the four kinds, and put its intermediate CAs in KeyInfo",
        r"no path from",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "a qualified certificate carries QcCompliance and, with a QcType, the one for signatures",
        "sign with a qualified certificate for electronic signatures (not for seals or websites)",
        r"QcCompliance",
        r"seals or websites",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "CBTD keys are accepted only when issued before the cut-off",
        "get an SC certificate from the customs administration",
        r"CBTD certificates issued after",
    ),
    _rule(
        "CERT_UNTRUSTED",
        CERTIFICATE,
        "the signing certificate is one the gateway may rely on",
        "sign with a certificate of one of the four kinds the operator trusts",
    ),
    _rule(
        "CERT_EXPIRED",
        CERTIFICATE,
        "the signing certificate and its CAs are valid at the time of receipt (not at SigningTime)",
        "renew the certificate and sign again",
    ),
    _rule(
        "CERT_REVOKED",
        CERTIFICATE,
        "the signing certificate is neither revoked nor suspended",
        "sign with a certificate in force",
    ),
    _rule(
        "CERT_STATUS_UNKNOWN",
        CERTIFICATE,
        "the certificate's revocation status is known (OCSP or CRL)",
        "nothing in the signature: send the same bytes again later",
    ),
    _rule(
        "SIGNATURE_STALE",
        PROPERTIES,
        "SigningTime is within the configured freshness window",
        "sign again, with the current time from a synchronised clock",
    ),
    _rule(
        "SIGNATURE_MISSING",
        PLACE,
        "the message carries one ds:Signature, the last child of its root element",
        "sign the message: an enveloped XAdES-BES signature (see the recipes)",
    ),
)

GENERAL: Mapping[str, Advice] = {rule.code: rule for rule in RULES if rule.pattern is None}


def advice_for(code: str, message: str) -> Advice | None:
    """The rule ``message`` of a ``code`` refusal names; the code's general advice otherwise."""
    for rule in RULES:
        if rule.code == code and rule.pattern is not None and rule.pattern.search(message):
            return rule
    return GENERAL.get(code)


def explain(code: str | None, errors: Iterable[ErrorDetail]) -> list[str]:
    """Lines saying which rule a refusal broke and what to change; none for other refusals."""
    if code is None:
        return []
    found: list[Advice] = []
    for error in errors:
        advice = advice_for(code, error.message)
        if advice is not None and advice not in found:
            found.append(advice)
    if not found and code in GENERAL:
        found.append(GENERAL[code])
    return [
        line
        for advice in found
        for line in (f"rule: {advice.failed}", f"change: {advice.change}", f"see {advice.reference}")
    ]
