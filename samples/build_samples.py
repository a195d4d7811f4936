"""Rebuilds every sample message from the builders in ``gateway.demo.samplegen``, then the error corpus.

Inbound samples are signed with the test PKI in samples/pki (samples/sample_pki.py).

Run from the project root: ``.venv/bin/python samples/build_samples.py``.  Output is deterministic:
running it on an unchanged tree changes no file.
"""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path

from sample_pki import sign_sample

from gateway.core.registry.model import (
    ApplicantPerson,
    Application,
    ApplicationKind,
    PodmiotData,
    RepresentationRequest,
    Scope,
)
from gateway.demo.samplegen import SampleParams, build
from gateway.demo.samplegen.ncts2 import BUILDERS_0_9
from gateway.demo.samplegen.szprot import build_application

SAMPLES = Path(__file__).resolve().parent
NCTS_PARTY = "PL1234567890000"
AGENCY = "PL9876543210000"
EXCISE = "PL00000000001"


@dataclass(frozen=True)
class Sample:
    folder: str
    name: str
    message_type: str
    params: SampleParams
    #: the samples/pki role that signs it (inbound messages only)
    signer: str | None = None
    #: SZPROT: the application the message makes (written by ``build_application``)
    application: Application | None = None


def _params(
    prefix: str, reference: str, party: str, message_type: str, number: int, items: int, **extra: object
) -> SampleParams:
    return SampleParams(
        items=items,
        message_id=f"{prefix}-{message_type}-{number:04d}",
        reference=reference,
        party=party,
        seed=number,
        **extra,  # type: ignore[arg-type]
    )


def ncts(message_type: str, number: int, items: int = 2, **extra: object) -> SampleParams:
    return _params("NCTS2", f"26PLTRN{number:010d}", NCTS_PARTY, message_type, number, items, **extra)


def aes(message_type: str, number: int, items: int = 3, **extra: object) -> SampleParams:
    return _params("AES", f"26PLEXP{number:010d}", NCTS_PARTY, message_type, number, items, **extra)


def emcs(message_type: str, number: int, items: int = 3, **extra: object) -> SampleParams:
    return _params("EMCS", f"LRN-2026-{number:06d}", EXCISE, message_type, number, items, **extra)


def szprot(message_type: str, number: int) -> SampleParams:
    return _params("SZPROT", "", AGENCY, message_type, number, 1)


#: the persons behind the samples' test certificates (gateway/demo/samplegen/registry.py)
ANNA_NOWAK = ApplicantPerson(pesel="02070803628", first_name="Anna", surname="Nowak")
JAN_KOWALSKI = ApplicantPerson(pesel="44051401359", first_name="Jan", surname="Kowalski")
AGENCY_APPLICATION = Application(
    kind=ApplicationKind.REGISTER,
    person=ANNA_NOWAK,
    podmiot=PodmiotData(
        name="Agencja Celna Przykładowa (TEST)",
        kind="agency",
        identifiers=(("EORI", AGENCY), ("NIP", "9876543210")),
    ),
    representation=RepresentationRequest(scope=Scope.EXTENDED),
)
EXCISE_APPLICATION = Application(
    kind=ApplicationKind.REGISTER,
    person=JAN_KOWALSKI,
    podmiot=PodmiotData(
        name="Skład Podatkowy Przykładowy Sp. z o.o. (TEST)",
        kind="company",
        identifiers=(("EORI", "PL5260250274000"), ("NIP", "5260250274"), ("AKCR", "PL00000000002")),
        data_source="KRS",
    ),
    representation=RepresentationRequest(scope=Scope.BASIC, systems=("EMCSPL2",)),
)
AGENCY_DEACTIVATION = Application(
    kind=ApplicationKind.DEACTIVATE,
    person=ANNA_NOWAK,
    podmiot=PodmiotData(name="", kind="", identifiers=(("EORI", AGENCY),)),
    # no scope is read for a deactivation (gateway/core/registry/applications.py)
    representation=RepresentationRequest(scope=Scope.BASIC),
)

