"""Who signed: the person (PESEL, NIP or ID SISC) behind a verified signature, per kind.

- sc, qualified: the subject serialNumber (ETSI EN 319 412-1 ``PNOPL-``/``TINPL-``, and the older
  ``PESEL:``/``NIP:`` forms); for sc the registry later maps the certificate itself to a person.
- epuap: the seal belongs to the ePUAP system; the person is in the ``PodpisZP`` (or the newer
  ``EPSignature``) carried in the verified ``SignerRole/ClaimedRoles``, nowhere else.
- cbtd: ``NIP:<nip>`` in the subject serialNumber.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from gateway.core.errors import ErrorDetail, SignatureProfile
from gateway.core.signature.model import SignerKind
from gateway.core.signature.profile import NS

_SERIAL_FORMS = (
    (re.compile(r"^PNO(?:PL)?[-:]?(\d{11})$"), "PESEL"),
    (re.compile(r"^PESEL[-: ]*(\d{11})$"), "PESEL"),
    (re.compile(r"^TIN(?:PL)?[-:]?(\d{10})$"), "NIP"),
    (re.compile(r"^NIP[-: ]*(\d{10})$"), "NIP"),
    (re.compile(r"^(\d{11})$"), "PESEL"),
)
_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


@dataclass(frozen=True, slots=True)
class Person:
    identifier: str  # PESEL or NIP
    scheme: str  # "PESEL" | "NIP" | "CN"
    first_name: str | None = None
    surname: str | None = None
    epuap_account: str | None = None


def pesel_is_valid(pesel: str) -> bool:
    if not re.fullmatch(r"\d{11}", pesel):
        return False
    total = sum(int(d) * w for d, w in zip(pesel[:10], _PESEL_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(pesel[10])


def person_of(kind: SignerKind, certificate: x509.Certificate, signed_properties: etree._Element) -> Person:
    if kind is SignerKind.EPUAP:
        return trusted_profile_person(signed_properties)
    serial = _subject(certificate, NameOID.SERIAL_NUMBER)
    if serial:
        compact = serial.strip().upper().replace(" ", "")
        for pattern, scheme in _SERIAL_FORMS:
            if found := pattern.match(compact):
                return Person(found.group(1), scheme)
    return Person(_subject(certificate, NameOID.COMMON_NAME) or certificate.subject.rfc4514_string(), "CN")


def trusted_profile_person(signed_properties: etree._Element) -> Person:
    """From PodpisZP / EPSignature inside the *verified* ClaimedRoles; a copy anywhere else is ignored."""
    roles = signed_properties.findall("xades:SignerRole/xades:ClaimedRoles/xades:ClaimedRole", NS)
    for role in roles:
        values = {
            etree.QName(el).localname: (el.text or "").strip()
            for el in role.iter()
            if isinstance(el.tag, str)
        }
        pesel = values.get("PESEL") or values.get("Pesel")
        if not pesel:
            continue
        if not pesel_is_valid(pesel):
            message = f"the trusted profile names PESEL {pesel}, which fails its checksum"
            raise SignatureProfile(message, [ErrorDetail(SignatureProfile.code, message)])
        return Person(
            identifier=pesel,
            scheme="PESEL",
            first_name=values.get("Imie") or values.get("FirstName"),
            surname=values.get("Nazwisko") or values.get("LastName"),
            epuap_account=values.get("IdKontaUzytkownikaEpuap") or values.get("AccountId"),
        )
    message = "an ePUAP trusted-profile signature must carry PodpisZP in its signed ClaimedRoles"
    raise SignatureProfile(message, [ErrorDetail(SignatureProfile.code, message)])


def _subject(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    attributes = certificate.subject.get_attributes_for_oid(oid)
    value = attributes[0].value if attributes else None
    return value if isinstance(value, str) else None
