"""Group commit: concurrent writes gathered into one transaction.

Callers hand an item to :meth:`GroupCommit.submit` and wait.  One writer task takes what has
arrived, up to ``max_rows`` items or until the oldest has waited ``max_wait_seconds``, whichever
comes first, and hands the batch to ``write``, which commits it and gives one answer per item (a
result, or the error that item gets).  A caller's wait ends only after the commit that holds its
item, so that a 2xx still means stored.

While one batch commits, the next one gathers: under load a batch fills while the previous
COMMIT's round trip and fsync are under way, and no item waits longer than it takes one commit plus
``max_wait_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from gateway.core.errors import Unavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: a batch writer's answer for each of its items, in their order: a result, or the error raised to
#: that item's caller
Answers = Sequence["R | BaseException"]

STOPPED = "the gateway is stopping; nothing was stored, try again"

#: For tests only, never set in production: ``n`` holds the ``n``-th batch of a process forever
#: after its rows were written and before its COMMIT, so that a test can kill the process there.
TEST_HOLD_ENV = "GATEWAY_TEST_HOLD_BEFORE_GROUP_COMMIT"
TEST_HOLD_MESSAGE = "TEST HOOK: holding a group commit before its COMMIT"

BeforeCommit = Callable[[], Awaitable[None]]


@dataclass(slots=True)
class _Pending(Generic[T, R]):
    item: T
    arrived: float
    future: asyncio.Future[R] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class GroupCommit(Generic[T, R]):
    def __init__(
        self,
        write: Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_rows: int,
        max_wait_seconds: float,
    ) -> None:
        if max_rows < 1 or max_wait_seconds < 0:
            raise ValueError("a group commit needs max_rows >= 1 and max_wait_seconds >= 0")
        self._write = write
        self._max_rows = max_rows
        self._max_wait = max_wait_seconds
        self._queue: asyncio.Queue[_Pending[T, R] | None] = asyncio.Queue()  # None: the end
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.batches = 0  # batches written (for the tests and the benchmark)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="group commit")

    async def submit(self, item: T) -> R:
        """``item``'s answer, once the transaction holding it has committed."""
        if self._stopping or self._task is None:
            raise Unavailable(STOPPED)
        pending: _Pending[T, R] = _Pending(item, asyncio.get_running_loop().time())
        self._queue.put_nowait(pending)
        return await pending.future

    async def stop(self) -> None:
        """Writes what has arrived, then ends the writer; later submissions are refused."""
        self._stopping = True
        if self._task is None:
            return
        self._queue.put_nowait(None)
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        finally:
            self._task = None

    async def _run(self) -> None:
        while True:
            batch, end = await self._gather()
            if batch:
                await self._commit(batch)
            if end:
                return

    async def _gather(self) -> tuple[list[_Pending[T, R]], bool]:
        """The next batch, and whether the end marker came with it."""
        loop = asyncio.get_running_loop()
        first = await self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        deadline = first.arrived + self._max_wait
        while len(batch) < self._max_rows:
            try:
                pending = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    pending = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if pending is None:
                return batch, True
            batch.append(pending)
        return batch, False

    async def _commit(self, batch: list[_Pending[T, R]]) -> None:
        # a caller that has gone (its request cancelled) before its item was written is left out
        batch = [pending for pending in batch if not pending.future.done()]
        if not batch:
            return
        self.batches += 1
        try:
            answers: Sequence[R | BaseException] = await self._write([p.item for p in batch])
        except asyncio.CancelledError:
            for pending in batch:
                _answer(pending.future, Unavailable(STOPPED))
            raise
        except BaseException as exc:  # the batch as a whole failed: each of its callers hears it
            log.debug("group commit of %d items failed: %r", len(batch), exc)
            answers = [exc] * len(batch)
        assert len(answers) == len(batch), "one answer per item"
        for pending, answer in zip(batch, answers, strict=True):
            _answer(pending.future, answer)


def _answer(future: asyncio.Future[R], answer: R | BaseException) -> None:
    if future.done():
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)


def hold_for_tests_from(environ: Mapping[str, str] | None = None) -> BeforeCommit | None:
    """The test-only hold (:data:`TEST_HOLD_ENV`) when the environment asks for it; None (no hook at
    all) otherwise, which is always the case in production."""
    value = (os.environ if environ is None else environ).get(TEST_HOLD_ENV, "").strip()
    if not value:
        return None
    hold_at = int(value)
    seen = 0

    async def hold() -> None:
        nonlocal seen
        seen += 1
        if seen == hold_at:
            log.warning("%s (batch %d)", TEST_HOLD_MESSAGE, seen)
            await asyncio.Event().wait()

    return hold
