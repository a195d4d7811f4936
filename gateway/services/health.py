"""Liveness, readiness and the gauges of ``/metrics``: what an operator watches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import Broker
from gateway.adapters.metrics import Metrics
from gateway.adapters.receipt_signer import ReceiptSigner
from gateway.adapters.storage.database import ping
from gateway.adapters.storage.outbox import outbox_backlog


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


class HealthService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        signer: ReceiptSigner,
        metrics: Metrics,
        broker: Callable[[], Broker | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._metrics = metrics
        self._broker = broker
        self._clock = clock

    async def readiness(self) -> Readiness:
        """Ready means: documents can be accepted (the database answers).  The broker being away
        does not make the gateway unready, since the outbox holds messages until it is back; it is
        reported, with the backlog."""
        checks: dict[str, Any] = {}
        database_ok = True
        try:
            await ping(self._sessions)
            checks["database"] = {"ok": True}
        except Exception as exc:
            database_ok = False
            checks["database"] = {"ok": False, "error": type(exc).__name__}
        broker = self._broker()
        checks["broker"] = (
            {"ok": broker.connected} if broker is not None else {"ok": None, "relay": "disabled"}
        )
        if database_ok:
            backlog = await outbox_backlog(self._sessions)
            checks["outbox"] = {
                "pending": backlog.pending,
                "oldest_seconds": round(backlog.oldest_seconds(self._clock()), 3),
            }
        checks["receipts"] = self._receipt_signer()
        degraded = checks["broker"]["ok"] is False or not checks["receipts"]["ok"]
        status = "degraded" if degraded else "ready"
        return Readiness(status if database_ok else "unavailable", checks)

    async def metrics(self) -> bytes:
        """The Prometheus text, with the gauges read now."""
        registry = self._metrics
        now = self._clock()
        try:
            backlog = await outbox_backlog(self._sessions)
        except Exception:
            pass  # the database is away: the gauges keep their last values
        else:
            registry.backlog.set(backlog.pending)
            registry.backlog_age.set(backlog.oldest_seconds(now))
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
