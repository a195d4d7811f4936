"""Sample SZPROT messages (registration applications), valid against ``gateway/schemas/sxml/szprot/1.0``.

A message is written from the :class:`~gateway.core.registry.model.Application` it is to make
(:func:`build_application`): reading the message back
(:func:`gateway.core.registry.applications.read_application`)
gives that value again.  The builders of :data:`BUILDERS`, which get only :class:`SampleParams`,
make one from the parameters:

* ``params.party`` is the Podmiot's first identifier: an EORI when it looks like one
  (``[A-Z]{2}[0-9A-Z]{1,15}``), otherwise an EORI derived from it by :func:`eori_for`.
* the applicant person and the Podmiot's name are TEST data chosen by ``params.seed``.
* ``RegApplication`` asks for extended rights in every system; ``RepChange`` updates the
  representation to basic rights for NCTS2.
* ``params.message_id`` and ``params.prepared_at`` fill the header; ``params.reference``,
  ``params.representative``, ``params.items`` and ``params.filler`` are ignored (an application has
  no goods, so its size does not scale).

Every builder is deterministic and returns UTF-8 bytes with an XML declaration and one element per
line, without a signature.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.demo.samplegen.model import Builder, SampleParams
from gateway.demo.samplegen.xmlbuild import alnum, serialize, sub, timestamp

NS = "urn:customs-gateway:sxml:szprot:1"

_EORI = re.compile(r"[A-Z]{2}[0-9A-Z]{1,15}")
#: TEST persons with valid PESEL numbers (those of samples/registry, gateway.demo.samplegen.registry)
_PERSONS = (
    ApplicantPerson("44051401359", "Jan", "Kowalski"),
    ApplicantPerson("02070803628", "Anna", "Nowak"),
)
_NAMES = (
    "Przykładowa Spółka z o.o. (TEST)",
    "Hurtownia Testowa S.A. (TEST)",
    "Spedycja Próbna Sp. j. (TEST)",
)


def eori_for(party: str) -> str:
    """``party`` when it is an EORI, otherwise ``PL`` and 15 characters derived from it."""
    return party if _EORI.fullmatch(party) else "PL" + alnum(party, 15)


def build_application(application: Application, params: SampleParams) -> bytes:
    """The message that makes ``application``: a RegApplication for a registration, otherwise a
    RepChange.  ``params`` gives the message identification and the time of preparation."""
    if application.kind is ApplicationKind.REGISTER:
        return _registration(application, params)
    return _change(application, params)


def _registration(application: Application, params: SampleParams) -> bytes:
    root = _start("RegApplication", params)
    _person(root, application.person)
    _podmiot(root, application.podmiot)
    _representation(root, application.representation)
    return serialize(root)


def _change(application: Application, params: SampleParams) -> bytes:
    root = _start("RepChange", params)
    sub(root, "Action", "update" if application.kind is ApplicationKind.UPDATE else "deactivate")
    _person(root, application.person)
    _podmiot(root, application.podmiot)
    request = application.representation
    if application.kind is ApplicationKind.UPDATE:
        _representation(root, request)
    elif request.valid_to is not None:
        # a deactivation: only its end, if it has one (without it, the representation is revoked)
        sub(sub(root, "Representation"), "ValidTo", _instant(request.valid_to))
    return serialize(root)


def _start(message_type: str, params: SampleParams) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{message_type}", nsmap={"szprot": NS})
    sub(root, "messageIdentification", params.message_id)
    sub(root, "preparationDateAndTime", timestamp(params.prepared_at))
    return root


def _person(root: etree._Element, person: ApplicantPerson) -> None:
    element = sub(root, "Person")
    sub(element, "PESEL", person.pesel)
    sub(element, "FirstName", person.first_name)
    sub(element, "Surname", person.surname)
    if person.eori is not None:
        sub(element, "EORI", person.eori)


def _podmiot(root: etree._Element, podmiot: PodmiotData) -> None:
    element = sub(root, "Podmiot")
    if podmiot.name:
        sub(element, "Name", podmiot.name)
    if podmiot.kind:
        sub(element, "Kind", podmiot.kind)
    if podmiot.data_source is not None:
        sub(element, "DataSource", podmiot.data_source)
    identifiers = sub(element, "Identifiers")
    for scheme, value in podmiot.identifiers:
        sub(identifiers, "Identifier", value).set("scheme", scheme)


def _representation(root: etree._Element, request: RepresentationRequest) -> None:
    element = sub(root, "Representation")
    sub(element, "Scope", str(request.scope))
    systems = sub(element, "Systems")
    if not request.systems:
        sub(systems, "AllSystems")
    for system in request.systems:
        sub(systems, "System", system)
    if request.valid_from is not None:
        sub(element, "ValidFrom", _instant(request.valid_from))
    if request.valid_to is not None:
        sub(element, "ValidTo", _instant(request.valid_to))


def _instant(moment: datetime) -> str:
    """An xs:dateTime in UTC, ``Z``-suffixed; a naive ``moment`` is taken as UTC."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.isoformat().replace("+00:00", "Z")


def _default(kind: ApplicationKind, params: SampleParams) -> Application:
    person = _PERSONS[params.seed % len(_PERSONS)]
    name = _NAMES[params.seed % len(_NAMES)]
    identifiers = (("EORI", eori_for(params.party)),)
    if kind is ApplicationKind.REGISTER:
        return Application(
            kind=kind,
            person=person,
            podmiot=PodmiotData(name=name, kind="company", identifiers=identifiers),
            representation=RepresentationRequest(scope=Scope.EXTENDED),
        )
    return Application(
        kind=kind,
        person=person,
        podmiot=PodmiotData(name=name, kind="company", identifiers=identifiers),
        representation=RepresentationRequest(scope=Scope.BASIC, systems=("NCTS2",)),
    )


def build_reg_application(params: SampleParams) -> bytes:
    return build_application(_default(ApplicationKind.REGISTER, params), params)


def build_rep_change(params: SampleParams) -> bytes:
    return build_application(_default(ApplicationKind.UPDATE, params), params)


BUILDERS: dict[str, Builder] = {
    "RegApplication": build_reg_application,
    "RepChange": build_rep_change,
}
