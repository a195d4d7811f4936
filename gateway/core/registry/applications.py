"""Registration applications (target system SZPROT): the verified message read into an
:class:`~gateway.core.registry.model.Application`, and that value to and from JSON.

Pure: no I/O.  The message has passed its schema (``gateway/schemas/sxml/szprot/1.0``) before it is read,
so the reader relies on its structure: the root is qualified, every child unqualified, and an
optional part missing from the XML is ``None`` (or ``()``) in the value.  Only the root's own
children named below are read: the enveloped ``ds:Signature`` (namespace-qualified) is never
looked into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from lxml import etree

from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.core.timefmt import parse_rfc3339

__all__ = ["application_as_dict", "application_from_dict", "read_application"]


def read_application(root: etree._Element) -> Application:
    """The application a verified ``RegApplication`` or ``RepChange`` message makes."""
    name = etree.QName(root).localname
    try:
        reader = _READERS[name]
    except KeyError:
        raise ValueError(f"{name} is not a registration application") from None
    return reader(root)


def _registration(root: etree._Element) -> Application:
    return Application(
        kind=ApplicationKind.REGISTER,
        person=_person(_child(root, "Person")),
        podmiot=_podmiot(_child(root, "Podmiot")),
        representation=_representation(_child(root, "Representation")),
    )


#: what ``Action`` of a RepChange asks for
_ACTIONS = {"update": ApplicationKind.UPDATE, "deactivate": ApplicationKind.DEACTIVATE}


def _change(root: etree._Element) -> Application:
    action = _text(root, "Action")
    kind = _ACTIONS.get(action)
    if kind is None:
        raise ValueError(f"RepChange has an unknown Action {action!r}")
    element = root.find("Representation")
    if kind is ApplicationKind.DEACTIVATE:
        # A deactivation carries no scope, and the registry does not read one: ``Scope.BASIC`` only
        # fills the field the model requires.  Its one part is the optional end (ValidTo): given,
        # the representation ends then; absent, it is revoked.
        representation = RepresentationRequest(
            scope=Scope.BASIC,
            valid_to=_instant(element, "ValidTo") if element is not None else None,
        )
    else:
        representation = _representation(_child(root, "Representation"))
    return Application(
        kind=kind,
        person=_person(_child(root, "Person")),
        podmiot=_podmiot(_child(root, "Podmiot")),
        representation=representation,
    )


_READERS: Mapping[str, Callable[[etree._Element], Application]] = {
    "RegApplication": _registration,
    "RepChange": _change,
}


def _person(element: etree._Element) -> ApplicantPerson:
    return ApplicantPerson(
        pesel=_text(element, "PESEL"),
        first_name=_text(element, "FirstName"),
        surname=_text(element, "Surname"),
        eori=_optional_text(element, "EORI"),
    )


def _podmiot(element: etree._Element) -> PodmiotData:
    identifiers = tuple(
        (str(identifier.get("scheme", "")).strip(), (identifier.text or "").strip())
        for identifier in _child(element, "Identifiers").iterfind("Identifier")
    )
    # A RepChange may name the Podmiot by its identifiers alone: name and kind are then "".
    return PodmiotData(
        name=_optional_text(element, "Name") or "",
        kind=_optional_text(element, "Kind") or "",
        identifiers=identifiers,
        data_source=_optional_text(element, "DataSource"),
    )


def _representation(element: etree._Element) -> RepresentationRequest:
    systems = _child(element, "Systems")
    return RepresentationRequest(
        scope=Scope(_text(element, "Scope")),
        # <AllSystems/> has no System children: () is every system
        systems=tuple((system.text or "").strip() for system in systems.iterfind("System")),
        valid_from=_instant(element, "ValidFrom"),
        valid_to=_instant(element, "ValidTo"),
    )


def _child(parent: etree._Element, name: str) -> etree._Element:
    found = parent.find(name)
    if found is None:
        raise ValueError(f"{parent.tag} has no {name}")
    return found


def _optional_text(parent: etree._Element, name: str) -> str | None:
    found = parent.find(name)
    if found is None:
        return None
    return (found.text or "").strip() or None


def _text(parent: etree._Element, name: str) -> str:
    value = _optional_text(parent, name)
    if value is None:
        raise ValueError(f"{parent.tag} has no {name}")
    return value


def _instant(parent: etree._Element, name: str) -> datetime | None:
    value = _optional_text(parent, name)
    return parse_rfc3339(value) if value is not None else None


# --- JSON ------------------------------------------------------------------------------------------


def application_as_dict(application: Application) -> dict[str, Any]:
    """A JSON-safe dict (datetimes as ISO 8601 strings with their offset); see
    :func:`application_from_dict`."""
    person = application.person
    podmiot = application.podmiot
    representation = application.representation
    return {
        "kind": str(application.kind),
        "person": {
            "pesel": person.pesel,
            "first_name": person.first_name,
            "surname": person.surname,
            "eori": person.eori,
        },
        "podmiot": {
            "name": podmiot.name,
            "kind": podmiot.kind,
            "identifiers": [[scheme, value] for scheme, value in podmiot.identifiers],
            "data_source": podmiot.data_source,
        },
        "representation": {
            "scope": str(representation.scope),
            "systems": list(representation.systems),
            "valid_from": _iso(representation.valid_from),
            "valid_to": _iso(representation.valid_to),
        },
    }


def application_from_dict(data: Mapping[str, Any]) -> Application:
    """The :class:`Application` that :func:`application_as_dict` wrote."""
    person = data["person"]
    podmiot = data["podmiot"]
    representation = data["representation"]
    return Application(
        kind=ApplicationKind(data["kind"]),
        person=ApplicantPerson(
            pesel=str(person["pesel"]),
            first_name=str(person["first_name"]),
            surname=str(person["surname"]),
            eori=_optional_str(person.get("eori")),
        ),
        podmiot=PodmiotData(
            name=str(podmiot["name"]),
            kind=str(podmiot["kind"]),
            identifiers=tuple((str(scheme), str(value)) for scheme, value in podmiot["identifiers"]),
            data_source=_optional_str(podmiot.get("data_source")),
        ),
        representation=RepresentationRequest(
            scope=Scope(representation["scope"]),
            systems=tuple(str(system) for system in representation.get("systems", ())),
            valid_from=_from_iso(representation.get("valid_from")),
            valid_to=_from_iso(representation.get("valid_to")),
        ),
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _from_iso(value: object) -> datetime | None:
    return parse_rfc3339(str(value)) if value is not None else None


def _optional_str(value: object) -> str | None:
    return str(value) if value is not None else None
