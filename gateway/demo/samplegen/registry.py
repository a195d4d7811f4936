"""The registry the sample messages were made for: the persons behind the test certificates of
samples/pki, the Podmioty the samples act for, and representations that allow every valid sample.

Loaded by ``gateway samples registry`` (for testers replaying ``samples/valid``) and by the tests.
All of it is TEST data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from gateway.demo.samplegen.signing import SAMPLE_PKI, sample_signer
from gateway.services.registry.administration import RegistryAdministration

SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SamplePerson:
    first_name: str
    surname: str
    pesel: str
    nip: str | None
    #: samples/pki roles whose certificates are this person's SC certificates or CBTD keys
    credentials: tuple[str, ...]


SAMPLE_PERSONS = (
    SamplePerson("Jan", "Kowalski", "44051401359", None, ("sc-person",)),
    SamplePerson("Anna", "Nowak", "02070803628", None, ("sc-agent",)),
    # qualified signers are matched by the PESEL or NIP their certificates carry
    SamplePerson("Piotr", "Wiśniewski", "81010200134", None, ()),
    SamplePerson("Katarzyna", "Zielińska", "85061512347", "5260250274", ("cbtd-before-cutoff",)),
)

SAMPLE_PODMIOTY: tuple[dict[str, Any], ...] = (
    {
        "name": "Przykładowa Spółka z o.o. (TEST)",
        "kind": "company",
        "data_source": "KRS",
        "identifiers": (("EORI", "PL1234567890000"), ("AKCR", "PL00000000001")),
    },
    {
        "name": "Agencja Celna Przykładowa (TEST)",
        "kind": "agency",
        "data_source": None,
        "identifiers": (("EORI", "PL9876543210000"),),
    },
)


async def seed_sample_registry(
    registry: RegistryAdministration, pki: Path = SAMPLE_PKI, actor: str = "samples"
) -> None:
    """Every sample person holds extended rights for every sample Podmiot, in every system."""
    for person in SAMPLE_PERSONS:
        added = await registry.persons.add(
            first_name=person.first_name,
            surname=person.surname,
            pesel=person.pesel,
            nip=person.nip,
            actor=actor,
        )
        for role in person.credentials:
            signer = sample_signer(role, pki)
            await registry.persons.add_credential(
                added.person.id_sisc,
                "cbtd" if signer.kind == "cbtd" else "sc",
                certificate_pem=signer.certificate.public_bytes(serialization.Encoding.PEM),
                actor=actor,
            )
    for podmiot in SAMPLE_PODMIOTY:
        await registry.podmioty.add(**podmiot, actor=actor)
        for person in SAMPLE_PERSONS:
            await registry.representations.grant(
                person.pesel, podmiot["identifiers"][0][1], "extended", valid_from=SINCE, actor=actor
            )
