"""The rights check end to end, through HTTP, on a registry of each test's own (SQLite and
PostgreSQL): every case of the registry issue's "Done when"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from lxml import etree

from gateway.adapters.receipt_signer import DEMO_CERTIFICATE
from gateway.channels.http import keys
from gateway.core.receipts.document import RECEIPTS_NS
from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.core.registry.pdr import parse_pdr
from gateway.demo.samplegen.signing import sample_signer
from gateway.demo.samplegen.szprot import build_application
from gateway.services.registry.administration import RegistryAdministration
from tests.conftest import Gateway, make_settings, receipt_signer_dir, sample_pki_copy, start_gateway
from tests.support.messages import signed_build, unique_params
from tests.support.signatures import signed
from tests.support.xmlsec import xmlsec_verify

JAN, ANNA, PIOTR = "44051401359", "02070803628", "81010200134"
CLIENT = "PL5260250274000"  # a client of the agency
CLIENT_EXCISE = "PL00000000007"
AGENCY = "PL9876543210000"
JAN_OWN_EORI = f"PL{JAN}0000"


def fingerprint(role: str) -> str:
    return sample_signer(role, sample_pki_copy()).certificate.fingerprint(hashes.SHA256()).hex()


@dataclass
class World:
    """A gateway over an empty registry, and its registry service."""

    gateway: Gateway
    registry: RegistryAdministration

    async def account(self, login: str, person: str | None = None) -> str:
        token = await self.gateway.token(login)
        if person is not None:
            await self.registry.accounts.attach(login, person)
        return token

    async def person(self, pesel: str, first_name: str, surname: str, role: str | None = None) -> str:
        added = await self.registry.persons.add(first_name=first_name, surname=surname, pesel=pesel)
        if role is not None:
            await self.registry.persons.add_credential(
                added.person.id_sisc, "sc", fingerprint=fingerprint(role)
            )
        return added.person.id_sisc

    async def podmiot(self, name: str, *identifiers: tuple[str, str], kind: str = "company") -> None:
        await self.registry.podmioty.add(name=name, kind=kind, identifiers=list(identifiers))

    async def send(
        self, token: str, message_type: str, party: str, role: str, representative: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        body = signed_build(message_type, unique_params(party=party, representative=representative), role)
        status, answer, _ = await self.gateway.post(body, token)
        return status, answer


@pytest.fixture
async def world(empty_database_url: str) -> AsyncIterator[World]:
    settings = make_settings(empty_database_url, None, registry={"cache_seconds": 0.1})
    async for running in start_gateway(settings):
        yield World(running, running.app[keys.SERVICES].administration)


def reason_of(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["message"]).split(":", 1)[0]


async def test_own_name_with_a_basic_account(world: World) -> None:
    # Piotr is registered nowhere: his (qualified) signature lets him act in his own name only.
    token = await world.account("piotr@example.test")
    status, receipt = await world.send(token, "CC515C", f"PL{PIOTR}", "qualified-person")
    assert status == 202, receipt
    assert receipt["rights"]["basis"] == "own-name"
    assert receipt["representation"] is None
    assert receipt["signer"]["person"] == PIOTR

    status, problem = await world.send(token, "CC515C", CLIENT, "qualified-person")
    assert (status, problem["code"]) == (403, "SIGNER_UNKNOWN")
    assert "own name" in problem["detail"]
    assert problem["reference"], "a refusal after the signature is stored, with its reference"


async def test_agency_employee_with_basic_rights_for_a_client(world: World) -> None:
    anna = await world.person(ANNA, "Anna", "Nowak", "sc-agent")
    await world.podmiot("Klient (TEST)", ("EORI", CLIENT))
    granted = await world.registry.representations.grant(anna, CLIENT, "basic", systems=["AES"])
    token = await world.account("anna@example.test", anna)

    status, receipt = await world.send(token, "CC515C", CLIENT, "sc-agent")
    assert status == 202, receipt
    assert receipt["representation"] == str(granted.id)
    assert receipt["rights"] == {
        "basis": "representation",
        "person": anna,
        "representation": granted.id,
        "scope": "basic",
        "shared_with_podmiot": True,
    }
    assert receipt["signer"]["person"] == anna, "a registered signer is shown by ID SISC"

    # invalidation needs extended rights (gateway/schemas/rights.toml)
    status, problem = await world.send(token, "CC514C", CLIENT, "sc-agent")
    assert (status, problem["code"], reason_of(problem)) == (403, "RIGHTS_DENIED", "basic-not-extended")


async def test_extended_rights_read_another_employees_documents(world: World) -> None:
    anna = await world.person(ANNA, "Anna", "Nowak", "sc-agent")
    jan = await world.person(JAN, "Jan", "Kowalski", "sc-person")
    await world.podmiot("Klient (TEST)", ("EORI", CLIENT))
    await world.registry.representations.grant(anna, CLIENT, "basic")
    jan_rights = await world.registry.representations.grant(jan, CLIENT, "extended", systems=["AES"])
    anna_token = await world.account("anna@example.test", anna)
    jan_token = await world.account("jan@example.test", jan)
    outsider = await world.account("outsider@example.test")

    status, receipt = await world.send(anna_token, "CC515C", CLIENT, "sc-agent")
    assert status == 202
    path = f"/api/v1/documents/{receipt['reference']}"
    assert (await world.gateway.get(path, jan_token))[0] == 200
    status, problem = await world.gateway.get(path, outsider)
    assert (status, problem["code"]) == (403, "FORBIDDEN")
    listed = (await world.gateway.get("/api/v1/documents", jan_token))[1]
    assert [d["reference"] for d in listed["items"]] == [receipt["reference"]]
    assert (await world.gateway.get("/api/v1/documents", outsider))[1]["items"] == []

    # Jan's extended rights cover AES only: an EMCS document of the same client stays Anna's
    await world.registry.podmioty.change(CLIENT, add_identifiers=[("AKCR", CLIENT_EXCISE)])
    status, emcs = await world.send(anna_token, "IE815", CLIENT_EXCISE, "sc-agent")
    assert status == 202, emcs
    assert (await world.gateway.get(f"/api/v1/documents/{emcs['reference']}", jan_token))[0] == 403

    # once Jan's representation is revoked he reads nothing of the client's
    await world.registry.representations.revoke(jan_rights.id)
    assert (await world.gateway.get(path, jan_token))[0] == 403


@pytest.mark.parametrize(
    ("grant", "reason"),
    [
        ({"scope": "extended", "revoke": True}, "revoked"),
        ({"scope": "extended", "valid_to": datetime.now(UTC) - timedelta(days=1)}, "expired"),
        ({"scope": "extended", "systems": ["NCTS2", "EMCSPL2"]}, "wrong-system"),
    ],
)
async def test_representation_that_does_not_allow(world: World, grant: dict[str, Any], reason: str) -> None:
    jan = await world.person(JAN, "Jan", "Kowalski", "sc-person")
    await world.podmiot("Klient (TEST)", ("EORI", CLIENT))
    granted = await world.registry.representations.grant(
        jan,
        CLIENT,
        grant["scope"],
        systems=grant.get("systems", ()),
        valid_from=datetime.now(UTC) - timedelta(days=30),
        valid_to=grant.get("valid_to"),
    )
    if grant.get("revoke"):
        await world.registry.representations.revoke(granted.id)
    token = await world.account("jan@example.test", jan)
    status, problem = await world.send(token, "CC515C", CLIENT, "sc-person")
    assert (status, problem["code"], reason_of(problem)) == (403, "RIGHTS_DENIED", reason)
    stored = (await world.gateway.get(f"/api/v1/documents/{problem['reference']}", token))[1]
    assert stored["status"] == "rejected"
    assert stored["errors"][0]["code"] == "RIGHTS_DENIED"


async def test_ncts2_needs_a_registered_person_and_no_representation(world: World) -> None:
    jan = await world.person(JAN, "Jan", "Kowalski", "sc-person")
    anna = await world.person(ANNA, "Anna", "Nowak", "sc-agent")
    await world.podmiot("Klient (TEST)", ("EORI", CLIENT))
    await world.registry.representations.grant(anna, CLIENT, "extended")
    jan_token = await world.account("jan@example.test", jan)
    anna_token = await world.account("anna@example.test", anna)

    status, receipt = await world.send(jan_token, "CC015C", CLIENT, "sc-person")
    assert status == 202, receipt
    assert receipt["rights"]["basis"] == "not-required"
    assert receipt["representation"] is None
    # without a representation the Podmiot sees nothing: not even its extended representatives
    path = f"/api/v1/documents/{receipt['reference']}"
    assert (await world.gateway.get(path, anna_token))[0] == 403
    assert (await world.gateway.get(path, jan_token))[0] == 200

    # an unregistered signer cannot send NCTS2 at all, not even in its own name
    stranger = await world.account("piotr@example.test")
    status, problem = await world.send(stranger, "CC015C", f"PL{PIOTR}", "qualified-person")
    assert (status, problem["code"]) == (403, "SIGNER_UNKNOWN")


def pdr_file(
    pesel: str, first: str, last: str, code: str, *, cbtd: str = "", sc: str = "", party: str = CLIENT
) -> str:
    return (
        "pesel,first_name,surname,link_code,cbtd_sha256,sc_sha256,podmiot_name,podmiot_kind,"
        "podmiot_eori,podmiot_excise,scope,systems,valid_from,pdr_id\n"
        f"{pesel},{first},{last},{code},{cbtd},{sc},Klient (TEST),company,{party},{CLIENT_EXCISE},"
        "extended,*,2019-01-01,PDR-1\n"
    )


async def test_a_migrated_pdr_person_before_and_after_linking(world: World) -> None:
    await world.registry.pdr.import_pdr(
        parse_pdr(pdr_file(ANNA, "Anna", "Nowak", "ONE-TIME-0001", sc=fingerprint("sc-agent")))
    )
    token = await world.account("anna@example.test")

    before = (await world.gateway.get("/api/v1/me", token))[1]
    assert before["person"] is None and before["podmioty"] == []
    status, problem = await world.send(token, "CC515C", CLIENT, "sc-agent")
    assert (status, problem["code"]) == (403, "SIGNER_UNKNOWN")
    assert "PDR" in problem["detail"]

    wrong = await world.gateway.http.post(
        f"{world.gateway.url}/api/v1/me/link",
        json={"pesel": ANNA, "code": "WRONG-CODE-1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert wrong.status == 422
    linked = await world.gateway.http.post(
        f"{world.gateway.url}/api/v1/me/link",
        json={"pesel": ANNA, "code": "ONE-TIME-0001"},
        headers={"Authorization": f"Bearer {token}"},
    )
    me = await linked.json()
    assert linked.status == 200, me
    assert me["account"]["level"] == "advanced"
    assert me["person"]["pesel"] == ANNA and me["person"]["status"] == "active"
    [podmiot] = me["podmioty"]
    assert podmiot["identifiers"]["EORI"] == CLIENT and podmiot["excise_numbers"] == [CLIENT_EXCISE]
    assert [(r["scope"], r["systems"], r["source"], r["in_force"]) for r in podmiot["rights"]] == [
        ("extended", "all", "pdr", True)
    ]

    status, receipt = await world.send(token, "CC515C", CLIENT, "sc-agent")
    assert status == 202, receipt
    assert receipt["rights"]["scope"] == "extended"

    # the code is spent
    again = await world.gateway.http.post(
        f"{world.gateway.url}/api/v1/me/link",
        json={"pesel": ANNA, "code": "ONE-TIME-0001"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert again.status == 422


async def test_a_cbtd_signer_from_pdr_data(world: World) -> None:
    await world.registry.pdr.import_pdr(
        parse_pdr(pdr_file(JAN, "Jan", "Kowalski", "ONE-TIME-0002", cbtd=fingerprint("cbtd-before-cutoff")))
    )
    token = await world.account("jan@example.test")
    await world.registry.linking.link("jan@example.test", JAN, "ONE-TIME-0002")
    status, receipt = await world.send(token, "IE818", CLIENT_EXCISE, "cbtd-before-cutoff")
    assert status == 202, receipt
    assert receipt["signer"]["kind"] == "cbtd"
    assert receipt["signer"]["person"] == f"PL{JAN}0000"
    assert receipt["rights"]["basis"] == "representation"
    assert any(w.startswith("CBTD_KEY_EXPIRES") for w in receipt["warnings"])


def registration(
    pesel: str, first: str, last: str, party: str, scope: Scope, systems: tuple[str, ...]
) -> Application:
    return Application(
        ApplicationKind.REGISTER,
        ApplicantPerson(pesel, first, last),
        PodmiotData("Klient (TEST)", "company", (("EORI", party), ("AKCR", CLIENT_EXCISE))),
        RepresentationRequest(scope, systems),
    )


async def send_application(
    world: World, token: str, application: Application, role: str
) -> tuple[int, dict[str, Any]]:
    body = signed(build_application(application, unique_params()), role)
    status, answer, _ = await world.gateway.post(body, token)
    return status, answer


async def receipt_of(world: World, reference: str, token: str) -> etree._Element:
    """The document's signed receipt, checked by xmlsec1 against the gateway's certificate."""
    url = f"{world.gateway.url}/api/v1/documents/{reference}/upo"
    async with world.gateway.http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200
        body = await response.read()
    assert xmlsec_verify(body, pinned=receipt_signer_dir() / DEMO_CERTIFICATE)
    return etree.fromstring(body)


async def admin(world: World, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    accounts = world.gateway.app[keys.SERVICES].administration.accounts
    if "officer@example.test" not in {a.login for a in await accounts.list()}:
        await accounts.add("officer@example.test", role="operator")
    token = await accounts.issue_token("officer@example.test")
    async with world.gateway.http.post(
        f"{world.gateway.url}/api/v1/admin{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    ) as response:
        return response.status, await response.json()


async def test_an_application_approved(world: World) -> None:
    # Anna is registered nowhere yet: her application registers her, the client and her rights.
    token = await world.account("anna@example.test")
    application = registration(ANNA, "Anna", "Nowak", CLIENT, Scope.EXTENDED, ("AES", "EMCSPL2"))
    status, receipt = await send_application(world, token, application, "sc-agent")
    assert status == 202, receipt
    assert (receipt["status"], receipt["system"], receipt["route"]) == ("pending", "SZPROT", None)
    assert receipt["rights"]["basis"] == "application"

    status, problem = await world.send(token, "CC515C", CLIENT, "sc-agent")
    assert (status, problem["code"]) == (403, "SIGNER_UNKNOWN"), "nothing takes effect before approval"

    status, decided = await admin(world, f"/applications/{receipt['reference']}/approve", {})
    assert status == 200, decided
    assert decided["status"] == "approved" and decided["decided_by"] == "officer@example.test"
    stored = (await world.gateway.get(f"/api/v1/documents/{receipt['reference']}", token))[1]
    assert stored["status"] == "accepted"

    me = (await world.gateway.get("/api/v1/me", token))[1]
    assert me["person"]["pesel"] == ANNA, "the sending account is linked to the registered person"
    [podmiot] = me["podmioty"]
    assert podmiot["identifiers"]["EORI"] == CLIENT and podmiot["excise_numbers"] == [CLIENT_EXCISE]
    assert [(r["scope"], r["systems"], r["source"]) for r in podmiot["rights"]] == [
        ("extended", ["AES", "EMCSPL2"], "application")
    ]
    status, accepted = await world.send(token, "CC515C", CLIENT, "sc-agent")
    assert status == 202, accepted
    assert accepted["rights"]["scope"] == "extended"

    # a second decision on the same application is refused
    assert (await admin(world, f"/applications/{receipt['reference']}/approve", {}))[0] == 422


async def test_an_application_rejected(world: World) -> None:
    token = await world.account("jan@example.test")
    application = registration(JAN, "Jan", "Kowalski", CLIENT, Scope.BASIC, ())
    status, receipt = await send_application(world, token, application, "sc-person")
    assert status == 202, receipt
    upo = await receipt_of(world, receipt["reference"], token)
    assert (upo.tag, upo.findtext("Status")) == (f"{{{RECEIPTS_NS}}}UPO", "pending")
    assert upo.find("Rights").get("basis") == "application"
    await world.registry.applications.reject(
        receipt["reference"], "no power of attorney enclosed", actor="officer"
    )
    stored = (await world.gateway.get(f"/api/v1/documents/{receipt['reference']}", token))[1]
    assert stored["status"] == "rejected"
    # the receipt of the present status: an NPP with the officer's reason beside the UPO issued before
    npp = await receipt_of(world, receipt["reference"], token)
    assert (npp.tag, npp.findtext("Status")) == (f"{{{RECEIPTS_NS}}}NPP", "rejected")
    assert [(e.get("code"), e.findtext("Message")) for e in npp.iterfind("Errors/Error")] == [
        ("APPLICATION_REJECTED", "no power of attorney enclosed")
    ]
    assert stored["errors"] == [
        {
            "code": "APPLICATION_REJECTED",
            "message": "no power of attorney enclosed",
            "line": None,
            "column": None,
            "path": None,
        }
    ]
    status, problem = await world.send(token, "CC515C", CLIENT, "sc-person")
    assert (status, problem["code"]) == (403, "SIGNER_UNKNOWN")


async def test_an_application_for_someone_else_is_refused(world: World) -> None:
    token = await world.account("jan@example.test")
    application = registration(ANNA, "Anna", "Nowak", CLIENT, Scope.EXTENDED, ())
    status, problem = await send_application(world, token, application, "sc-person")
    assert (status, problem["code"], reason_of(problem)) == (403, "RIGHTS_DENIED", "not-own-application")


async def test_a_deactivation_through_an_application(world: World) -> None:
    jan = await world.person(JAN, "Jan", "Kowalski", "sc-person")
    anna = await world.person(ANNA, "Anna", "Nowak", "sc-agent")
    await world.podmiot("Klient (TEST)", ("EORI", CLIENT))
    await world.registry.representations.grant(jan, CLIENT, "extended")
    await world.registry.representations.grant(anna, CLIENT, "basic")
    jan_token = await world.account("jan@example.test", jan)
    anna_token = await world.account("anna@example.test", anna)
    end = Application(
        ApplicationKind.DEACTIVATE,
        ApplicantPerson(ANNA, "Anna", "Nowak"),
        PodmiotData("", "", (("EORI", CLIENT),)),
        RepresentationRequest(Scope.BASIC),
    )
    # Anna's basic rights do not let her manage the Podmiot's representations
    status, problem = await send_application(world, anna_token, end, "sc-agent")
    assert (status, problem["code"], reason_of(problem)) == (403, "RIGHTS_DENIED", "basic-not-extended")
    status, receipt = await send_application(world, jan_token, end, "sc-person")
    assert status == 202, receipt
    assert (await world.send(anna_token, "CC515C", CLIENT, "sc-agent"))[0] == 202
    await world.registry.applications.approve(receipt["reference"])
    status, problem = await world.send(anna_token, "CC515C", CLIENT, "sc-agent")
    assert (status, problem["code"], reason_of(problem)) == (403, "RIGHTS_DENIED", "revoked")
