"""Sample NCTS2 (transit) messages, valid against ``gateway/schemas/sxml/ncts2/1.0`` (and ``0.9``
for the old CC015C).

Every builder is deterministic for the same :class:`SampleParams` (``random.Random(params.seed)``) and
returns UTF-8 bytes with an XML declaration and one element per line.

* ``params.reference`` is the LRN (``.{1,22}``). Messages that carry an MRN (CC013C, CC014C, CC007C,
  CC044C and the outbound ones) get one derived from it by :func:`mrn_for`; CC007C and CC044C carry the
  MRN only.
* ``params.party`` is the EORI of the holder of the transit procedure (CC015C, CC013C, CC014C, CC170C and
  the outbound messages) or of the trader at destination (CC007C, CC044C).
* ``params.representative`` is the EORI of the ``Representative`` (a group only when not None); CC007C
  and CC044C have no representative and ignore it.
* ``params.items`` goods items are written as asked, even above 999, so that tests can build messages
  the schema refuses. In CC056C every goods item becomes a functional error pointing at it.
* ``params.filler`` extra characters per goods item first lengthen the item's ``descriptionOfGoods`` up
  to its 512 characters, then go into ``AdditionalInformation/text`` elements of at most 512
  characters each (at most 99 per item, so about 50 KB of filler per item at most; beyond that the
  filler is cut). The filler is ASCII, one character a byte.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from lxml import etree

from gateway.demo.samplegen.model import Builder, SampleParams
from gateway.demo.samplegen.xmlbuild import (
    COMMODITIES,
    PACKAGES,
    additional_information,
    alnum,
    filler_chunks,
    filler_slice,
    mass,
    serialize,
    sub,
    timestamp,
)

NS = "urn:customs-gateway:sxml:ncts2:1"
NS_0_9 = "urn:customs-gateway:sxml:ncts2:0.9"
PREFIX = "ncts"
CUSTOMS = "NTA.PL"

_TEXT_MAX = 512
_ADDITIONAL_MAX = 99
#: functional errors of CC056C per goods item (so that 999 items stay within the 9999 allowed)
_ERRORS_PER_ITEM = 10

_FILLER = (
    "Goods loaded under customs seal on the means of transport named in the declaration; "
    "quantities, marks and numbers as in the commercial invoice and the CMR consignment note. "
) * 8

_COMMODITIES = (
    *COMMODITIES,
    ("240220", "90", "Cigarettes containing tobacco"),
    ("300490", "00", "Medicaments put up in measured doses"),
)
_DECLARATION_TYPES = ("T1", "T2", "T2F")
_PREVIOUS_DOCUMENTS = ("N337", "N380", "N325")
_SUPPORTING_DOCUMENTS = ("N380", "N935", "C651", "N954")
_TRANSPORT_DOCUMENTS = ("N730", "N740", "N705")
_INFO_CODES = ("00200", "00300", "00700", "30400")
_FOREIGN_COUNTRIES = ("DE", "FR", "NL", "IT", "CZ", "LT", "AT")
_ROUTING = ("DE", "CZ", "SK", "LT", "AT")
_OFFICES_OF_DEPARTURE = ("PL371010", "PL301010", "PL441010", "PL351010", "PL331010")
_OFFICES_OF_DESTINATION = ("DE004056", "FR001260", "NL000396", "IT261101", "CZ520199")
_OFFICES_OF_TRANSIT = ("PL401020", "PL321030", "DE003352", "CZ510201")
_OFFICES_AT_BORDER = ("PL353020", "PL401020", "PL441050")
_PLACES = (("PLGDN", "PL", "Gdansk"), ("PLWAW", "PL", "Warszawa"), ("PLPOZ", "PL", "Poznan"))
_UNLOADING_PLACES = (("DEHAM", "DE", "Hamburg"), ("NLRTM", "NL", "Rotterdam"), ("FRLEH", "FR", "Le Havre"))
_COMPANIES = (
    ("ZAKŁADY MECHANICZNE ŁÓDŹ SP. Z O.O.", "ul. Żeromskiego 12", "90-001", "Łódź", "PL"),
    ("POL-TRANS S.A.", "ul. Grunwaldzka 214", "80-266", "Gdańsk", "PL"),
    ("MEBLE WIELKOPOLSKA SP. J.", "ul. Głogowska 3", "60-101", "Poznań", "PL"),
    ("SPEDYCJA KRAKÓW SP. Z O.O.", "ul. Wielicka 48", "30-552", "Kraków", "PL"),
    ("TECHNIKA PÓŁNOC SP. Z O.O.", "ul. Portowa 7", "81-350", "Gdynia", "PL"),
)
_FOREIGN_COMPANIES = (
    ("Müller Logistik GmbH", "Hafenstraße 21", "20457", "Hamburg", "DE"),
    ("Transports Lefèvre SARL", "12 rue du Port", "76600", "Le Havre", "FR"),
    ("Van Dijk Distributie B.V.", "Waalhaven 5", "3089", "Rotterdam", "NL"),
    ("Novák a synové s.r.o.", "Průmyslová 8", "53002", "Pardubice", "CZ"),
)
_CONTACTS = (("Anna Nowak", "+48 58 123 45 67"), ("Piotr Wiśniewski", "+48 61 765 43 21"))
_JUSTIFICATIONS = (
    "Declaration lodged twice by mistake; the goods are declared under the other LRN.",
    "The transit did not take place: the carrier withdrew and the goods stay at the place of loading.",
)
_UNLOADING_REMARKS = (
    "One pallet damaged in transport; contents checked and complete.",
    "Seals intact; two cartons more than declared, see the goods items below.",
)
_REJECTIONS = (
    ("12", "R0785", "Incorrect value of a data item: the commodity code does not exist for that date."),
    ("14", "R0021", "Condition not met: the guarantee reference does not cover the declared amount."),
    ("15", "R0506", "The data item is not allowed when the declaration type is T2F."),
)


# ----- small helpers -----


def _day(moment: date) -> str:
    return moment.strftime("%Y-%m-%d")


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _iso6346_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    value = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if value % 11 == 0:
            value += 1
        if letter == char:
            return value
        value += 1
    raise ValueError(f"not an MRN character: {char!r}")


def check_digit(body: str) -> str:
    """The check digit of an MRN or GRN (ISO 6346 method, as in the NCTS specifications)."""
    total = sum(_iso6346_value(char) * 2**index for index, char in enumerate(body))
    return str(total % 11 % 10)


def mrn_for(params: SampleParams) -> str:
    """A valid transit MRN derived deterministically from the reference (the LRN) and the year."""
    body = f"{params.prepared_at.year % 100:02d}PL{alnum(params.reference, 12)}J"
    return body + check_digit(body)


def _grn_for(params: SampleParams) -> str:
    body = f"{params.prepared_at.year % 100:02d}PL{alnum('G' + params.party, 12)}"
    return body + check_digit(body)


def _eori(rng: random.Random, country: str) -> str:
    return country + "".join(rng.choice("0123456789") for _ in range(12))


def _description(base: str, params: SampleParams, index: int) -> tuple[str, int]:
    """The item's description lengthened by the filler (up to 512 characters), and the filler left."""
    room = _TEXT_MAX - len(base) - 1
    head = min(params.filler, room)
    if head <= 0:
        return base, params.filler
    return f"{base} {filler_slice(_FILLER, index * 97, head)}", params.filler - head


