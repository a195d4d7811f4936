"""Sample EMCS PL2 messages, valid against ``schemas/sxml/emcspl2/1.0``.

Every builder is deterministic for the same :class:`SampleParams` (``random.Random(params.seed)``) and
returns UTF-8 bytes with an XML declaration and one element per line.

* ``params.party`` is the consignor's excise number (IE815, IE810, IE813, IE801) or the consignee's
  (IE818), and the header's sender (inbound) or recipient (outbound). It must be a Polish excise
  number, ``PL`` and 11 characters of [0-9A-Z] (e.g. ``PL00000000001``). When it is not, a fitting
  number is derived from it deterministically by :func:`excise_number_for`: the letters and digits
  after a leading ``PL``, cut or right-padded with zeros to 11 (``PL1234567890000`` -> ``PL12345678900``).
* ``params.reference`` is the local reference number (IE815, and IE801 / IE704 as well); it must fit
  ``[A-Za-z0-9/-]{1,22}``. The ARC (IE818, IE810, IE813, IE801, IE704) is the reference itself when it
  is a valid ARC, otherwise it is derived from it by :func:`arc_for`.
* ``params.filler`` extra characters per goods item go into repeated free-text elements: extra
  ``Package`` groups whose ``ShippingMarks`` hold at most 999 characters (IE815, IE801; at most 99
  packages per item), or ``ComplementaryInformation`` elements of at most 350 characters, at most 99 per
  item (IE818, IE810, IE813, IE704). Beyond that capacity the filler is cut.
* ``params.items`` body records are written as asked, even above 999, so that tests can build messages
  the schema refuses. ``params.representative`` is ignored: EMCS has no representative.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import datetime

from lxml import etree

from gateway.samplegen.model import Builder, SampleParams

NS = "urn:customs-gateway:sxml:emcspl2:1"
CUSTOMS = "NDEA.PL"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

_MARKS_MAX = 999
_INFO_MAX = 350
_REPEAT_MAX = 99
# the filler is ASCII only, so that one filler character is one byte
_FILLER = (
    "Excise goods under duty suspension, seals intact, quantities as in the commercial documents; "
    "packages marked with the consignor reference and the number of the tax warehouse of dispatch. "
) * 12
_FILLER_TWICE = _FILLER * 2

_PL_EXCISE = re.compile(r"PL[0-9A-Z]{11}")
_ARC = re.compile(r"[0-9]{2}[A-Z]{2}[A-Z0-9]{16}[0-9]")

#: excise product code, CN code, alcoholic strength (None for non-alcoholic), description
_PRODUCTS = (
    ("E500", "27111297", None, "Gaz płynny LPG, propan-butan"),
    ("E430", "27101943", None, "Olej napędowy ON"),
    ("B000", "22030001", "5.20", "Piwo jasne pełne w butelkach 0,5 l"),
    ("W200", "22042109", "12.50", "Wino czerwone wytrawne"),
    ("S200", "22083011", "40.00", "Whisky szkocka single malt"),
    ("T200", "24022090", None, "Papierosy"),
    ("I000", "22043096", "15.00", "Wino wzmocnione"),
)
_PACKAGES = ("CT", "BO", "PK", "PX", "TY", "CS")
_COMPANIES = (
    ("KORLEN SP. Z O.O.", "ŻWIRKI I WIGURY", "2 A", "62-230", "WITKOWO"),
    ("SAGA-GAZ SP. Z O.O.", "BOHATERÓW WALK NAD BZURĄ", "4 A", "99-300", "KUTNO"),
    ("BROWAR ŚWIĘTOKRZYSKI S.A.", "KIELECKA", "17", "25-001", "KIELCE"),
    ("DESTYLARNIA POMORSKA SP. Z O.O.", "PORTOWA", "9", "81-350", "GDYNIA"),
    ("WINNICE ZIELONOGÓRSKIE SP. J.", "WINNA", "1", "65-001", "ZIELONA GÓRA"),
)
_OFFICES = ("PL362000", "PL391000", "PL301000", "PL451000")
_COUNTRIES = ("PL", "PL", "DE", "CZ", "SK", "LT")
_ERRORS = (
    ("4403", "Kod CN nie odpowiada kodowi wyrobu akcyzowego", "CnCode"),
    ("4413", "Ilość przekracza dopuszczalną dla składu podatkowego", "Quantity"),
    ("4501", "Masa netto większa od masy brutto", "NetMass"),
    ("4516", "Nieprawidłowy rodzaj opakowania", "Package/KindOfPackages"),
)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _alnum(value: str, length: int) -> str:
    """``value`` as exactly ``length`` characters of [A-Z0-9]: padded with zeros, or hashed when longer."""
    cleaned = re.sub(r"[^A-Z0-9]", "", value.upper())
    if len(cleaned) <= length:
        return cleaned.rjust(length, "0")
    return hashlib.sha256(cleaned.encode("ascii")).hexdigest().upper()[:length]


def excise_number_for(party: str) -> str:
    """``party`` when it is a Polish excise number, otherwise one derived from it (see the module doc)."""
    if _PL_EXCISE.fullmatch(party):
        return party
    cleaned = re.sub(r"[^A-Z0-9]", "", party.upper())
    cleaned = cleaned.removeprefix("PL")
    return "PL" + cleaned[:11].ljust(11, "0")


def arc_for(params: SampleParams) -> str:
    """``params.reference`` when it is a valid ARC, otherwise an ARC derived from it and the year."""
    if _ARC.fullmatch(params.reference):
        return params.reference
    body = f"{params.prepared_at.year % 100:02d}PL{_alnum(params.reference, 16)}"
    return body + str(sum((index + 1) * ord(char) for index, char in enumerate(body)) % 10)


def _filler_chunks(total: int, offset: int, size_max: int, capacity: int) -> list[str]:
    total = min(total, capacity * size_max)
    chunks: list[str] = []
    start = offset % len(_FILLER)
    while total > 0:
        size = min(total, size_max)
        chunks.append(_FILLER_TWICE[start : start + size])
        start = (start + size) % len(_FILLER)
        total -= size
    return chunks


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _decimal(thousandths: int, digits: int) -> str:
    whole, fraction = divmod(thousandths, 1000)
    return f"{whole}.{fraction:03d}"[: len(str(whole)) + 1 + digits]


def _start(message_type: str, params: SampleParams, inbound: bool) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{message_type}", nsmap={"emcs": NS})
    party = excise_number_for(params.party)
    header = _sub(root, "Header")
    _sub(header, "MessageSender", party if inbound else CUSTOMS)
    _sub(header, "MessageRecipient", CUSTOMS if inbound else party)
    _sub(header, "DateOfPreparation", params.prepared_at.date().isoformat())
    _sub(header, "TimeOfPreparation", params.prepared_at.strftime("%H:%M:%S"))
    _sub(header, "MessageIdentifier", params.message_id)
    return root


def _serialize(root: etree._Element) -> bytes:
    # lxml writes its declaration with single quotes; ours is the conventional double-quoted one.
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _trader(
    parent: etree._Element, tag: str, id_tag: str | None, trader_id: str | None, rng: random.Random
) -> None:
    name, street, number, postcode, city = rng.choice(_COMPANIES)
    trader = _sub(parent, tag)
    trader.set("language", "pl")
    if id_tag is not None and trader_id is not None:
        _sub(trader, id_tag, trader_id)
    _sub(trader, "TraderName", name)
    _sub(trader, "StreetName", street)
    _sub(trader, "StreetNumber", number)
    _sub(trader, "Postcode", postcode)
    _sub(trader, "City", city)


def _other_excise_number(rng: random.Random) -> str:
    return f"{rng.choice(_COUNTRIES)}{rng.randint(0, 10**11 - 1):011d}"


def _office(parent: etree._Element, tag: str, rng: random.Random) -> None:
    _sub(_sub(parent, tag), "ReferenceNumber", rng.choice(_OFFICES))


def _excise_movement(root: etree._Element, params: SampleParams) -> None:
    movement = _sub(root, "ExciseMovement")
    _sub(movement, "AadReferenceCode", arc_for(params))
    _sub(movement, "SequenceNumber", "1")


def _ead(parent: etree._Element, tag: str, params: SampleParams, rng: random.Random) -> None:
    ead = _sub(parent, tag)
    _sub(ead, "LocalReferenceNumber", params.reference)
    _sub(ead, "InvoiceNumber", f"FV/{params.prepared_at.year}/{rng.randint(1, 99999):05d}")
    _sub(ead, "InvoiceDate", params.prepared_at.date().isoformat())
    _sub(ead, "OriginTypeCode", "1")
    _sub(ead, "DateOfDispatch", params.prepared_at.date().isoformat())
    _sub(ead, "TimeOfDispatch", params.prepared_at.strftime("%H:%M:%S"))


def _transport_details(root: etree._Element, rng: random.Random) -> None:
    details = _sub(root, "TransportDetails")
    _sub(details, "TransportUnitCode", "3")
    _sub(details, "IdentityOfTransportUnits", f"WX {rng.randint(10000, 99999)}")


def _body_ead_esad(root: etree._Element, params: SampleParams, rng: random.Random) -> None:
    for index in range(1, params.items + 1):
        code, cn_code, strength, description = rng.choice(_PRODUCTS)
        net = rng.randint(1_000, 20_000_000)
        gross = net + net // rng.randint(5, 20)
        body = _sub(root, "BodyEadEsad")
        _sub(body, "BodyRecordUniqueReference", str(index))
        _sub(body, "ExciseProductCode", code)
        _sub(body, "CnCode", cn_code)
        _sub(body, "Quantity", _decimal(rng.randint(1_000, 50_000_000), 3))
        _sub(body, "GrossMass", _decimal(gross, 2))
        _sub(body, "NetMass", _decimal(net, 2))
        if strength is not None:
            _sub(body, "AlcoholicStrengthByVolumeInPercentage", strength)
        _sub(body, "CommercialDescription", f"{description}, pozycja {index}")
        base = rng.randint(1, 2)
        for sequence in range(1, base + 1):
            package = _sub(body, "Package")
            _sub(package, "KindOfPackages", rng.choice(_PACKAGES))
            _sub(package, "NumberOfPackages", str(rng.randint(1, 500)))
            _sub(package, "ShippingMarks", f"{params.reference}/{index}/{sequence}")
        for chunk in _filler_chunks(params.filler, index * 89, _MARKS_MAX, _REPEAT_MAX - base):
            package = _sub(body, "Package")
            _sub(package, "KindOfPackages", "CT")
            _sub(package, "NumberOfPackages", "1")
            _sub(package, "ShippingMarks", chunk)


def _complementary(parent: etree._Element, params: SampleParams, index: int, base: str | None) -> None:
    if base is not None:
        _sub(parent, "ComplementaryInformation", base)
    capacity = _REPEAT_MAX - (base is not None)
    for chunk in _filler_chunks(params.filler, index * 89, _INFO_MAX, capacity):
        _sub(parent, "ComplementaryInformation", chunk)


def _body_records(root: etree._Element, tag: str, params: SampleParams, rng: random.Random) -> None:
    for index in range(1, params.items + 1):
        code, cn_code, _, description = rng.choice(_PRODUCTS)
        record = _sub(root, tag)
        _sub(record, "BodyRecordUniqueReference", str(index))
        _sub(record, "ExciseProductCode", code)
        _sub(record, "CnCode", cn_code)
        _sub(record, "Quantity", _decimal(rng.randint(1_000, 50_000_000), 3))
        _complementary(record, params, index, f"{description}, pozycja {index}")


def _movement_header(root: etree._Element, rng: random.Random) -> None:
    _sub(_sub(root, "TransportMode"), "TransportModeCode", "3")
    _sub(_sub(root, "MovementGuarantee"), "GuarantorTypeCode", rng.choice(("1", "2", "12")))


def build_ie815(params: SampleParams) -> bytes:
    """IE815, submitted draft of an e-AD (inbound)."""
    rng = random.Random(params.seed)
    root = _start("IE815", params, inbound=True)
    consignor = excise_number_for(params.party)
    consignee = _other_excise_number(rng)
    _trader(root, "ConsigneeTrader", "Traderid", consignee, rng)
    _trader(root, "ConsignorTrader", "TraderExciseNumber", consignor, rng)
    _trader(root, "PlaceOfDispatchTrader", "ReferenceOfTaxWarehouse", consignor, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", consignee, rng)
    _office(root, "CompetentAuthorityDispatchOffice", rng)
    header = _sub(root, "HeaderEadEsad")
    _sub(header, "DestinationTypeCode", "1")
    _sub(header, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    _sub(header, "TransportArrangement", "1")
    _movement_header(root, rng)
    _ead(root, "EadDraft", params, rng)
    _body_ead_esad(root, params, rng)
    _transport_details(root, rng)
    return _serialize(root)


def build_ie818(params: SampleParams) -> bytes:
    """IE818, report of receipt (inbound; the consignee is ``params.party``)."""
    rng = random.Random(params.seed)
    root = _start("IE818", params, inbound=True)
    consignee = excise_number_for(params.party)
    _excise_movement(root, params)
    _trader(root, "ConsigneeTrader", "Traderid", consignee, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", consignee, rng)
    _office(root, "DestinationOffice", rng)
    report = _sub(root, "ReportOfReceipt")
    _sub(report, "DateOfArrivalOfExciseProducts", params.prepared_at.date().isoformat())
    _sub(report, "GlobalConclusionOfReceipt", "2" if params.items else "1")
    _sub(report, "ComplementaryInformation", "Stwierdzono braki w części pozycji.")
    for index in range(1, params.items + 1):
        code, _, _, description = rng.choice(_PRODUCTS)
        record = _sub(root, "BodyReportOfReceipt")
        _sub(record, "BodyRecordUniqueReference", str(index))
        _sub(record, "IndicatorOfShortageOrExcess", rng.choice("SE"))
        _sub(record, "ObservedShortageOrExcess", _decimal(rng.randint(1, 500_000), 3))
        _sub(record, "ExciseProductCode", code)
        _complementary(record, params, index, f"{description}: różnica stwierdzona przy rozładunku")
    return _serialize(root)


def build_ie810(params: SampleParams) -> bytes:
    """IE810, cancellation of an e-AD (inbound)."""
    rng = random.Random(params.seed)
    root = _start("IE810", params, inbound=True)
    _excise_movement(root, params)
    _trader(root, "ConsignorTrader", "TraderExciseNumber", excise_number_for(params.party), rng)
    cancellation = _sub(root, "Cancellation")
    _sub(cancellation, "CancellationReasonCode", rng.choice("1234"))
    _sub(cancellation, "ComplementaryInformation", "Transakcja handlowa anulowana przed wysyłką.")
    _body_records(root, "CancelledBodyRecord", params, rng)
    return _serialize(root)


def build_ie813(params: SampleParams) -> bytes:
    """IE813, change of destination (inbound)."""
    rng = random.Random(params.seed)
    root = _start("IE813", params, inbound=True)
    _excise_movement(root, params)
    _trader(root, "ConsignorTrader", "TraderExciseNumber", excise_number_for(params.party), rng)
    update = _sub(root, "UpdateEadEsad")
    _sub(update, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    _sub(update, "TransportModeCode", "3")
    changed = _sub(root, "DestinationChanged")
    _sub(changed, "DestinationTypeCode", "1")
    _sub(changed, "ComplementaryInformation", "Zmiana odbiorcy na wniosek nabywcy.")
    new_consignee = _other_excise_number(rng)
    _trader(root, "NewConsigneeTrader", "Traderid", new_consignee, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", new_consignee, rng)
    _transport_details(root, rng)
    _body_records(root, "ChangedBodyRecord", params, rng)
    return _serialize(root)


def build_ie801(params: SampleParams) -> bytes:
    """IE801, the validated e-AD (outbound; to the consignor ``params.party``)."""
    rng = random.Random(params.seed)
    root = _start("IE801", params, inbound=False)
    consignor = excise_number_for(params.party)
    consignee = _other_excise_number(rng)
    _trader(root, "ConsigneeTrader", "Traderid", consignee, rng)
    movement = _sub(root, "ExciseMovement")
    _sub(movement, "AadReferenceCode", arc_for(params))
    _sub(movement, "DateAndTimeOfValidationOfEad", _timestamp(params.prepared_at))
    _trader(root, "ConsignorTrader", "TraderExciseNumber", consignor, rng)
    _trader(root, "PlaceOfDispatchTrader", "ReferenceOfTaxWarehouse", consignor, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", consignee, rng)
    _office(root, "CompetentAuthorityDispatchOffice", rng)
    _ead(root, "Ead", params, rng)
    header = _sub(root, "HeaderEadEsad")
    _sub(header, "SequenceNumber", "1")
    _sub(header, "DateAndTimeOfUpdateValidation", _timestamp(params.prepared_at))
    _sub(header, "DestinationTypeCode", "1")
    _sub(header, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    _sub(header, "TransportArrangement", "1")
    _movement_header(root, rng)
    _body_ead_esad(root, params, rng)
    _transport_details(root, rng)
    return _serialize(root)


def build_ie704(params: SampleParams) -> bytes:
    """IE704, generic refusal with one functional error per item (outbound)."""
    rng = random.Random(params.seed)
    root = _start("IE704", params, inbound=False)
    attributes = _sub(root, "Attributes")
    _sub(attributes, "AadReferenceCode", arc_for(params))
    _sub(attributes, "SequenceNumber", "1")
    _sub(attributes, "LocalReferenceNumber", params.reference)
    for index in range(1, params.items + 1):
        code, reason, location = rng.choice(_ERRORS)
        error = _sub(root, "FunctionalError")
        _sub(error, "ErrorType", code)
        _sub(error, "ErrorReason", reason)
        _sub(error, "ErrorLocation", f"/IE815/BodyEadEsad[{index}]/{location}")
        _sub(error, "OriginalAttributeValue", str(rng.randint(1, 99999999)))
        _complementary(error, params, index, None)
    return _serialize(root)


BUILDERS: dict[str, Builder] = {
    "IE815": build_ie815,
    "IE818": build_ie818,
    "IE810": build_ie810,
    "IE813": build_ie813,
    "IE801": build_ie801,
    "IE704": build_ie704,
}
