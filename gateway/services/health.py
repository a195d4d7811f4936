"""Liveness, readiness and the gauges of ``/metrics``: what an operator watches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import Broker
from gateway.adapters.metrics import Metrics
from gateway.adapters.receipt_signer import ReceiptSigner
from gateway.adapters.storage.database import ping
from gateway.adapters.storage.outbox import Backlog, outbox_backlog


@dataclass(frozen=True, slots=True)
class Readiness:
    #: ``ready``; ``degraded`` (the broker is away, or the receipt key has expired: documents are
    #: still accepted and wait in the outbox); ``unavailable`` (the database does not answer)
    status: str
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def accepting(self) -> bool:
        """Whether documents can be accepted now: the database answers."""
        return self.status != "unavailable"


#: ``/readyz`` answers within 1 s (SPEC.md section 2): what the database has not told by then is
#: reported as not known, and a database that has not answered at all as not ok
PROBE_SECONDS = 0.5


@dataclass
class _Probe:
    """One look at the database, filled in as its answers come."""

    task: asyncio.Task[None] | None = None
    answered: bool = False
    error: str | None = None
    backlog: Backlog | None = None


class HealthService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: ReceiptSigner,
        metrics: Metrics,
        broker: Callable[[], Broker | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        probe_seconds: float = PROBE_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._metrics = metrics
        self._broker = broker
        self._clock = clock
        self._probe_seconds = probe_seconds
        self._probe = _Probe()

    async def readiness(self) -> Readiness:
        """Ready means: documents can be accepted (the database answers).  The broker being away
        does not make the gateway unready, since the outbox holds messages until it is back; it is
        reported, with the backlog.  Answered within ``probe_seconds`` whatever the database does."""
        checks: dict[str, Any] = {}
        probe = await self._look()
        if probe.answered:
            checks["database"] = {"ok": True}
        else:
            checks["database"] = {"ok": False, "error": probe.error or "TimeoutError"}
        broker = self._broker()
        checks["broker"] = (
            {"ok": broker.connected} if broker is not None else {"ok": None, "relay": "disabled"}
        )
        if probe.backlog is not None:
            checks["outbox"] = {
                "pending": probe.backlog.pending,
                "oldest_seconds": round(probe.backlog.oldest_seconds(self._clock()), 3),
                "dead_letters": probe.backlog.dead,
            }
        checks["receipts"] = self._receipt_signer()
        degraded = checks["broker"]["ok"] is False or not checks["receipts"]["ok"]
        status = "degraded" if degraded else "ready"
        return Readiness(status if probe.answered else "unavailable", checks)

    async def _look(self) -> _Probe:
        """The database's answers as far as they came within the time allowed.  A look still
        running from an earlier call is waited for rather than a second one started, so that a
        database that hangs does not gather a crowd of probes."""
        probe = self._probe
        if probe.task is None or probe.task.done():
            probe = self._probe = _Probe()
            probe.task = asyncio.create_task(self._fill(probe), name="readiness probe")
        assert probe.task is not None
        await asyncio.wait({probe.task}, timeout=self._probe_seconds)
        return probe

    async def _fill(self, probe: _Probe) -> None:
        try:
            await ping(self._sessions)
            probe.answered = True
            probe.backlog = await outbox_backlog(self._sessions)
        except Exception as exc:
            probe.error = probe.error or type(exc).__name__

    async def metrics(self) -> bytes:
        """The Prometheus text, with the gauges read now (within ``probe_seconds``; the last values
        stay when the database does not answer)."""
        registry = self._metrics
        now = self._clock()
        probe = await self._look()
        if probe.backlog is not None:
            registry.backlog.set(probe.backlog.pending)
            registry.backlog_age.set(probe.backlog.oldest_seconds(now))
            registry.dead_letters.set(probe.backlog.dead)
        broker = self._broker()
        registry.broker_connected.set(1 if broker is not None and broker.connected else 0)
        registry.receipt_certificate_expiry.set(self._signer.seconds_left(now))
        return registry.render()

    def _receipt_signer(self) -> dict[str, Any]:
        """What an operator needs to know of the receipt key: which one, a demo or not, until when."""
        signer = self._signer
        return {
            "ok": signer.seconds_left(self._clock()) > 0,
            "certificate": signer.fingerprint,
            "demo": signer.demo,
            "expires": signer.certificate.not_valid_after_utc.isoformat(),
        }
