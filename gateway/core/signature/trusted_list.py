"""ETSI TS 119 612 trusted lists: build and sign one for the demo qualified CA, and read one back."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.core.xmldsig.glue import WholeDocumentSigner, secure_parser, xml_datetime
from gateway.core.xmldsig.keys import PrivateKey

TSL_NS = "http://uri.etsi.org/02231/v2#"
TSL_TAG = "http://uri.etsi.org/19612/TSLTag"
TSL_TYPE_EU_GENERIC = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"
SERVICE_TYPE_CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
STATUS_GRANTED = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
STATUS_WITHDRAWN = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
STATUS_DETERMINATION_EU = "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate"


class TrustedListError(ValueError):
    """The trusted list is unsigned, wrongly signed, or not a trusted list."""


@dataclass(frozen=True)
class TrustService:
    """One ``TSPService``: a CA certificate with its service type and status."""

    certificate: x509.Certificate
    name: str
    service_type: str = SERVICE_TYPE_CA_QC
    status: str = STATUS_GRANTED
    status_starting_time: datetime | None = None


@dataclass(frozen=True)
class TrustServiceProvider:
    name: str
    services: tuple[TrustService, ...] = field(default_factory=tuple)


def build_trusted_list(
    providers: Sequence[TrustServiceProvider],
    *,
    signer_key: PrivateKey,
    signer_cert: x509.Certificate,
    issue_time: datetime,
    next_update: datetime,
    sequence_number: int = 1,
    territory: str = "PL",
    operator_name: str = "Demo Scheme Operator (TEST)",
) -> bytes:
    """A trusted list (TSLVersionIdentifier 5), enveloped-signed by ``signer_cert`` (RSA or ECDSA with
    SHA-256, ``Reference URI=""``, enveloped-signature + exclusive c14n). Returns UTF-8 XML bytes."""
    root = etree.Element(_tsl("TrustServiceStatusList"), nsmap={"tsl": TSL_NS}, TSLTag=TSL_TAG)
    scheme = etree.SubElement(root, _tsl("SchemeInformation"))
    _text(scheme, "TSLVersionIdentifier", "5")
    _text(scheme, "TSLSequenceNumber", str(sequence_number))
    _text(scheme, "TSLType", TSL_TYPE_EU_GENERIC)
    _names(etree.SubElement(scheme, _tsl("SchemeOperatorName")), operator_name)
    _names(etree.SubElement(scheme, _tsl("SchemeName")), f"{territory}: demo trusted list (TEST)")
    _text(scheme, "StatusDeterminationApproach", STATUS_DETERMINATION_EU)
    _text(scheme, "SchemeTerritory", territory)
    _text(scheme, "HistoricalInformationPeriod", "65535")
    _text(scheme, "ListIssueDateTime", xml_datetime(issue_time))
    _text(etree.SubElement(scheme, _tsl("NextUpdate")), "dateTime", xml_datetime(next_update))

    provider_list = etree.SubElement(root, _tsl("TrustServiceProviderList"))
    for provider in providers:
        tsp = etree.SubElement(provider_list, _tsl("TrustServiceProvider"))
        _names(
            etree.SubElement(etree.SubElement(tsp, _tsl("TSPInformation")), _tsl("TSPName")), provider.name
        )
        services = etree.SubElement(tsp, _tsl("TSPServices"))
        for service in provider.services:
            info = etree.SubElement(
                etree.SubElement(services, _tsl("TSPService")), _tsl("ServiceInformation")
            )
            _text(info, "ServiceTypeIdentifier", service.service_type)
            _names(etree.SubElement(info, _tsl("ServiceName")), service.name)
            digital_id = etree.SubElement(
                etree.SubElement(info, _tsl("ServiceDigitalIdentity")), _tsl("DigitalId")
            )
            der = service.certificate.public_bytes(serialization.Encoding.DER)
            _text(digital_id, "X509Certificate", base64.b64encode(der).decode())
            _text(info, "ServiceStatus", service.status)
            starting = service.status_starting_time or service.certificate.not_valid_before_utc
            _text(info, "StatusStartingTime", xml_datetime(starting))

    signed = WholeDocumentSigner(signer_key).sign(root, key=signer_key, cert=[signer_cert])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def read_trusted_list(
    xml_bytes: bytes, tsl_signer_cert: x509.Certificate, *, at: datetime | None = None
) -> list[x509.Certificate]:
    """Verifies the list's enveloped signature against the pinned ``tsl_signer_cert`` (valid at ``at``,
    default now) and returns the certificates of the services of type CA/QC whose status is granted.
    Anything unsigned, signed by another key, altered after signing or not a trusted list raises
    :class:`TrustedListError`."""
    config = SignatureConfiguration(location="./", expect_references=1, verification_time=at)
    try:
        result = XMLVerifier().verify(
            xml_bytes, x509_cert=tsl_signer_cert, parser=secure_parser(), expect_config=config
        )
    except (SignXMLException, etree.XMLSyntaxError) as exc:
        raise TrustedListError(f"trusted list signature not valid: {exc}") from exc
    if isinstance(result, list) or result.signed_xml is None:
        raise TrustedListError("trusted list signature must cover the whole list")
    reference = result.signature_xml.find(
        "ds:SignedInfo/ds:Reference", {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    )
    if reference is None or reference.get("URI") != "":
        raise TrustedListError('trusted list signature must reference the whole document (URI="")')
    root = result.signed_xml
    if root.tag != _tsl("TrustServiceStatusList"):
        raise TrustedListError(f"not a trusted list: root element {root.tag}")
    certificates: list[x509.Certificate] = []
    for info in root.iterfind(
        "tsl:TrustServiceProviderList/tsl:TrustServiceProvider/tsl:TSPServices/tsl:TSPService/tsl:ServiceInformation",
        {"tsl": TSL_NS},
    ):
        if info.findtext(_tsl("ServiceTypeIdentifier"), "").strip() != SERVICE_TYPE_CA_QC:
            continue
        if info.findtext(_tsl("ServiceStatus"), "").strip() != STATUS_GRANTED:
            continue
        for encoded in info.iterfind(
            "tsl:ServiceDigitalIdentity/tsl:DigitalId/tsl:X509Certificate", {"tsl": TSL_NS}
        ):
            try:
                certificates.append(x509.load_der_x509_certificate(base64.b64decode(encoded.text or "")))
            except ValueError as exc:
                raise TrustedListError(f"unreadable service certificate: {exc}") from exc
    return certificates


def _text(parent: etree._Element, name: str, value: str) -> etree._Element:
    element = etree.SubElement(parent, _tsl(name))
    element.text = value
    return element


def _names(parent: etree._Element, value: str) -> None:
    name = _text(parent, "Name", value)
    name.set("{http://www.w3.org/XML/1998/namespace}lang", "pl")


def _tsl(name: str) -> str:
    return f"{{{TSL_NS}}}{name}"