# ----- header, offices, parties -----


def _start(message_type: str, params: SampleParams, *, inbound: bool, namespace: str = NS) -> etree._Element:
    root = etree.Element(f"{{{namespace}}}{message_type}", nsmap={PREFIX: namespace})
    sender, recipient = (params.party, CUSTOMS) if inbound else (CUSTOMS, params.party)
    sub(root, "messageSender", sender)
    sub(root, "messageRecipient", recipient)
    sub(root, "preparationDateAndTime", timestamp(params.prepared_at))
    sub(root, "messageIdentification", params.message_id)
    sub(root, "messageType", message_type)
    return root


def _office(parent: etree._Element, tag: str, reference: str) -> None:
    sub(sub(parent, tag), "referenceNumber", reference)


def _address(parent: etree._Element, company: tuple[str, str, str, str, str]) -> None:
    address = sub(parent, "Address")
    sub(address, "streetAndNumber", company[1])
    sub(address, "postcode", company[2])
    sub(address, "city", company[3])
    sub(address, "country", company[4])


def _contact(parent: etree._Element, rng: random.Random) -> None:
    name, phone = rng.choice(_CONTACTS)
    contact = sub(parent, "ContactPerson")
    sub(contact, "name", name)
    sub(contact, "phoneNumber", phone)
    sub(contact, "eMailAddress", "celne@example.pl")


