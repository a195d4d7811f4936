"""Sample AES (export) messages, valid against ``gateway/schemas/sxml/aes/1.0``.

Every builder is deterministic for the same :class:`SampleParams` (``random.Random(params.seed)``) and
returns UTF-8 bytes with an XML declaration and one element per line. ``params.reference`` is the LRN
and must fit the LRN pattern (``[A-Za-z0-9/-]{1,22}``); ``params.party`` is the declarant's EORI and
``params.representative`` the representative's EORI (a ``Representative`` group only when not None).
Outbound messages (CC528C, CC529C) carry an MRN derived from the reference.

``params.filler`` extra characters per goods item go into ``AdditionalInformation/text`` elements of at
most 512 characters each, at most 99 per item (so at most about 50 KB of filler per item; beyond that
the filler is cut). ``params.items`` goods items are written as asked, even above 999, so that tests can
build messages the schema refuses.
"""

from __future__ import annotations

import random

from lxml import etree

from gateway.demo.samplegen.model import Builder, SampleParams
from gateway.demo.samplegen.xmlbuild import (
    COMMODITIES,
    PACKAGES,
    additional_information,
    alnum,
    filler_chunks,
    mass,
    serialize,
    sub,
    timestamp,
)

NS = "urn:customs-gateway:sxml:aes:1"
CUSTOMS = "NTA.PL"

_TEXT_MAX = 512
_ADDITIONAL_MAX = 99
_LOREM = (
    "Towar wyprowadzany poza obszar celny Unii zgodnie z fakturą eksportową, bez zmian ilości i stanu. "
    "Goods leave the customs territory of the Union under the export invoice, unchanged in quantity. "
)
# the filler is ASCII only, so that one filler character is one byte
_FILLER = (
    "Export goods packed on pallets, sealed and marked with the consignment reference; "
    "quantities as in the commercial invoice and the packing list attached to the declaration. "
) * 8


_PROCEDURES = (("10", "00"), ("10", "40"), ("31", "51"), ("23", "00"))
_INFO_CODES = ("00100", "00200", "00300", "00500", "30600")
_COUNTRIES = ("US", "CN", "GB", "UA", "NO", "CH", "JP", "CA")
_OFFICES_OF_EXPORT = ("PL371010", "PL301010", "PL441010", "PL351010", "PL331010")
_OFFICES_OF_EXIT = ("PL353020", "PL401020", "PL321030", "PL441050")
_COMPANIES = (
    ("ZAKŁADY MECHANICZNE ŁÓDŹ SP. Z O.O.", "ul. Żeromskiego 12", "90-001", "Łódź"),
    ("POL-EXPORT S.A.", "ul. Grunwaldzka 214", "80-266", "Gdańsk"),
    ("MEBLE WIELKOPOLSKA SP. J.", "ul. Głogowska 3", "60-101", "Poznań"),
    ("AGENCJA CELNA KRAKÓW SP. Z O.O.", "ul. Wielicka 48", "30-552", "Kraków"),
    ("TECHNIKA PÓŁNOC SP. Z O.O.", "ul. Portowa 7", "81-350", "Gdynia"),
)
_JUSTIFICATIONS = (
    "Declaration lodged twice by mistake; the goods are declared under the other LRN.",
    "The export did not take place: the buyer withdrew from the contract.",
)


def _check_digit(value: str) -> str:
    return str(sum((index + 1) * ord(char) for index, char in enumerate(value)) % 10)


def mrn_for(params: SampleParams) -> str:
    """A valid MRN derived deterministically from the reference (the LRN) and the year of preparation."""
    body = f"{params.prepared_at.year % 100:02d}PL{alnum(params.reference, 12)}A"
    return body + _check_digit(body)


def _header(root: etree._Element, params: SampleParams, message_type: str, inbound: bool) -> None:
    sender, recipient = (params.party, CUSTOMS) if inbound else (CUSTOMS, params.party)
    sub(root, "messageSender", sender)
    sub(root, "messageRecipient", recipient)
    sub(root, "preparationDateAndTime", timestamp(params.prepared_at))
    sub(root, "messageIdentification", params.message_id)
    sub(root, "messageType", message_type)


