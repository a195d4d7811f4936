"""Certificate profiles of the demo PKI: subjects and extensions per kind."""

from __future__ import annotations

from typing import Literal, get_args

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from gateway.core.signature.model import SignerKind
from gateway.core.xmldsig import der as _der
from gateway.core.xmldsig.keys import PublicKey, key_usage, signing_key_usage

AuthorityKind = Literal["sc", "qualified", "epuap", "cbtd", "tsl"]
"""The authorities of a demo PKI (``tsl`` signs the trusted list)."""
AUTHORITY_KINDS: tuple[AuthorityKind, ...] = get_args(AuthorityKind)
CertificateKind = Literal["sc", "qualified", "epuap", "cbtd", "tsl", "ocsp", "receipt"]
"""Every end-entity profile: the signer kinds, the trusted-list signer, the delegated OCSP responder
and the gateway's receipt signer (issued by the customs CA, sc)."""

#: the authorities that issue signer certificates, one per kind of signer the gateway accepts
SIGNER_KINDS: tuple[AuthorityKind, ...] = tuple(
    kind for kind in AUTHORITY_KINDS if kind in {k.value for k in SignerKind}
)
CERTIFICATE_KINDS: tuple[CertificateKind, ...] = get_args(CertificateKind)

OID_QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
OID_QC_COMPLIANCE = "0.4.0.1862.1.1"
OID_QC_SSCD = "0.4.0.1862.1.4"
OID_QC_TYPE = "0.4.0.1862.1.6"
OID_QC_TYPE_ESIGN = "0.4.0.1862.1.6.1"
OID_QCP_N_QSCD = x509.ObjectIdentifier("0.4.0.194112.1.2")
OID_TSL_SIGNING = x509.ObjectIdentifier("0.4.0.2231.3.0")

EPUAP_ORGANIZATION = "Ministerstwo Cyfryzacji"
EPUAP_COMMON_NAME = "ePUAP"

DEFAULT_CA_NAMES: dict[AuthorityKind, tuple[str, str]] = {
    "sc": ("SISC Test CA (SC)", "Krajowa Administracja Skarbowa (TEST)"),
    "qualified": ("Test Qualified CA", "Demo QTSP (TEST)"),
    "epuap": ("ePUAP Test Root", f"{EPUAP_ORGANIZATION} (TEST)"),
    "cbtd": ("CBTD Test CA", "Ministerstwo Finansów (TEST)"),
    "tsl": ("Test Trusted List Scheme Operator", "Demo Scheme Operator (TEST)"),
}


def qc_statements_der(*, sscd: bool = True) -> bytes:
    """QCStatements (RFC 3739 / ETSI EN 319 412-5): QcCompliance, optionally QcSSCD, and QcType esign."""
    statements = [_der.sequence(_der.object_identifier(OID_QC_COMPLIANCE))]
    if sscd:
        statements.append(_der.sequence(_der.object_identifier(OID_QC_SSCD)))
    statements.append(
        _der.sequence(
            _der.object_identifier(OID_QC_TYPE),
            _der.sequence(_der.object_identifier(OID_QC_TYPE_ESIGN)),
        )
    )
    return _der.sequence(*statements)


def ca_subject(kind: AuthorityKind, name: str | None = None, organization: str | None = None) -> x509.Name:
    default_name, default_organization = DEFAULT_CA_NAMES[kind]
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization or default_organization),
            x509.NameAttribute(NameOID.COMMON_NAME, name or default_name),
        ]
    )


def end_entity_subject(
    kind: CertificateKind,
    name: str | None,
    *,
    pesel: str | None = None,
    nip: str | None = None,
    organization: str | None = None,
) -> x509.Name:
    """The subject each profile prescribes; raises ``ValueError`` on a missing or malformed identifier."""
    if pesel is not None and not (len(pesel) == 11 and pesel.isdigit()):
        raise ValueError(f"PESEL must be 11 digits: {pesel!r}")
    if nip is not None and not (len(nip) == 10 and nip.isdigit()):
        raise ValueError(f"NIP must be 10 digits: {nip!r}")
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "PL")]
    serial: str | None = None
    if kind == "epuap":
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization or EPUAP_ORGANIZATION))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, name or EPUAP_COMMON_NAME))
        return x509.Name(attributes)
    if not name:
        raise ValueError(f"a {kind} certificate needs a subject name")
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, name))
    if kind == "qualified":
        if (pesel is None) == (nip is None):
            raise ValueError("a qualified certificate needs exactly one of PESEL or NIP")
        serial = f"PNOPL-{pesel}" if pesel is not None else f"TINPL-{nip}"
    elif kind == "sc":
        if nip is not None:
            raise ValueError("an sc certificate identifies the person by PESEL only")
        serial = f"PNOPL-{pesel}" if pesel is not None else None
    elif kind == "cbtd":
        if pesel is not None:
            raise ValueError("a cbtd certificate identifies the holder by NIP only")
        serial = f"NIP:{nip}" if nip is not None else None
    elif pesel is not None or nip is not None:
        raise ValueError(f"a {kind} certificate carries no personal identifier")
    if serial is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attributes)


def ca_extensions(public_key: PublicKey) -> list[tuple[x509.ExtensionType, bool]]:
    return [
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (key_usage(key_cert_sign=True, crl_sign=True), True),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
    ]


def end_entity_extensions(
    kind: CertificateKind,
    public_key: PublicKey,
    issuer_public_key: PublicKey,
    base_url: str | None,
) -> list[tuple[x509.ExtensionType, bool]]:
    """Extensions of an end-entity certificate of ``kind``; ``base_url`` is the issuing authority's URL
    folder (``.../pki/sc/``) where its CRL (``ca.crl``), OCSP (``ocsp``) and certificate (``ca.crt``) live."""
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key), False),
    ]
    if kind == "ocsp":
        extensions += [
            (key_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), False),
            (x509.OCSPNoCheck(), False),
        ]
        return extensions
    extensions.append((signing_key_usage(), True))
    if kind == "tsl":
        extensions.append((x509.ExtendedKeyUsage([OID_TSL_SIGNING]), False))
    if kind == "qualified":
        extensions += [
            (x509.CertificatePolicies([x509.PolicyInformation(OID_QCP_N_QSCD, None)]), False),
            (x509.UnrecognizedExtension(OID_QC_STATEMENTS, qc_statements_der()), False),
        ]
    if base_url is not None and kind in ("sc", "qualified", "cbtd"):
        extensions.append(
            (
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            [x509.UniformResourceIdentifier(crl_url(base_url))], None, None, None
                        )
                    ]
                ),
                False,
            )
        )
    if base_url is not None and kind in ("sc", "qualified"):
        extensions.append(
            (
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(ocsp_url(base_url)),
                        ),
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(ca_issuers_url(base_url)),
                        ),
                    ]
                ),
                False,
            )
        )
    return extensions


def crl_url(base_url: str) -> str:
    return _folder(base_url) + "ca.crl"


def ocsp_url(base_url: str) -> str:
    return _folder(base_url) + "ocsp"


def ca_issuers_url(base_url: str) -> str:
    return _folder(base_url) + "ca.crt"


def _folder(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"
