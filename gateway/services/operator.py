"""What an operator watches in the console: readiness, the outbox and its dead letters, throughput
and refusals (from the gateway's own Prometheus metrics), and the registry's audit trail."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.metrics import Metrics
from gateway.adapters.storage.outbox import DeadLetter
from gateway.adapters.storage.registry.audit import AuditEvent, recent_events
from gateway.core.paging import DEFAULT_PAGE, check_limit
from gateway.services.health import HealthService, Readiness
from gateway.services.outbox import OutboxService

#: the outcomes of gateway_documents that are refusals (gateway/services/submission.py)
REFUSED_OUTCOMES = frozenset({"rejected", "not_stored", "conflict"})
#: how often the throughput is sampled, and how many samples are kept (an hour)
SAMPLE_SECONDS = 30.0
SAMPLES_KEPT = 120


@dataclass(frozen=True, slots=True)
class Totals:
    """gateway_documents summed since the process started."""

    at: datetime
    by_outcome: dict[str, float]
    refused_by_code: dict[str, float]

    @property
    def received(self) -> float:
        return sum(self.by_outcome.values())

    @property
    def refused(self) -> float:
        return sum(n for outcome, n in self.by_outcome.items() if outcome in REFUSED_OUTCOMES)


@dataclass(frozen=True, slots=True)
class ThroughputPoint:
    """Documents received and refused in the interval ending ``at``."""

    at: datetime
    seconds: float
    received: float
    refused: float


@dataclass(frozen=True, slots=True)
class Overview:
    readiness: Readiness
    totals: Totals
    throughput: tuple[ThroughputPoint, ...]
    #: rows the relay gave up on (past the retry cap), oldest first
    dead_letters: tuple[DeadLetter, ...]
    published: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


class MetricsHistory:
    """Samples of the document counters, so that rates can be drawn (kept in memory, per process)."""

    def __init__(self, metrics: Metrics, kept: int = SAMPLES_KEPT) -> None:
        self._metrics = metrics
        self._samples: deque[Totals] = deque(maxlen=kept)

    def totals(self, now: datetime) -> Totals:
        by_outcome: dict[str, float] = {}
        by_code: dict[str, float] = {}
        for family in self._metrics.documents.collect():
            for sample in family.samples:
                if not sample.name.endswith("_total"):
                    continue
                outcome, code = sample.labels["outcome"], sample.labels["code"]
                by_outcome[outcome] = by_outcome.get(outcome, 0.0) + sample.value
                if outcome in REFUSED_OUTCOMES and code:
                    by_code[code] = by_code.get(code, 0.0) + sample.value
        return Totals(now, by_outcome, by_code)

    def sample(self, now: datetime) -> None:
        self._samples.append(self.totals(now))

    def points(self, current: Totals) -> tuple[ThroughputPoint, ...]:
        """Per interval between samples, the last one ending now."""
        series = [*self._samples, current]
        return tuple(
            ThroughputPoint(
                after.at,
                max((after.at - before.at).total_seconds(), 0.001),
                after.received - before.received,
                after.refused - before.refused,
            )
            for before, after in itertools.pairwise(series)
        )


class OperatorService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        health: HealthService,
        outbox: OutboxService,
        metrics: Metrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._health = health
        self._outbox = outbox
        self._metrics = metrics
        self._clock = clock
        self.history = MetricsHistory(metrics)

    async def sample_every(self, seconds: float = SAMPLE_SECONDS) -> None:
        """Samples the counters until cancelled (a background task of the running gateway)."""
        while True:
            self.history.sample(self._clock())
            await asyncio.sleep(seconds)

    async def overview(self) -> Overview:
        readiness = await self._health.readiness()
        totals = self.history.totals(self._clock())
        published = sum(
            s.value for f in self._metrics.published.collect() for s in f.samples if s.name.endswith("_total")
        )
        return Overview(readiness, totals, self.history.points(totals), await self.dead_letters(), published)

    async def dead_letters(self) -> tuple[DeadLetter, ...]:
        """The outbox's dead letters, oldest first (as many as a page shows)."""
        return tuple(await self._outbox.dead_letters(DEFAULT_PAGE))

    async def requeue(self, reference: str) -> None:
        """Puts a dead letter back in the outbox (``NOT_FOUND`` if it is none)."""
        await self._outbox.requeue([reference])

    async def audit(self, *, before: int | None = None, limit: int = 50) -> list[AuditEvent]:
        """The registry's audit trail, newest first."""
        return await recent_events(self._sessions, before=before, limit=check_limit(limit))
