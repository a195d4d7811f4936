"""The group commit's gathering: how many to a batch, how long the first waits, who hears what."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from gateway.adapters.storage.group_commit import TEST_HOLD_ENV, GroupCommit, hold_for_tests_from
from gateway.core.errors import OutcomeUnknown, Unavailable


class Recorder:
    """A batch writer that notes its batches; ``fail`` names items answered with an error, and
    ``lost`` makes the whole batch fail the way a lost COMMIT answer does."""

    def __init__(self, fail: frozenset[int] = frozenset(), lost: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.fail = fail
        self.lost = lost
        self.release = asyncio.Event()
        self.release.set()

    async def write(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        await self.release.wait()
        if self.lost:
            raise OutcomeUnknown("the COMMIT's answer was lost")
        return [ValueError(i) if i in self.fail else i * 10 for i in items]


async def test_concurrent_items_are_written_together_up_to_max_rows() -> None:
    recorder = Recorder()
    batches = GroupCommit(recorder.write, max_rows=4, max_wait_seconds=0.2)
    batches.start()
    answers = await asyncio.gather(*(batches.submit(i) for i in range(10)))
    await batches.stop()
    assert answers == [i * 10 for i in range(10)]
    assert [len(b) for b in recorder.batches] == [4, 4, 2]
    assert batches.batches == 3


async def test_a_lone_item_waits_at_most_max_wait() -> None:
    recorder = Recorder()
    batches = GroupCommit(recorder.write, max_rows=100, max_wait_seconds=0.05)
    batches.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await batches.submit(7) == 70
    waited = loop.time() - started
    await batches.stop()
    assert 0.04 <= waited < 1.0
    assert recorder.batches == [[7]]


async def test_the_next_batch_gathers_while_one_commits() -> None:
    recorder = Recorder()
    recorder.release.clear()
    batches = GroupCommit(recorder.write, max_rows=100, max_wait_seconds=0.0)
    batches.start()
    first = asyncio.ensure_future(batches.submit(1))
    await asyncio.sleep(0.01)
    assert recorder.batches == [[1]] and not first.done()  # no answer before its commit
    later = [asyncio.ensure_future(batches.submit(i)) for i in (2, 3, 4)]
    await asyncio.sleep(0.01)
    recorder.release.set()
    assert await asyncio.gather(first, *later) == [10, 20, 30, 40]
    await batches.stop()
    assert recorder.batches == [[1], [2, 3, 4]]


async def test_one_item_failing_fails_that_caller_alone() -> None:
    batches = GroupCommit(Recorder(fail=frozenset({2})).write, max_rows=10, max_wait_seconds=0.05)
    batches.start()
    answers = await asyncio.gather(*(batches.submit(i) for i in range(4)), return_exceptions=True)
    await batches.stop()
    assert answers[:2] == [0, 10] and answers[3] == 30
    assert isinstance(answers[2], ValueError)


async def test_a_batch_whose_commit_answer_was_lost_is_outcome_unknown_for_every_caller() -> None:
    batches = GroupCommit(Recorder(lost=True).write, max_rows=10, max_wait_seconds=0.05)
    batches.start()
    answers = await asyncio.gather(*(batches.submit(i) for i in range(3)), return_exceptions=True)
    await batches.stop()
    assert all(isinstance(a, OutcomeUnknown) for a in answers), answers


async def test_stop_writes_what_arrived_then_refuses_more() -> None:
    recorder = Recorder()
    batches = GroupCommit(recorder.write, max_rows=10, max_wait_seconds=5.0)
    batches.start()
    pending = [asyncio.ensure_future(batches.submit(i)) for i in range(3)]
    await asyncio.sleep(0.01)
    await batches.stop()  # does not wait out the 5 s
    assert [p.result() for p in pending] == [0, 10, 20]
    with pytest.raises(Unavailable):
        await batches.submit(9)


async def test_a_caller_gone_before_its_batch_is_left_out() -> None:
    recorder = Recorder()
    batches = GroupCommit(recorder.write, max_rows=10, max_wait_seconds=0.05)
    batches.start()
    gone = asyncio.ensure_future(batches.submit(1))
    kept = asyncio.ensure_future(batches.submit(2))
    await asyncio.sleep(0)
    gone.cancel()
    assert await kept == 20
    await batches.stop()
    assert recorder.batches == [[2]]


def test_the_test_hold_is_absent_unless_asked_for() -> None:
    assert hold_for_tests_from({}) is None
    assert hold_for_tests_from({TEST_HOLD_ENV: "2"}) is not None


async def test_the_test_hold_holds_only_the_batch_it_names() -> None:
    hold = hold_for_tests_from({TEST_HOLD_ENV: "2"})
    assert hold is not None
    await asyncio.wait_for(hold(), 1)  # the first batch goes on
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(hold(), 0.05)  # the second is held