def _holder(parent: etree._Element, params: SampleParams, rng: random.Random, *, full: bool) -> None:
    company = rng.choice(_COMPANIES)
    holder = sub(parent, "HolderOfTheTransitProcedure")
    sub(holder, "identificationNumber", params.party)
    sub(holder, "name", company[0])
    if full:
        _address(holder, company)
        _contact(holder, rng)


def _representative(parent: etree._Element, params: SampleParams, rng: random.Random) -> None:
    if params.representative is not None:
        representative = sub(parent, "Representative")
        sub(representative, "identificationNumber", params.representative)
        sub(representative, "status", "2")
        _contact(representative, rng)


def _trader(
    parent: etree._Element, tag: str, eori: str | None, company: tuple[str, str, str, str, str]
) -> None:
    trader = sub(parent, tag)
    if eori is not None:
        sub(trader, "identificationNumber", eori)
    sub(trader, "name", company[0])
    _address(trader, company)


def _trader_at_destination(parent: etree._Element, params: SampleParams, rng: random.Random) -> None:
    trader = sub(parent, "TraderAtDestination")
    sub(trader, "identificationNumber", params.party)
    sub(trader, "name", rng.choice(_COMPANIES)[0])
    sub(trader, "communicationLanguageAtDestination", "PL")


def _authorisations(parent: etree._Element, params: SampleParams, rng: random.Random) -> None:
    for sequence, kind in enumerate(("C521", "C523")[: rng.randint(1, 2)], start=1):
        authorisation = sub(parent, "Authorisation")
        sub(authorisation, "sequenceNumber", str(sequence))
        sub(authorisation, "type", kind)
        sub(authorisation, "referenceNumber", f"PL{kind}{alnum(params.party, 10)}")


def _guarantee(parent: etree._Element, params: SampleParams, rng: random.Random) -> None:
    guarantee = sub(parent, "Guarantee")
    sub(guarantee, "sequenceNumber", "1")
    sub(guarantee, "guaranteeType", "1")
    reference = sub(guarantee, "GuaranteeReference")
    sub(reference, "sequenceNumber", "1")
    sub(reference, "GRN", _grn_for(params))
    sub(reference, "accessCode", "".join(rng.choice("ABCDEFGH0123456789") for _ in range(4)))
    sub(reference, "amountToBeCovered", _amount(rng.randint(100_000, 50_000_000)))
    sub(reference, "currency", "EUR")


# ----- transport -----


def _transport_equipment(parent: etree._Element, params: SampleParams, rng: random.Random) -> None:
    equipment = sub(parent, "TransportEquipment")
    sub(equipment, "sequenceNumber", "1")
    container = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTU") for _ in range(3)) + "U"
    sub(equipment, "containerIdentificationNumber", f"{container}{rng.randint(0, 9_999_999):07d}")
    seals = rng.randint(1, 2)
    sub(equipment, "numberOfSeals", str(seals))
    for sequence in range(1, seals + 1):
        seal = sub(equipment, "Seal")
        sub(seal, "sequenceNumber", str(sequence))
        sub(seal, "identifier", f"PL{rng.randint(0, 99_999_999):08d}")
    for index in range(1, params.items + 1):
        reference = sub(equipment, "GoodsReference")
        sub(reference, "sequenceNumber", str(index))
        sub(reference, "declarationGoodsItemNumber", str(index))


def _location_of_goods(parent: etree._Element, rng: random.Random) -> None:
    location = sub(parent, "LocationOfGoods")
    sub(location, "typeOfLocation", "B")
    sub(location, "qualifierOfIdentification", "V")
    _office(location, "CustomsOffice", rng.choice(_OFFICES_OF_DEPARTURE))