def _address(parent: etree._Element, company: tuple[str, str, str, str]) -> None:
    address = sub(parent, "Address")
    sub(address, "streetAndNumber", company[1])
    sub(address, "postcode", company[2])
    sub(address, "city", company[3])
    sub(address, "country", "PL")


def _trader(parent: etree._Element, tag: str, eori: str, rng: random.Random, *, full: bool) -> None:
    company = rng.choice(_COMPANIES)
    trader = sub(parent, tag)
    sub(trader, "identificationNumber", eori)
    sub(trader, "name", company[0])
    if full:
        _address(trader, company)


def _representative(parent: etree._Element, params: SampleParams) -> None:
    if params.representative is not None:
        representative = sub(parent, "Representative")
        sub(representative, "identificationNumber", params.representative)
        sub(representative, "status", "2")


def _additional_information(
    item: etree._Element, rng: random.Random, params: SampleParams, index: int, base: int
) -> None:
    for number in range(1, base + 1):
        code = rng.choice(_INFO_CODES)
        additional_information(item, number, code, _LOREM[: rng.randint(40, len(_LOREM))].strip())
    chunks = filler_chunks(_FILLER, params.filler, index * 97, _TEXT_MAX, _ADDITIONAL_MAX - base)
    for number, chunk in enumerate(chunks, start=base + 1):
        additional_information(item, number, "00100", chunk)


def _goods_shipment(root: etree._Element, params: SampleParams, rng: random.Random) -> None:
    shipment = sub(root, "GoodsShipment")
    sub(shipment, "countryOfExport", "PL")
    sub(shipment, "countryOfDestination", rng.choice(_COUNTRIES))
    total = sub(shipment, "totalGrossMass")
    total_grams = 0
    for index in range(1, params.items + 1):
        hs, cn, description = rng.choice(COMMODITIES)
        gross = rng.randint(1_000, 25_000_000)
        net = gross - gross // rng.randint(8, 20)
        total_grams += gross
        item = sub(shipment, "GoodsItem")
        sub(item, "goodsItemNumber", str(index))
        sub(item, "declarationGoodsItemNumber", str(index))
        sub(item, "countryOfOrigin", "PL")
        sub(item, "statisticalValue", f"{rng.randint(100, 9_999_999)}.{rng.randint(0, 99):02d}")
        procedure = sub(item, "Procedure")
        requested, previous = rng.choice(_PROCEDURES)
        sub(procedure, "requestedProcedure", requested)
        sub(procedure, "previousProcedure", previous)
        commodity = sub(item, "Commodity")
        sub(commodity, "descriptionOfGoods", f"{description}, item {index}")
        code = sub(commodity, "CommodityCode")
        sub(code, "harmonizedSystemSubHeadingCode", hs)
        sub(code, "combinedNomenclatureCode", cn)
        measure = sub(commodity, "GoodsMeasure")
        sub(measure, "grossMass", mass(gross))
        sub(measure, "netMass", mass(net))
        for sequence in range(1, rng.randint(1, 2) + 1):
            packaging = sub(item, "Packaging")
            sub(packaging, "sequenceNumber", str(sequence))
            sub(packaging, "typeOfPackages", rng.choice(PACKAGES))
            sub(packaging, "numberOfPackages", str(rng.randint(1, 400)))
            sub(packaging, "shippingMarks", f"MARKS {params.reference}/{index}/{sequence}")
        _additional_information(item, rng, params, index, rng.randint(0, 1))
    total.text = mass(total_grams)


def _goods_references(root: etree._Element, params: SampleParams, rng: random.Random) -> None:
    shipment = sub(root, "GoodsShipment")
    for index in range(1, params.items + 1):
        _, _, description = rng.choice(COMMODITIES)
        item = sub(shipment, "GoodsItem")
        sub(item, "goodsItemNumber", str(index))
        sub(item, "descriptionOfGoods", f"{description}, item {index}")
        sub(item, "grossMass", mass(rng.randint(1_000, 25_000_000)))
        _additional_information(item, rng, params, index, rng.randint(0, 1))


def _office(root: etree._Element, tag: str, reference: str) -> None:
    sub(sub(root, tag), "referenceNumber", reference)


def _start(message_type: str, params: SampleParams, inbound: bool) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{message_type}", nsmap={"aes": NS})
    _header(root, params, message_type, inbound)
    return root


