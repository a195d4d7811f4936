"""Assessing a document: the checks and the rights check, nothing stored.

What a submission, a dry run and ``gateway check`` have in common.  The checks are CPU work (parsing
and validating megabytes of XML), so they run in a thread pool and the event loop stays free.  A
check holds several times its document's size (the parsed tree, the canonical form), so the bytes
checked at once are bounded (:class:`ByteBudget`): a worker's memory does not grow with how many
large documents arrive together.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from datetime import datetime
from functools import partial

from gateway.adapters.metrics import Metrics
from gateway.adapters.revocation import RevocationStatuses
from gateway.core.domain import Verdict
from gateway.core.pipeline import Checks, check
from gateway.services.rights import RightsCheck


class ByteBudget:
    """At most ``limit`` bytes held at once; a request for more than the limit waits until nothing
    is held and then runs alone.  First come, first served: a large request is not overtaken for
    ever by small ones."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the byte budget must be positive")
        self.limit = limit
        self.held = 0
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []

    @contextlib.asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        size = max(1, min(size, self.limit))
        if self._waiting or self.held + size > self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append((size, waiter))
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._release(size)  # granted, then cancelled before it could be used
                else:
                    self._waiting.remove((size, waiter))
                    self._grant()
                raise
        else:
            self.held += size
        try:
            yield
        finally:
            self._release(size)

    def _release(self, size: int) -> None:
        self.held -= size
        self._grant()

    def _grant(self) -> None:
        while self._waiting and self.held + self._waiting[0][0] <= self.limit:
            size, waiter = self._waiting.pop(0)
            self.held += size
            waiter.set_result(None)


class Assessment:
    def __init__(
        self,
        checks: Checks,
        rights: RightsCheck,
        executor: Executor | None,
        metrics: Metrics,
        revocation: RevocationStatuses,
        check_bytes: int = 2 * 1024 * 1024,
    ) -> None:
        self._checks = checks
        self._rights = rights
        self._executor = executor
        self._metrics = metrics
        self._revocation = revocation
        self._budget = ByteBudget(check_bytes)

    async def assess(
        self, body: bytes, received_at: datetime, addressed_to: frozenset[str] = frozenset()
    ) -> Verdict:
        """The verdict of ``body`` received at ``received_at``, the rights decided;
        ``addressed_to``: the systems the sender named, if it named any."""
        async with self._budget.hold(len(body)):
            started = time.perf_counter()
            # in the executor; revocation statuses it lacks are fetched on the event loop, and the
            # checks run once more (gateway/adapters/revocation)
            verdict = await self._revocation.settle(
                self._executor, partial(check, body, received_at, self._checks, addressed_to)
            )
        self._metrics.check_seconds.observe(time.perf_counter() - started)
        self._metrics.document_bytes.observe(len(body))
        return await self._rights.apply(verdict, received_at)