def _departure_transport_means(parent: etree._Element, rng: random.Random) -> None:
    means = sub(parent, "DepartureTransportMeans")
    sub(means, "sequenceNumber", "1")
    sub(means, "typeOfIdentification", "30")
    sub(means, "identificationNumber", f"GD {rng.randint(10_000, 99_999)}")
    sub(means, "nationality", "PL")


def _active_border_transport_means(parent: etree._Element, rng: random.Random) -> None:
    means = sub(parent, "ActiveBorderTransportMeans")
    sub(means, "sequenceNumber", "1")
    sub(means, "customsOfficeAtBorderReferenceNumber", rng.choice(_OFFICES_AT_BORDER))
    sub(means, "typeOfIdentification", "30")
    sub(means, "identificationNumber", f"WPR {rng.randint(1_000, 9_999)}")
    sub(means, "nationality", "PL")


def _place(parent: etree._Element, tag: str, place: tuple[str, str, str]) -> None:
    element = sub(parent, tag)
    sub(element, "UNLocode", place[0])
    sub(element, "country", place[1])
    sub(element, "location", place[2])


def _document(parent: etree._Element, tag: str, sequence: int, kind: str, reference: str) -> etree._Element:
    document = sub(parent, tag)
    sub(document, "sequenceNumber", str(sequence))
    sub(document, "type", kind)
    sub(document, "referenceNumber", reference)
    return document


# ----- goods -----


def _additional_information(
    item: etree._Element, rng: random.Random, rest: int, index: int, base: int
) -> None:
    text = "Goods in free circulation, carried under the cover of this transit declaration."
    for number in range(1, base + 1):
        additional_information(item, number, rng.choice(_INFO_CODES), text)
    chunks = filler_chunks(_FILLER, rest, index * 89, _TEXT_MAX, _ADDITIONAL_MAX - base)
    for number, chunk in enumerate(chunks, start=base + 1):
        additional_information(item, number, "00200", chunk)


def _packaging(item: etree._Element, params: SampleParams, rng: random.Random, index: int, count: int) -> int:
    total = 0
    for sequence in range(1, count + 1):
        number = rng.randint(1, 400)
        total += number
        packaging = sub(item, "Packaging")
        sub(packaging, "sequenceNumber", str(sequence))
        sub(packaging, "typeOfPackages", rng.choice(PACKAGES))
        sub(packaging, "numberOfPackages", str(number))
        sub(packaging, "shippingMarks", f"MARKS {alnum(params.reference, 8)}/{index}/{sequence}")
    return total


def _consignment_item(
    house: etree._Element, params: SampleParams, rng: random.Random, index: int, destination: str
) -> int:
    """A declared goods item; returns its gross mass in grams."""
    hs, cn, text = rng.choice(_COMMODITIES)
    gross = rng.randint(1_000, 25_000_000)
    net = gross - gross // rng.randint(8, 20)
    item = sub(house, "ConsignmentItem")
    sub(item, "goodsItemNumber", str(index))
    sub(item, "declarationGoodsItemNumber", str(index))
    sub(item, "declarationType", rng.choice(_DECLARATION_TYPES))
    sub(item, "countryOfDispatch", "PL")
    sub(item, "countryOfDestination", destination)
    if rng.random() < 0.3:
        sub(item, "referenceNumberUCR", f"UCR{alnum(params.reference, 10)}{index:05d}")
    commodity = sub(item, "Commodity")
    description, rest = _description(f"{text}, item {index}", params, index)
    sub(commodity, "descriptionOfGoods", description)
    if rng.random() < 0.2:
        sub(commodity, "cusCode", f"{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9)}")
    code = sub(commodity, "CommodityCode")
    sub(code, "harmonizedSystemSubHeadingCode", hs)
    sub(code, "combinedNomenclatureCode", cn)
    if rng.random() < 0.1:
        dangerous = sub(commodity, "DangerousGoods")
        sub(dangerous, "sequenceNumber", "1")
        sub(dangerous, "UNNumber", f"{rng.randint(1000, 3500)}")
    measure = sub(commodity, "GoodsMeasure")
    sub(measure, "grossMass", mass(gross))
    sub(measure, "netMass", mass(net))
    _packaging(item, params, rng, index, rng.randint(1, 3))
    _document(item, "PreviousDocument", 1, rng.choice(_PREVIOUS_DOCUMENTS), f"{params.reference}/{index}")
    for sequence in range(1, rng.randint(1, 2) + 1):
        document = _document(
            item,
            "SupportingDocument",
            sequence,
            rng.choice(_SUPPORTING_DOCUMENTS),
            f"FV/{params.prepared_at.year}/{rng.randint(1, 99_999):05d}",
        )
        sub(document, "documentLineItemNumber", str(rng.randint(1, 999)))
    _additional_information(item, rng, rest, index, rng.randint(0, 1))
    return gross


