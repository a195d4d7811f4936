"""The demo/test PKI: SC CA, qualified CA with its ETSI trusted list, ePUAP seal, CBTD CA.

TEST KEYS — demo PKI only, never production.
"""

from gateway.core.signature.trusted_list import TrustedListError, build_trusted_list, read_trusted_list
from gateway.core.xmldsig.signing import podpis_zp, sign_xades
from gateway.demo.pki.authority import CertificateAuthority
from gateway.demo.pki.profiles import (
    AUTHORITY_KINDS,
    SIGNER_KINDS,
    AuthorityKind,
    CertificateKind,
)
from gateway.demo.pki.records import CertificateRecord, IssuedCertificate
from gateway.demo.pki.store import PkiDirectory

__all__ = [
    "AUTHORITY_KINDS",
    "SIGNER_KINDS",
    "AuthorityKind",
    "CertificateAuthority",
    "CertificateKind",
    "CertificateRecord",
    "IssuedCertificate",
    "PkiDirectory",
    "TrustedListError",
    "build_trusted_list",
    "podpis_zp",
    "read_trusted_list",
    "sign_xades",
]
