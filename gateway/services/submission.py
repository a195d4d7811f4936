"""Submitting a document: its assessment (checks and rights), storing, waking the relay.

The same service runs behind every channel (REST, SEAP, the console).  Nothing is answered as
received before its row is committed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum

from gateway.adapters.metrics import Metrics
from gateway.adapters.storage.documents import DocumentStore, StoreOutcome
from gateway.core.domain import Receipt, Sender, Submission, Verdict
from gateway.core.errors import GatewayError, RateLimited
from gateway.core.verdicts import Resend, in_conflict, resend_of
from gateway.services.assessment import Assessment

#: one line per document submitted, whatever the channel
DOCUMENT_LOG = logging.getLogger("gateway.documents")


class Outcome(Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    NOT_STORED = "not_stored"  # refused and not kept: unparseable or forbidden XML
    DRY_RUN = "dry_run"

    @property
    def refused(self) -> bool:
        return self in REFUSED


REFUSED = frozenset({Outcome.NOT_STORED, Outcome.REJECTED, Outcome.CONFLICT})

_FROM_STORE = {
    StoreOutcome.NEW: Outcome.NEW,
    StoreOutcome.DUPLICATE: Outcome.DUPLICATE,
    StoreOutcome.CONFLICT: Outcome.CONFLICT,
    StoreOutcome.REJECTED: Outcome.REJECTED,
}


@dataclass(frozen=True, slots=True)
class Submitted:
    outcome: Outcome
    #: the final verdict (for a dry run, with what a resend of a stored document would add)
    verdict: Verdict
    #: the stored document's receipt (None when nothing was stored, and for dry runs)
    receipt: Receipt | None
    received_at: datetime


class SubmissionService:
    def __init__(
        self,
        assessment: Assessment,
        store: DocumentStore,
        metrics: Metrics,
        on_committed: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_per_account: int = 32,
    ) -> None:
        self._assessment = assessment
        self._max_per_account = max_per_account
        #: submissions in progress per account (the event loop is the only writer)
        self._in_progress: Counter[int] = Counter()
        self._store = store
        self._metrics = metrics
        self._on_committed = on_committed
        self._clock = clock

    async def submit(
        self, sender: Sender, body: bytes, *, dry_run: bool = False, addressed_to: Collection[str] = ()
    ) -> Submitted:
        """``addressed_to``: the systems the sender named (SEAP's ``targetSystems``); a document of
        another system is refused with ``TARGET_SYSTEM_MISMATCH`` (and stored, like any refusal).

        An account with ``max_per_account`` submissions in progress is refused ``RATE_LIMITED``."""
        started = time.perf_counter()
        try:
            submitted = await self._limited(sender, body, dry_run, addressed_to)
        except GatewayError as error:  # the database away, a rate limit: told here, answered above
            _log_document(None, None, "failed", error.code, started)
            raise
        _log_document(submitted.receipt, submitted.verdict, submitted.outcome.value, None, started)
        return submitted

    async def _limited(
        self, sender: Sender, body: bytes, dry_run: bool, addressed_to: Collection[str]
    ) -> Submitted:
        account = sender.account_id
        if self._in_progress[account] >= self._max_per_account:
            raise RateLimited(
                f"this account has {self._max_per_account} submissions in progress, the most at once; "
                "send again when one has been answered"
            )
        self._in_progress[account] += 1
        try:
            return await self._submit(sender, body, dry_run, addressed_to)
        finally:
            self._in_progress[account] -= 1
            if not self._in_progress[account]:
                del self._in_progress[account]

    async def _submit(
        self, sender: Sender, body: bytes, dry_run: bool, addressed_to: Collection[str]
    ) -> Submitted:
        received_at = self._clock()
        verdict = await self._assessment.assess(body, received_at, frozenset(addressed_to))
        if dry_run:
            return Submitted(Outcome.DRY_RUN, await self._as_resend(sender, verdict), None, received_at)
        if not verdict.storable:
            self._count(verdict, Outcome.NOT_STORED)
            return Submitted(Outcome.NOT_STORED, verdict, None, received_at)
        stored = await self._store.store(Submission(body, sender, received_at), verdict)
        outcome = _FROM_STORE[stored.outcome]
        self._count(stored.receipt.verdict, outcome)
        if outcome is Outcome.NEW:
            self._on_committed()
        return Submitted(outcome, stored.receipt.verdict, stored.receipt, received_at)

    async def _as_resend(self, sender: Sender, verdict: Verdict) -> Verdict:
        """For a dry run: what storing would add, were a stored document to hold its identifier."""
        if not verdict.accepted or verdict.envelope is None:
            return verdict
        original = await self._store.find_duplicate(sender, verdict)
        if original is None:
            return verdict
        if resend_of(verdict, original) is Resend.CONFLICT:
            return in_conflict(verdict, original.reference)
        warning = f"DUPLICATE: the same document was stored as {original.reference}"
        return replace(verdict, warnings=(*verdict.warnings, warning))

    def _count(self, verdict: Verdict, outcome: Outcome) -> None:
        self._metrics.documents.labels(
            system=verdict.identification.system or "", outcome=outcome.value, code=verdict.refusal or ""
        ).inc()


def _log_document(
    receipt: Receipt | None, verdict: Verdict | None, outcome: str, code: str | None, started: float
) -> None:
    milliseconds = round((time.perf_counter() - started) * 1000, 1)
    identification = verdict.identification if verdict is not None else None
    fields = {
        "reference": receipt.reference if receipt is not None else None,
        "system": identification.system if identification is not None else None,
        "message_type": identification.message_type if identification is not None else None,
        "outcome": outcome,
        "code": code or (verdict.refusal if verdict is not None else None),
        "ms": milliseconds,
    }
    DOCUMENT_LOG.info("document %s %s", fields["reference"] or "-", outcome, extra={"fields": fields})