def _house_consignment(
    consignment: etree._Element, params: SampleParams, rng: random.Random, destination: str
) -> int:
    house = sub(consignment, "HouseConsignment")
    sub(house, "sequenceNumber", "1")
    sub(house, "countryOfDispatch", "PL")
    total = sub(house, "grossMass")
    _trader(house, "Consignor", params.party, rng.choice(_COMPANIES))
    _trader(house, "Consignee", _eori(rng, destination), rng.choice(_FOREIGN_COMPANIES))
    _departure_transport_means(house, rng)
    grams = sum(
        _consignment_item(house, params, rng, index, destination) for index in range(1, params.items + 1)
    )
    total.text = mass(grams)
    return grams


def _consignment(root: etree._Element, params: SampleParams, rng: random.Random) -> None:
    """The full consignment of a declaration (CC015C, CC013C, CC029C)."""
    destination = rng.choice(_FOREIGN_COUNTRIES)
    consignment = sub(root, "Consignment")
    sub(consignment, "countryOfDispatch", "PL")
    sub(consignment, "countryOfDestination", destination)
    sub(consignment, "containerIndicator", "1")
    sub(consignment, "inlandModeOfTransport", "3")
    sub(consignment, "modeOfTransportAtTheBorder", "3")
    total = sub(consignment, "grossMass")
    sub(consignment, "referenceNumberUCR", f"UCR{alnum(params.reference, 16)}")
    _trader(consignment, "Carrier", _eori(rng, "PL"), rng.choice(_COMPANIES))
    _transport_equipment(consignment, params, rng)
    _location_of_goods(consignment, rng)
    _departure_transport_means(consignment, rng)
    for sequence, country in enumerate(("PL", *rng.sample(_ROUTING, 2)), start=1):
        routing = sub(consignment, "CountryOfRoutingOfConsignment")
        sub(routing, "sequenceNumber", str(sequence))
        sub(routing, "country", country)
    _active_border_transport_means(consignment, rng)
    _place(consignment, "PlaceOfLoading", rng.choice(_PLACES))
    _place(consignment, "PlaceOfUnloading", rng.choice(_UNLOADING_PLACES))
    _document(
        consignment, "TransportDocument", 1, rng.choice(_TRANSPORT_DOCUMENTS), f"CMR {params.reference}"
    )
    total.text = mass(_house_consignment(consignment, params, rng, destination))


def _item_references(
    root: etree._Element, params: SampleParams, rng: random.Random, *, transport: bool
) -> None:
    """The goods of an existing declaration, referred to by number and description."""
    consignment = sub(root, "Consignment")
    total = sub(consignment, "grossMass")
    if transport:
        _transport_equipment(consignment, params, rng)
        _location_of_goods(consignment, rng)
        _departure_transport_means(consignment, rng)
        _active_border_transport_means(consignment, rng)
        _place(consignment, "PlaceOfLoading", rng.choice(_PLACES))
    house = sub(consignment, "HouseConsignment")
    sub(house, "sequenceNumber", "1")
    house_total = sub(house, "grossMass")
    grams = 0
    for index in range(1, params.items + 1):
        _, _, text = rng.choice(_COMMODITIES)
        gross = rng.randint(1_000, 25_000_000)
        grams += gross
        item = sub(house, "ConsignmentItem")
        sub(item, "goodsItemNumber", str(index))
        sub(item, "declarationGoodsItemNumber", str(index))
        description, rest = _description(f"{text}, item {index}", params, index)
        sub(item, "descriptionOfGoods", description)
        sub(item, "grossMass", mass(gross))
        _packaging(item, params, rng, index, 1)
        _additional_information(item, rng, rest, index, 0)
    total.text = house_total.text = mass(grams)