NOT_INBOUND = "errors/SCHEMA_NOT_INBOUND"
SAMPLES_TO_BUILD = [
    *(Sample("valid/NCTS2", f"{t}.xml", t, ncts(t, 1), "sc-person") for t in ("CC015C", "CC013C", "CC014C")),
    Sample("valid/NCTS2", "CC170C.xml", "CC170C", ncts("CC170C", 1), "qualified-person"),
    Sample("valid/NCTS2", "CC007C.xml", "CC007C", ncts("CC007C", 1), "epuap-seal"),
    Sample("valid/NCTS2", "CC044C.xml", "CC044C", ncts("CC044C", 1), "sc-agent"),
    Sample(
        "valid/NCTS2",
        "CC015C-representative.xml",
        "CC015C",
        ncts("CC015C", 2, representative=AGENCY),
        "sc-agent",
    ),
    Sample("valid/NCTS2", "CC015C-large.xml", "CC015C", ncts("CC015C", 3, items=26), "sc-person"),
    Sample("valid/AES", "CC515C.xml", "CC515C", aes("CC515C", 1), "qualified-person"),
    Sample("valid/AES", "CC513C.xml", "CC513C", aes("CC513C", 1), "epuap-seal"),
    Sample("valid/AES", "CC514C.xml", "CC514C", aes("CC514C", 1), "sc-person"),
    Sample(
        "valid/AES",
        "CC515C-representative.xml",
        "CC515C",
        aes("CC515C", 2, items=4, representative=AGENCY),
        "qualified-nip",
    ),
    Sample("valid/EMCSPL2", "IE815.xml", "IE815", emcs("IE815", 1), "qualified-nip"),
    Sample("valid/EMCSPL2", "IE818.xml", "IE818", emcs("IE818", 1), "cbtd-before-cutoff"),
    Sample("valid/EMCSPL2", "IE810.xml", "IE810", emcs("IE810", 1), "sc-person"),
    Sample("valid/EMCSPL2", "IE813.xml", "IE813", emcs("IE813", 1), "epuap-seal"),
    Sample("valid/EMCSPL2", "IE815-large.xml", "IE815", emcs("IE815", 2, items=90), "sc-agent"),
    Sample(
        "valid/SZPROT",
        "RegApplication.xml",
        "RegApplication",
        szprot("RegApplication", 1),
        "sc-agent",
        AGENCY_APPLICATION,
    ),
    Sample(
        "valid/SZPROT",
        "RegApplication-excise.xml",
        "RegApplication",
        szprot("RegApplication", 2),
        "sc-person",
        EXCISE_APPLICATION,
    ),
    Sample(
        "valid/SZPROT",
        "RepChange-deactivate.xml",
        "RepChange",
        szprot("RepChange", 1),
        "sc-agent",
        AGENCY_DEACTIVATION,
    ),
    *(Sample(NOT_INBOUND, f"NCTS2-{t}.xml", t, ncts(t, 1)) for t in ("CC028C", "CC029C", "CC056C", "CC928C")),
    *(Sample(NOT_INBOUND, f"AES-{t}.xml", t, aes(t, 1)) for t in ("CC528C", "CC529C")),
    *(Sample(NOT_INBOUND, f"EMCSPL2-{t}.xml", t, emcs(t, 1)) for t in ("IE801", "IE704")),
]


def main() -> None:
    for sample in SAMPLES_TO_BUILD:
        folder = SAMPLES / sample.folder
        folder.mkdir(parents=True, exist_ok=True)
        if sample.application is not None:
            body = build_application(sample.application, sample.params)
        else:
            body = build(sample.message_type, sample.params)
        if sample.signer is not None:
            body = sign_sample(body, sample.signer, token=sample.params.message_id)
        (folder / sample.name).write_bytes(body)
    expired = SAMPLES / "errors" / "SCHEMA_VERSION_INACTIVE"
    expired.mkdir(parents=True, exist_ok=True)
    old = SampleParams(items=2, message_id="NCTS2-CC015C-0900", reference="24PLTRN0000000900", seed=900)
    (expired / "NCTS2-CC015C-0.9.xml").write_bytes(BUILDERS_0_9["CC015C"](old))
    print(f"{len(SAMPLES_TO_BUILD) + 1} samples written")

    runpy.run_path(str(SAMPLES / "build_error_samples.py"), run_name="__main__")


if __name__ == "__main__":
    main()
