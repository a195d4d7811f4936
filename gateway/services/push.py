"""Delivering the customs systems' responses to the accounts' own WS_PUSH endpoints.

A background task of every gateway process (started by gateway/bootstrap.py): it plans a delivery
for each response an account with an endpoint may read, claims due deliveries (several processes
share the work: gateway/adapters/storage/push.py), sends each with WS_PUSH ``AcceptDocument`` and
records the attempt.  A failed attempt is retried after ``base * 2**(n-1)`` seconds (at most
``max``) until ``push_max_attempts``, then the delivery is ``failed`` for an operator to see and
retry.  The responses stay in the mailbox whatever happens here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gateway.adapters.logs import Dependency, Repeats, database_dependency
from gateway.adapters.push_client import PushClient, PushUnreachable
from gateway.adapters.storage.access import ReadRules
from gateway.adapters.storage.errors import database_away
from gateway.adapters.storage.push import AttemptResult, DueDelivery, PushStore
from gateway.config import ParsingSettings, SeapSettings
from gateway.core.seap.channel import (
    ChannelDocument,
    PushRefused,
    push_answer,
    push_request,
    response_document,
)

log = logging.getLogger(__name__)


def retry_delay(failed_attempts: int, base: float, cap: float) -> timedelta:
    """The wait after the ``failed_attempts``-th failure: doubling from ``base``, at most ``cap``."""
    exponent = min(max(failed_attempts - 1, 0), 30)
    return timedelta(seconds=min(base * 2**exponent, cap))


def pushed_document(delivery: DueDelivery) -> ChannelDocument:
    return response_document(
        delivery.body, delivery.response_message_id, delivery.reference, delivery.parties
    )


class PushDeliveries:
    def __init__(
        self,
        store: PushStore,
        read_rules: ReadRules,
        client: PushClient,
        settings: SeapSettings,
        parsing: ParsingSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        database_state: Dependency | None = None,
    ) -> None:
        self._store = store
        #: the database going and coming back, told once each (not at every pass)
        self._database_state = database_state or database_dependency("push delivery", "database")
        self._unexpected = Repeats(log, "push delivery pass")
        self._read_rules = read_rules
        self._client = client
        self._settings = settings
        self._parsing = parsing
        self._clock = clock

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.plan()
                    while await self.deliver_due() == self._settings.push_batch_size:
                        pass
                except Exception as exc:
                    # the database may be away; delivery must outlive that and go on afterwards
                    if database_away(exc):
                        self._database_state.failed(exc, self._settings.push_poll_seconds)
                    else:
                        self._unexpected.failed(exc)
                else:
                    self._database_state.succeeded()
                    self._unexpected.succeeded()
                await asyncio.sleep(self._settings.push_poll_seconds)
        finally:
            await self._client.close()

    async def plan(self) -> int:
        made = 0
        for endpoint in await self._store.endpoints():
            readers = await self._read_rules.readers(endpoint.account_id, self._clock())
            made += await self._store.plan(endpoint, readers, self._clock())
        return made

    async def deliver_due(self) -> int:
        """One batch of due deliveries, sent concurrently; how many were claimed."""
        lease = timedelta(seconds=self._settings.push_timeout_seconds * 2 + 5)
        due = await self._store.claim(self._clock(), lease, self._settings.push_batch_size)
        await asyncio.gather(*(self._deliver(delivery) for delivery in due))
        return len(due)

    async def _deliver(self, delivery: DueDelivery) -> None:
        result = await self._attempt(delivery)
        failed = delivery.attempts + 1
        give_up = not result.delivered and 0 < self._settings.push_max_attempts <= failed
        now = self._clock()
        retry_at = None
        if not result.delivered and not give_up:
            retry_at = now + retry_delay(
                failed, self._settings.push_retry_base_seconds, self._settings.push_retry_max_seconds
            )
        status = await self._store.record(delivery, result, now, retry_at)
        if not result.delivered:
            log.info(
                "push %s to %s: attempt %d failed (%s); %s",
                delivery.id,
                delivery.url,
                failed,
                result.detail,
                status,
            )

    async def _attempt(self, delivery: DueDelivery) -> AttemptResult:
        request = push_request(pushed_document(delivery), to=delivery.url)
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            answer = await self._client.post(delivery.url, request.body, request.soap_action)
        except PushUnreachable as exc:
            return AttemptResult(False, elapsed(), detail=str(exc)[:1000])
        try:
            remote_ref = push_answer(answer.body, self._parsing)
        except PushRefused as exc:
            return AttemptResult(False, elapsed(), answer.status, f"HTTP {answer.status}: {exc}"[:1000])
        if answer.status != 200:
            return AttemptResult(False, elapsed(), answer.status, f"HTTP {answer.status}")
        return AttemptResult(True, elapsed(), answer.status, remote_ref=remote_ref[:200])