# ----- inbound -----


def _declaration_operation(
    operation: etree._Element, params: SampleParams, rng: random.Random, *, amendment: bool
) -> None:
    sub(operation, "LRN", params.reference)
    if amendment:
        sub(operation, "MRN", mrn_for(params))
    sub(operation, "declarationType", rng.choice(_DECLARATION_TYPES))
    sub(operation, "additionalDeclarationType", rng.choice("AD"))
    if not amendment:
        sub(
            operation,
            "presentationOfTheGoodsDateAndTime",
            timestamp(params.prepared_at + timedelta(hours=2)),
        )
    sub(operation, "security", rng.choice("0123"))
    sub(operation, "reducedDatasetIndicator", "0")
    sub(operation, "communicationLanguageAtDeparture", "PL")
    sub(operation, "bindingItinerary", rng.choice("01"))
    if amendment:
        sub(operation, "amendmentTypeFlag", "0")
    sub(operation, "limitDate", _day(params.prepared_at.date() + timedelta(days=8)))


def _declaration(message_type: str, params: SampleParams, *, amendment: bool) -> bytes:
    rng = random.Random(params.seed)
    root = _start(message_type, params, inbound=True)
    _declaration_operation(sub(root, "TransitOperation"), params, rng, amendment=amendment)
    _authorisations(root, params, rng)
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _office(root, "CustomsOfficeOfDestinationDeclared", rng.choice(_OFFICES_OF_DESTINATION))
    _office(root, "CustomsOfficeOfTransitDeclared", rng.choice(_OFFICES_OF_TRANSIT))
    _holder(root, params, rng, full=True)
    _representative(root, params, rng)
    _guarantee(root, params, rng)
    _consignment(root, params, rng)
    return serialize(root)


def build_cc015c(params: SampleParams) -> bytes:
    """CC015C, declaration data (inbound)."""
    return _declaration("CC015C", params, amendment=False)


def build_cc013c(params: SampleParams) -> bytes:
    """CC013C, declaration amendment (inbound)."""
    return _declaration("CC013C", params, amendment=True)


def build_cc014c(params: SampleParams) -> bytes:
    """CC014C, declaration invalidation request (inbound)."""
    rng = random.Random(params.seed)
    root = _start("CC014C", params, inbound=True)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    invalidation = sub(root, "Invalidation")
    sub(invalidation, "requestDateAndTime", timestamp(params.prepared_at))
    sub(invalidation, "initiatedByCustoms", "0")
    sub(invalidation, "justification", rng.choice(_JUSTIFICATIONS))
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _holder(root, params, rng, full=False)
    _representative(root, params, rng)
    _item_references(root, params, rng, transport=False)
    return serialize(root)


def build_cc170c(params: SampleParams) -> bytes:
    """CC170C, presentation notification for a pre-lodged declaration (inbound)."""
    rng = random.Random(params.seed)
    root = _start("CC170C", params, inbound=True)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "limitDate", _day(params.prepared_at.date() + timedelta(days=8)))
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _holder(root, params, rng, full=True)
    _representative(root, params, rng)
    _item_references(root, params, rng, transport=True)
    return serialize(root)


def build_cc007c(params: SampleParams) -> bytes:
    """CC007C, arrival notification (inbound); carries the MRN, no LRN."""
    rng = random.Random(params.seed)
    root = _start("CC007C", params, inbound=True)
    operation = sub(root, "TransitOperation")
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "arrivalNotificationDateAndTime", timestamp(params.prepared_at))
    sub(operation, "simplifiedProcedure", "1")
    sub(operation, "incidentFlag", "0")
    authorisation = sub(root, "Authorisation")
    sub(authorisation, "sequenceNumber", "1")
    sub(authorisation, "type", "C522")
    sub(authorisation, "referenceNumber", f"PLC522{alnum(params.party, 10)}")
    _office(root, "CustomsOfficeOfDestinationActual", rng.choice(_OFFICES_OF_DEPARTURE))
    _trader_at_destination(root, params, rng)
    _item_references(root, params, rng, transport=False)
    return serialize(root)


