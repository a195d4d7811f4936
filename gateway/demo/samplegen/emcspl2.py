"""Sample EMCS PL2 messages, valid against ``gateway/schemas/sxml/emcspl2/1.0``.

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

import random
import re

from lxml import etree

from gateway.demo.samplegen.model import Builder, SampleParams
from gateway.demo.samplegen.xmlbuild import alnum, filler_chunks, serialize, sub, timestamp

NS = "urn:customs-gateway:sxml:emcspl2:1"
CUSTOMS = "NDEA.PL"

_MARKS_MAX = 999
_INFO_MAX = 350
_REPEAT_MAX = 99
# the filler is ASCII only, so that one filler character is one byte
_FILLER = (
    "Excise goods under duty suspension, seals intact, quantities as in the commercial documents; "
    "packages marked with the consignor reference and the number of the tax warehouse of dispatch. "
) * 12

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
    body = f"{params.prepared_at.year % 100:02d}PL{alnum(params.reference, 16)}"
    return body + str(sum((index + 1) * ord(char) for index, char in enumerate(body)) % 10)


def _decimal(thousandths: int, digits: int) -> str:
    whole, fraction = divmod(thousandths, 1000)
    return f"{whole}.{fraction:03d}"[: len(str(whole)) + 1 + digits]


def _start(message_type: str, params: SampleParams, inbound: bool) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{message_type}", nsmap={"emcs": NS})
    party = excise_number_for(params.party)
    header = sub(root, "Header")
    sub(header, "MessageSender", party if inbound else CUSTOMS)
    sub(header, "MessageRecipient", CUSTOMS if inbound else party)
    sub(header, "DateOfPreparation", params.prepared_at.date().isoformat())
    sub(header, "TimeOfPreparation", params.prepared_at.strftime("%H:%M:%S"))
    sub(header, "MessageIdentifier", params.message_id)
    return root


def _trader(
    parent: etree._Element, tag: str, id_tag: str | None, trader_id: str | None, rng: random.Random
) -> None:
    name, street, number, postcode, city = rng.choice(_COMPANIES)
    trader = sub(parent, tag)
    trader.set("language", "pl")
    if id_tag is not None and trader_id is not None:
        sub(trader, id_tag, trader_id)
    sub(trader, "TraderName", name)
    sub(trader, "StreetName", street)
    sub(trader, "StreetNumber", number)
    sub(trader, "Postcode", postcode)
    sub(trader, "City", city)


def _other_excise_number(rng: random.Random) -> str:
    return f"{rng.choice(_COUNTRIES)}{rng.randint(0, 10**11 - 1):011d}"


def _office(parent: etree._Element, tag: str, rng: random.Random) -> None:
    sub(sub(parent, tag), "ReferenceNumber", rng.choice(_OFFICES))


def _excise_movement(root: etree._Element, params: SampleParams) -> None:
    movement = sub(root, "ExciseMovement")
    sub(movement, "AadReferenceCode", arc_for(params))
    sub(movement, "SequenceNumber", "1")


def _ead(parent: etree._Element, tag: str, params: SampleParams, rng: random.Random) -> None:
    ead = sub(parent, tag)
    sub(ead, "LocalReferenceNumber", params.reference)
    sub(ead, "InvoiceNumber", f"FV/{params.prepared_at.year}/{rng.randint(1, 99999):05d}")
    sub(ead, "InvoiceDate", params.prepared_at.date().isoformat())
    sub(ead, "OriginTypeCode", "1")
    sub(ead, "DateOfDispatch", params.prepared_at.date().isoformat())
    sub(ead, "TimeOfDispatch", params.prepared_at.strftime("%H:%M:%S"))


def _transport_details(root: etree._Element, rng: random.Random) -> None:
    details = sub(root, "TransportDetails")
    sub(details, "TransportUnitCode", "3")
    sub(details, "IdentityOfTransportUnits", f"WX {rng.randint(10000, 99999)}")


def _body_ead_esad(root: etree._Element, params: SampleParams, rng: random.Random) -> None:
    for index in range(1, params.items + 1):
        code, cn_code, strength, description = rng.choice(_PRODUCTS)
        net = rng.randint(1_000, 20_000_000)
        gross = net + net // rng.randint(5, 20)
        body = sub(root, "BodyEadEsad")
        sub(body, "BodyRecordUniqueReference", str(index))
        sub(body, "ExciseProductCode", code)
        sub(body, "CnCode", cn_code)
        sub(body, "Quantity", _decimal(rng.randint(1_000, 50_000_000), 3))
        sub(body, "GrossMass", _decimal(gross, 2))
        sub(body, "NetMass", _decimal(net, 2))
        if strength is not None:
            sub(body, "AlcoholicStrengthByVolumeInPercentage", strength)
        sub(body, "CommercialDescription", f"{description}, pozycja {index}")
        base = rng.randint(1, 2)
        for sequence in range(1, base + 1):
            package = sub(body, "Package")
            sub(package, "KindOfPackages", rng.choice(_PACKAGES))
            sub(package, "NumberOfPackages", str(rng.randint(1, 500)))
            sub(package, "ShippingMarks", f"{params.reference}/{index}/{sequence}")
        for chunk in filler_chunks(_FILLER, params.filler, index * 89, _MARKS_MAX, _REPEAT_MAX - base):
            package = sub(body, "Package")
            sub(package, "KindOfPackages", "CT")
            sub(package, "NumberOfPackages", "1")
            sub(package, "ShippingMarks", chunk)


def _complementary(parent: etree._Element, params: SampleParams, index: int, base: str | None) -> None:
    if base is not None:
        sub(parent, "ComplementaryInformation", base)
    capacity = _REPEAT_MAX - (base is not None)
    for chunk in filler_chunks(_FILLER, params.filler, index * 89, _INFO_MAX, capacity):
        sub(parent, "ComplementaryInformation", chunk)


def _body_records(root: etree._Element, tag: str, params: SampleParams, rng: random.Random) -> None:
    for index in range(1, params.items + 1):
        code, cn_code, _, description = rng.choice(_PRODUCTS)
        record = sub(root, tag)
        sub(record, "BodyRecordUniqueReference", str(index))
        sub(record, "ExciseProductCode", code)
        sub(record, "CnCode", cn_code)
        sub(record, "Quantity", _decimal(rng.randint(1_000, 50_000_000), 3))
        _complementary(record, params, index, f"{description}, pozycja {index}")


def _movement_header(root: etree._Element, rng: random.Random) -> None:
    sub(sub(root, "TransportMode"), "TransportModeCode", "3")
    sub(sub(root, "MovementGuarantee"), "GuarantorTypeCode", rng.choice(("1", "2", "12")))


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
    header = sub(root, "HeaderEadEsad")
    sub(header, "DestinationTypeCode", "1")
    sub(header, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    sub(header, "TransportArrangement", "1")
    _movement_header(root, rng)
    _ead(root, "EadDraft", params, rng)
    _body_ead_esad(root, params, rng)
    _transport_details(root, rng)
    return serialize(root)


def build_ie818(params: SampleParams) -> bytes:
    """IE818, report of receipt (inbound; the consignee is ``params.party``)."""
    rng = random.Random(params.seed)
    root = _start("IE818", params, inbound=True)
    consignee = excise_number_for(params.party)
    _excise_movement(root, params)
    _trader(root, "ConsigneeTrader", "Traderid", consignee, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", consignee, rng)
    _office(root, "DestinationOffice", rng)
    report = sub(root, "ReportOfReceipt")
    sub(report, "DateOfArrivalOfExciseProducts", params.prepared_at.date().isoformat())
    sub(report, "GlobalConclusionOfReceipt", "2" if params.items else "1")
    sub(report, "ComplementaryInformation", "Stwierdzono braki w części pozycji.")
    for index in range(1, params.items + 1):
        code, _, _, description = rng.choice(_PRODUCTS)
        record = sub(root, "BodyReportOfReceipt")
        sub(record, "BodyRecordUniqueReference", str(index))
        sub(record, "IndicatorOfShortageOrExcess", rng.choice("SE"))
        sub(record, "ObservedShortageOrExcess", _decimal(rng.randint(1, 500_000), 3))
        sub(record, "ExciseProductCode", code)
        _complementary(record, params, index, f"{description}: różnica stwierdzona przy rozładunku")
    return serialize(root)


def build_ie810(params: SampleParams) -> bytes:
    """IE810, cancellation of an e-AD (inbound)."""
    rng = random.Random(params.seed)
    root = _start("IE810", params, inbound=True)
    _excise_movement(root, params)
    _trader(root, "ConsignorTrader", "TraderExciseNumber", excise_number_for(params.party), rng)
    cancellation = sub(root, "Cancellation")
    sub(cancellation, "CancellationReasonCode", rng.choice("1234"))
    sub(cancellation, "ComplementaryInformation", "Transakcja handlowa anulowana przed wysyłką.")
    _body_records(root, "CancelledBodyRecord", params, rng)
    return serialize(root)


def build_ie813(params: SampleParams) -> bytes:
    """IE813, change of destination (inbound)."""
    rng = random.Random(params.seed)
    root = _start("IE813", params, inbound=True)
    _excise_movement(root, params)
    _trader(root, "ConsignorTrader", "TraderExciseNumber", excise_number_for(params.party), rng)
    update = sub(root, "UpdateEadEsad")
    sub(update, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    sub(update, "TransportModeCode", "3")
    changed = sub(root, "DestinationChanged")
    sub(changed, "DestinationTypeCode", "1")
    sub(changed, "ComplementaryInformation", "Zmiana odbiorcy na wniosek nabywcy.")
    new_consignee = _other_excise_number(rng)
    _trader(root, "NewConsigneeTrader", "Traderid", new_consignee, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", new_consignee, rng)
    _transport_details(root, rng)
    _body_records(root, "ChangedBodyRecord", params, rng)
    return serialize(root)


def build_ie801(params: SampleParams) -> bytes:
    """IE801, the validated e-AD (outbound; to the consignor ``params.party``)."""
    rng = random.Random(params.seed)
    root = _start("IE801", params, inbound=False)
    consignor = excise_number_for(params.party)
    consignee = _other_excise_number(rng)
    _trader(root, "ConsigneeTrader", "Traderid", consignee, rng)
    movement = sub(root, "ExciseMovement")
    sub(movement, "AadReferenceCode", arc_for(params))
    sub(movement, "DateAndTimeOfValidationOfEad", timestamp(params.prepared_at))
    _trader(root, "ConsignorTrader", "TraderExciseNumber", consignor, rng)
    _trader(root, "PlaceOfDispatchTrader", "ReferenceOfTaxWarehouse", consignor, rng)
    _trader(root, "DeliveryPlaceTrader", "Traderid", consignee, rng)
    _office(root, "CompetentAuthorityDispatchOffice", rng)
    _ead(root, "Ead", params, rng)
    header = sub(root, "HeaderEadEsad")
    sub(header, "SequenceNumber", "1")
    sub(header, "DateAndTimeOfUpdateValidation", timestamp(params.prepared_at))
    sub(header, "DestinationTypeCode", "1")
    sub(header, "JourneyTime", f"D{rng.randint(1, 10):02d}")
    sub(header, "TransportArrangement", "1")
    _movement_header(root, rng)
    _body_ead_esad(root, params, rng)
    _transport_details(root, rng)
    return serialize(root)


def build_ie704(params: SampleParams) -> bytes:
    """IE704, generic refusal with one functional error per item (outbound)."""
    rng = random.Random(params.seed)
    root = _start("IE704", params, inbound=False)
    attributes = sub(root, "Attributes")
    sub(attributes, "AadReferenceCode", arc_for(params))
    sub(attributes, "SequenceNumber", "1")
    sub(attributes, "LocalReferenceNumber", params.reference)
    for index in range(1, params.items + 1):
        code, reason, location = rng.choice(_ERRORS)
        error = sub(root, "FunctionalError")
        sub(error, "ErrorType", code)
        sub(error, "ErrorReason", reason)
        sub(error, "ErrorLocation", f"/IE815/BodyEadEsad[{index}]/{location}")
        sub(error, "OriginalAttributeValue", str(rng.randint(1, 99999999)))
        _complementary(error, params, index, None)
    return serialize(root)


BUILDERS: dict[str, Builder] = {
    "IE815": build_ie815,
    "IE818": build_ie818,
    "IE810": build_ie810,
    "IE813": build_ie813,
    "IE801": build_ie801,
    "IE704": build_ie704,
}
