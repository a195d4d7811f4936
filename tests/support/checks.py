"""The checks as a server runs them, for tests that call them without a server: the pipeline in
this thread, with the revocation statuses it lacks obtained first, as the assessment service does
(gateway/services/assessment.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from gateway.adapters.revocation import RevocationStatuses
from gateway.bootstrap import configured_revocation, configured_signature_stage
from gateway.config import CatalogSettings, ParsingSettings, SignatureSettings
from gateway.core.domain import Verdict
from gateway.core.pipeline import Checks, check
from gateway.core.validation.catalog import load_catalog


@dataclass(frozen=True)
class SettledChecks:
    checks: Checks
    revocation: RevocationStatuses

    def verdict(self, body: bytes, at: datetime) -> Verdict:
        async def run() -> Verdict:
            return await self.revocation.settle(None, partial(check, body, at, self.checks))

        return asyncio.run(run())


def settled_checks(settings: SignatureSettings) -> SettledChecks:
    revocation = configured_revocation(settings)
    stage = configured_signature_stage(settings, revocation)
    return SettledChecks(Checks(load_catalog(CatalogSettings().paths), stage, ParsingSettings()), revocation)