def build_cc044c(params: SampleParams) -> bytes:
    """CC044C, unloading remarks (inbound); carries the MRN, no LRN."""
    rng = random.Random(params.seed)
    root = _start("CC044C", params, inbound=True)
    sub(sub(root, "TransitOperation"), "MRN", mrn_for(params))
    _office(root, "CustomsOfficeOfDestinationActual", rng.choice(_OFFICES_OF_DEPARTURE))
    _trader_at_destination(root, params, rng)
    remark = sub(root, "UnloadingRemark")
    sub(remark, "conform", "0")
    sub(remark, "unloadingCompletion", "1")
    sub(remark, "unloadingDate", _day(params.prepared_at.date()))
    sub(remark, "stateOfSeals", "1")
    sub(remark, "unloadingRemark", rng.choice(_UNLOADING_REMARKS))
    consignment = sub(root, "Consignment")
    total = sub(consignment, "grossMass")
    _transport_equipment(consignment, params, rng)
    _departure_transport_means(consignment, rng)
    total.text = mass(_house_consignment(consignment, params, rng, "PL"))
    return serialize(root)


# ----- outbound -----


def build_cc028c(params: SampleParams) -> bytes:
    """CC028C, LRN allocated: declaration accepted, MRN allocated (outbound)."""
    rng = random.Random(params.seed)
    root = _start("CC028C", params, inbound=False)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "declarationAcceptanceDate", _day(params.prepared_at.date()))
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _holder(root, params, rng, full=False)
    _representative(root, params, rng)
    _item_references(root, params, rng, transport=False)
    return serialize(root)


def build_cc029c(params: SampleParams) -> bytes:
    """CC029C, release for transit (outbound)."""
    rng = random.Random(params.seed)
    root = _start("CC029C", params, inbound=False)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "declarationType", rng.choice(_DECLARATION_TYPES))
    sub(operation, "additionalDeclarationType", "A")
    sub(operation, "security", rng.choice("0123"))
    sub(operation, "reducedDatasetIndicator", "0")
    sub(operation, "bindingItinerary", "0")
    sub(operation, "declarationAcceptanceDate", _day(params.prepared_at.date()))
    sub(operation, "releaseDate", _day(params.prepared_at.date()))
    sub(operation, "limitDate", _day(params.prepared_at.date() + timedelta(days=8)))
    _authorisations(root, params, rng)
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _office(root, "CustomsOfficeOfDestinationDeclared", rng.choice(_OFFICES_OF_DESTINATION))
    _office(root, "CustomsOfficeOfTransitDeclared", rng.choice(_OFFICES_OF_TRANSIT))
    _holder(root, params, rng, full=True)
    _representative(root, params, rng)
    control = sub(root, "ControlResult")
    sub(control, "code", "A1")
    sub(control, "date", _day(params.prepared_at.date()))
    _guarantee(root, params, rng)
    _consignment(root, params, rng)
    return serialize(root)


def build_cc056c(params: SampleParams) -> bytes:
    """CC056C, rejection from the office of departure (outbound); one functional error per goods item."""
    rng = random.Random(params.seed)
    root = _start("CC056C", params, inbound=False)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "businessRejectionType", "015")
    sub(operation, "rejectionDateAndTime", timestamp(params.prepared_at))
    sub(operation, "rejectionCode", "12")
    sub(operation, "rejectionReason", "The declaration contains errors; see the functional errors.")
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _holder(root, params, rng, full=False)
    _representative(root, params, rng)
    for index in range(1, params.items + 1):
        code, reason, _ = rng.choice(_REJECTIONS)
        _, _, text = rng.choice(_COMMODITIES)
        pointer = f"/CC015C/Consignment/HouseConsignment[1]/ConsignmentItem[{index}]"
        description, rest = _description(f"{text}, item {index}", params, index)
        error = sub(root, "FunctionalError")
        sub(error, "errorPointer", f"{pointer}/Commodity/descriptionOfGoods")
        sub(error, "errorCode", code)
        sub(error, "errorReason", reason)
        sub(error, "originalAttributeValue", description)
        for number, chunk in enumerate(
            filler_chunks(_FILLER, rest, index * 89, _TEXT_MAX, _ERRORS_PER_ITEM - 1), start=1
        ):
            error = sub(root, "FunctionalError")
            sub(error, "errorPointer", f"{pointer}/AdditionalInformation[{number}]/text")
            sub(error, "errorCode", code)
            sub(error, "errorReason", reason)
            sub(error, "originalAttributeValue", chunk)
    return serialize(root)