def _declaration_operation(operation: etree._Element, rng: random.Random) -> None:
    sub(operation, "declarationType", "EX")
    sub(operation, "additionalDeclarationType", rng.choice("AD"))
    sub(operation, "security", rng.choice("02"))


def build_cc515c(params: SampleParams) -> bytes:
    """CC515C, export declaration (inbound)."""
    rng = random.Random(params.seed)
    root = _start("CC515C", params, inbound=True)
    operation = sub(root, "ExportOperation")
    sub(operation, "LRN", params.reference)
    _declaration_operation(operation, rng)
    _office(root, "CustomsOfficeOfExport", rng.choice(_OFFICES_OF_EXPORT))
    _office(root, "CustomsOfficeOfExit", rng.choice(_OFFICES_OF_EXIT))
    _trader(root, "Exporter", params.party, rng, full=True)
    _trader(root, "Declarant", params.party, rng, full=True)
    _representative(root, params)
    _goods_shipment(root, params, rng)
    return serialize(root)


def build_cc513c(params: SampleParams) -> bytes:
    """CC513C, amendment of an export declaration (inbound)."""
    rng = random.Random(params.seed)
    root = _start("CC513C", params, inbound=True)
    operation = sub(root, "ExportOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "amendmentDateAndTime", timestamp(params.prepared_at))
    _declaration_operation(operation, rng)
    _office(root, "CustomsOfficeOfExport", rng.choice(_OFFICES_OF_EXPORT))
    _office(root, "CustomsOfficeOfExit", rng.choice(_OFFICES_OF_EXIT))
    _trader(root, "Exporter", params.party, rng, full=True)
    _trader(root, "Declarant", params.party, rng, full=True)
    _representative(root, params)
    _goods_shipment(root, params, rng)
    return serialize(root)


def build_cc514c(params: SampleParams) -> bytes:
    """CC514C, invalidation request (inbound)."""
    rng = random.Random(params.seed)
    root = _start("CC514C", params, inbound=True)
    operation = sub(root, "ExportOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    invalidation = sub(root, "Invalidation")
    sub(invalidation, "requestDateAndTime", timestamp(params.prepared_at))
    sub(invalidation, "justification", rng.choice(_JUSTIFICATIONS))
    _office(root, "CustomsOfficeOfExport", rng.choice(_OFFICES_OF_EXPORT))
    _trader(root, "Declarant", params.party, rng, full=False)
    _representative(root, params)
    _goods_references(root, params, rng)
    return serialize(root)


def build_cc528c(params: SampleParams) -> bytes:
    """CC528C, export declaration accepted and MRN allocated (outbound)."""
    rng = random.Random(params.seed)
    root = _start("CC528C", params, inbound=False)
    operation = sub(root, "ExportOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "acceptanceDateAndTime", timestamp(params.prepared_at))
    _office(root, "CustomsOfficeOfExport", rng.choice(_OFFICES_OF_EXPORT))
    _trader(root, "Declarant", params.party, rng, full=False)
    _representative(root, params)
    _goods_references(root, params, rng)
    return serialize(root)


def build_cc529c(params: SampleParams) -> bytes:
    """CC529C, goods released for export (outbound)."""
    rng = random.Random(params.seed)
    root = _start("CC529C", params, inbound=False)
    operation = sub(root, "ExportOperation")
    sub(operation, "LRN", params.reference)
    sub(operation, "MRN", mrn_for(params))
    sub(operation, "acceptanceDateAndTime", timestamp(params.prepared_at))
    sub(operation, "releaseDateAndTime", timestamp(params.prepared_at))
    _office(root, "CustomsOfficeOfExport", rng.choice(_OFFICES_OF_EXPORT))
    _office(root, "CustomsOfficeOfExit", rng.choice(_OFFICES_OF_EXIT))
    _trader(root, "Exporter", params.party, rng, full=False)
    _trader(root, "Declarant", params.party, rng, full=False)
    _representative(root, params)
    control = sub(root, "Control")
    sub(control, "controlResultCode", "A1")
    _goods_references(root, params, rng)
    return serialize(root)


BUILDERS: dict[str, Builder] = {
    "CC515C": build_cc515c,
    "CC513C": build_cc513c,
    "CC514C": build_cc514c,
    "CC528C": build_cc528c,
    "CC529C": build_cc529c,
}
