"""The application service: checks a submission, asks the registry, stores it, wakes the relay.

The checks are CPU work (parsing and validating megabytes of XML), so they run in a thread pool
and the event loop stays free for other requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import partial

from gateway.adapters.metrics import Metrics
from gateway.adapters.revocation import RevocationStatuses
from gateway.adapters.storage.documents import DocumentStore, StoreOutcome
from gateway.core.domain import Receipt, Sender, Submission, Verdict
from gateway.core.pipeline import Checks, check
from gateway.services.rights import RightsCheck


class Outcome(Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    NOT_STORED = "not_stored"  # refused and not kept: unparseable or forbidden XML
    DRY_RUN = "dry_run"


_FROM_STORE = {
    StoreOutcome.NEW: Outcome.NEW,
    StoreOutcome.DUPLICATE: Outcome.DUPLICATE,
    StoreOutcome.CONFLICT: Outcome.CONFLICT,
    StoreOutcome.REJECTED: Outcome.REJECTED,
}


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Outcome
    verdict: Verdict
    receipt: Receipt | None
    received_at: datetime
    #: for dry runs: the stored document this one would duplicate or conflict with
    duplicate_of: Receipt | None = None


class Intake:
    def __init__(
        self,
        checks: Checks,
        rights: RightsCheck,
        store: DocumentStore,
        executor: Executor | None,
        metrics: Metrics,
        revocation: RevocationStatuses,
        on_committed: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._checks = checks
        self._rights = rights
        self._store = store
        self._executor = executor
        self._metrics = metrics
        self._revocation = revocation
        self._on_committed = on_committed
        self._clock = clock

    async def submit(self, sender: Sender, body: bytes, *, dry_run: bool = False) -> Submitted:
        received_at = self._clock()
        started = time.perf_counter()
        # in the executor; revocation statuses it lacks are fetched here, and it runs once more
        verdict = await self._revocation.settle(
            self._executor, partial(check, body, received_at, self._checks)
        )
        self._metrics.check_seconds.observe(time.perf_counter() - started)
        self._metrics.document_bytes.observe(len(body))
        verdict = await self._rights.apply(verdict, received_at)
        if dry_run:
            duplicate = await self._store.find_duplicate(sender, verdict)
            return Submitted(Outcome.DRY_RUN, verdict, None, received_at, duplicate)
        if not verdict.storable:
            self._count(verdict, Outcome.NOT_STORED)
            return Submitted(Outcome.NOT_STORED, verdict, None, received_at)
        stored = await self._store.store(Submission(body, sender, received_at), verdict)
        outcome = _FROM_STORE[stored.outcome]
        self._count(stored.receipt.verdict, outcome)
        if outcome is Outcome.NEW:
            self._on_committed()
        return Submitted(outcome, stored.receipt.verdict, stored.receipt, received_at)

    def _count(self, verdict: Verdict, outcome: Outcome) -> None:
        self._metrics.documents.labels(
            system=verdict.identification.system or "", outcome=outcome.value, code=verdict.refusal or ""
        ).inc()