def build_cc928c(params: SampleParams) -> bytes:
    """CC928C, positive acknowledge of a declaration (outbound)."""
    rng = random.Random(params.seed)
    root = _start("CC928C", params, inbound=False)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "receiptDateAndTime", timestamp(params.prepared_at))
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _holder(root, params, rng, full=False)
    _representative(root, params, rng)
    _item_references(root, params, rng, transport=False)
    return serialize(root)


# ----- version 0.9 (expired) -----


def build_cc015c_0_9(params: SampleParams) -> bytes:
    """CC015C in the expired 0.9 namespace (a smaller model)."""
    rng = random.Random(params.seed)
    root = _start("CC015C", params, inbound=True, namespace=NS_0_9)
    operation = sub(root, "TransitOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "declarationType", rng.choice(_DECLARATION_TYPES))
    sub(operation, "security", "0")
    _office(root, "CustomsOfficeOfDeparture", rng.choice(_OFFICES_OF_DEPARTURE))
    _office(root, "CustomsOfficeOfDestinationDeclared", rng.choice(_OFFICES_OF_DESTINATION))
    company = rng.choice(_COMPANIES)
    holder = sub(root, "HolderOfTheTransitProcedure")
    sub(holder, "identificationNumber", params.party)
    sub(holder, "name", company[0])
    _address(holder, company)
    if params.representative is not None:
        representative = sub(root, "Representative")
        sub(representative, "identificationNumber", params.representative)
        sub(representative, "status", "2")
    guarantee = sub(root, "Guarantee")
    sub(guarantee, "sequenceNumber", "1")
    sub(guarantee, "guaranteeType", "1")
    sub(guarantee, "GRN", _grn_for(params))
    consignment = sub(root, "Consignment")
    sub(consignment, "countryOfDispatch", "PL")
    sub(consignment, "countryOfDestination", rng.choice(_FOREIGN_COUNTRIES))
    total = sub(consignment, "grossMass")
    house = sub(consignment, "HouseConsignment")
    sub(house, "sequenceNumber", "1")
    house_total = sub(house, "grossMass")
    grams = 0
    for index in range(1, params.items + 1):
        hs, _, text = rng.choice(_COMMODITIES)
        gross = rng.randint(1_000, 25_000_000)
        grams += gross
        item = sub(house, "ConsignmentItem")
        sub(item, "goodsItemNumber", str(index))
        description, rest = _description(f"{text}, item {index}", params, index)
        sub(item, "descriptionOfGoods", description)
        sub(item, "harmonizedSystemSubHeadingCode", hs)
        sub(item, "grossMass", mass(gross))
        sub(item, "netMass", mass(gross - gross // 10))
        packaging = sub(item, "Packaging")
        sub(packaging, "sequenceNumber", "1")
        sub(packaging, "typeOfPackages", rng.choice(PACKAGES))
        sub(packaging, "numberOfPackages", str(rng.randint(1, 400)))
        _additional_information(item, rng, rest, index, 0)
    total.text = house_total.text = mass(grams)
    return serialize(root)


BUILDERS: dict[str, Builder] = {
    "CC015C": build_cc015c,
    "CC013C": build_cc013c,
    "CC014C": build_cc014c,
    "CC170C": build_cc170c,
    "CC007C": build_cc007c,
    "CC044C": build_cc044c,
    "CC028C": build_cc028c,
    "CC029C": build_cc029c,
    "CC056C": build_cc056c,
    "CC928C": build_cc928c,
}

BUILDERS_0_9: dict[str, Builder] = {"CC015C": build_cc015c_0_9}
