"""Assessing a document: the checks and the rights check, nothing stored.

What a submission, a dry run and ``gateway check`` have in common.  The checks are CPU work (parsing
and validating megabytes of XML), so they run in a thread pool and the event loop stays free.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from datetime import datetime
from functools import partial

from gateway.adapters.metrics import Metrics
from gateway.adapters.revocation import RevocationStatuses
from gateway.core.domain import Verdict
from gateway.core.pipeline import Checks, check
from gateway.services.rights import RightsCheck


class Assessment:
    def __init__(
        self,
        checks: Checks,
        rights: RightsCheck,
        executor: Executor | None,
        metrics: Metrics,
        revocation: RevocationStatuses,
    ) -> None:
        self._checks = checks
        self._rights = rights
        self._executor = executor
        self._metrics = metrics
        self._revocation = revocation

    async def assess(
        self, body: bytes, received_at: datetime, addressed_to: frozenset[str] = frozenset()
    ) -> Verdict:
        """The verdict of ``body`` received at ``received_at``, the rights decided;
        ``addressed_to``: the systems the sender named, if it named any."""
        started = time.perf_counter()
        # in the executor; revocation statuses it lacks are fetched on the event loop, and the
        # checks run once more (gateway/adapters/revocation)
        verdict = await self._revocation.settle(
            self._executor, partial(check, body, received_at, self._checks, addressed_to)
        )
        self._metrics.check_seconds.observe(time.perf_counter() - started)
        self._metrics.document_bytes.observe(len(body))
        return await self._rights.apply(verdict, received_at)
