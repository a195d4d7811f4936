"""Importing a PDR migration file (docs/registry.md): all of it, or nothing.

Migrated persons are present but unused until an account is linked to them by the PESEL and the
one-time code the file carries; their representations keep the rights, systems and validity they
had in PDR.
"""

from __future__ import annotations

from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.errors import ErrorDetail, RegistryConflict, RegistryError
from gateway.core.passwords import hash_secret
from gateway.core.registry import rules
from gateway.core.registry.model import PersonStatus, Source
from gateway.core.registry.pdr import PdrFile, PdrFormatError, parse_pdr
from gateway.core.registry.views import PersonView


class PdrImport:
    def __init__(
        self,
        trail: AuditTrail,
        persons: PersonStore,
        podmioty: PodmiotStore,
        representations: RepresentationStore,
    ) -> None:
        self._trail = trail
        self._persons = persons
        self._podmioty = podmioty
        self._representations = representations

    async def import_file(self, data: bytes, actor: str = "cli") -> dict[str, int]:
        """The file as sent (UTF-8 CSV); every error of it at once, with its line and column."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RegistryError(f"the PDR file is not UTF-8 (byte {exc.start})") from None
        try:
            pdr = parse_pdr(text)
        except PdrFormatError as exc:
            count = len(exc.errors)
            raise RegistryError(
                f"{count} error{'s' if count != 1 else ''} in the PDR file; nothing was imported",
                [
                    ErrorDetail(RegistryError.code, error.message, error.line, None, error.column)
                    for error in exc.errors
                ],
            ) from None
        return await self.import_pdr(pdr, actor)

    async def import_pdr(self, pdr: PdrFile, actor: str = "cli") -> dict[str, int]:
        """How many persons, credentials, Podmioty and representations were added."""
        counts = {"persons": 0, "credentials": 0, "podmioty": 0, "representations": 0}
        async with self._trail.change(actor, "pdr.import", f"{len(pdr.persons)} persons") as change:
            persons: dict[str, PersonView] = {}
            for record in pdr.persons:
                if await self._persons.by_pesel(change, record.pesel) is not None:
                    raise RegistryConflict(f"line {record.line}: PESEL {record.pesel} is registered already")
                person = await self._persons.add(
                    change,
                    id_sisc=record.id_sisc or rules.id_sisc(record.pesel, record.eori),
                    pesel=record.pesel,
                    eori=record.eori,
                    first_name=record.first_name,
                    surname=record.surname,
                    status=PersonStatus.MIGRATED,
                    source=Source.PDR,
                    link_code_hash=hash_secret(record.link_code),
                )
                persons[record.pesel] = person
                counts["persons"] += 1
                for kind, fingerprints in (("cbtd", record.cbtd_sha256), ("sc", record.sc_sha256)):
                    for fingerprint in fingerprints:
                        await self._persons.add_credential(change, person.id, kind, fingerprint)
                        counts["credentials"] += 1
            for entry in pdr.representations:
                data = entry.podmiot
                podmiot = await self._podmioty.find(change, [value for _, value in data.identifiers])
                if podmiot is None:
                    podmiot = await self._podmioty.add(
                        change, data.name, data.kind, data.data_source, Source.PDR
                    )
                    await self._podmioty.add_identifiers(
                        change, podmiot.id, rules.identifiers(data.identifiers)
                    )
                    counts["podmioty"] += 1
                await self._representations.add(
                    change,
                    persons[entry.pesel].id,
                    podmiot.id,
                    entry.scope,
                    rules.systems(entry.systems),
                    entry.valid_from,
                    entry.valid_to,
                    Source.PDR,
                    granted_by=entry.granted_by or "PDR",
                    origin=entry.pdr_id,
                )
                counts["representations"] += 1
        return counts
