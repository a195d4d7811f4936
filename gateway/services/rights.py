"""The rights stage: after the checks, before storing.

``apply_rights`` is pure (verdict + the registry's answer -> verdict); ``RightsCheck`` adds the one
registry query (or a cache hit) in front of it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.core.domain import Verdict
from gateway.core.errors import DocumentRejected, ErrorDetail, SignerUnknown
from gateway.core.registry.model import RegistryAnswer, SignerCredential
from gateway.core.registry.rights import RightsTable, check_applicant, decide
from gateway.core.verdicts import refused


def credential_of(verdict: Verdict) -> SignerCredential | None:
    signer = verdict.signer
    if signer is None:
        return None
    return SignerCredential(signer.kind, signer.certificate, signer.identifier, signer.scheme)


def apply_rights(verdict: Verdict, answer: RegistryAnswer, table: RightsTable, at: datetime) -> Verdict:
    """The verdict with the rights decision, or refused with ``SIGNER_UNKNOWN``/``RIGHTS_DENIED``."""
    envelope, credential, signer = verdict.envelope, credential_of(verdict), verdict.signer
    assert envelope is not None
    try:
        if credential is None or signer is None:
            message = "the message carries no verified signer"
            raise SignerUnknown(message, [ErrorDetail(SignerUnknown.code, message)])
        requirement = table.requirement(envelope.system, envelope.message_type)
        decision = decide(envelope, credential, answer, requirement, at)
        if verdict.application is not None and verdict.application.kind == "register":
            check_applicant(verdict.application, credential, answer)
    except DocumentRejected as refusal:
        return refused(verdict, refusal)
    person = decision.person or signer.person
    return replace(verdict, rights=decision, signer=replace(signer, person=person))


class RightsCheck:
    def __init__(self, table: RightsTable, lookup: RegistryLookup) -> None:
        self._table = table
        self.lookup = lookup

    async def apply(self, verdict: Verdict, at: datetime) -> Verdict:
        if not verdict.accepted or verdict.envelope is None:
            return verdict
        credential = credential_of(verdict)
        answer = (
            await self.lookup.answer(credential, verdict.envelope.acting_for)
            if credential is not None
            else RegistryAnswer(None, None)
        )
        return apply_rights(verdict, answer, self._table, at)
