"""The byte budget that bounds how many bytes of documents a worker checks at once."""

from __future__ import annotations

import asyncio

import pytest

from gateway.services.assessment import ByteBudget


async def hold_until(
    budget: ByteBudget, size: int, release: asyncio.Event, log: list[str], name: str
) -> None:
    async with budget.hold(size):
        log.append(f"{name} in")
        await release.wait()
    log.append(f"{name} out")


async def test_holders_together_stay_within_the_limit() -> None:
    budget = ByteBudget(10)
    release = asyncio.Event()
    log: list[str] = []
    tasks = [asyncio.create_task(hold_until(budget, 4, release, log, name)) for name in "abc"]
    await asyncio.sleep(0.01)
    assert log == ["a in", "b in"] and budget.held == 8  # c would make 12
    release.set()
    await asyncio.gather(*tasks)
    assert "c in" in log and budget.held == 0


async def test_a_document_larger_than_the_limit_runs_alone() -> None:
    budget = ByteBudget(10)
    first, large = asyncio.Event(), asyncio.Event()
    log: list[str] = []
    small = asyncio.create_task(hold_until(budget, 3, first, log, "small"))
    await asyncio.sleep(0)
    big = asyncio.create_task(hold_until(budget, 50, large, log, "big"))
    after = asyncio.create_task(hold_until(budget, 1, large, log, "after"))
    await asyncio.sleep(0.01)
    # the big one waits for the small one; the one after it does not overtake it
    assert log == ["small in"]
    first.set()
    await asyncio.sleep(0.01)
    assert log == ["small in", "small out", "big in"] and budget.held == 10
    large.set()
    await asyncio.gather(small, big, after)
    assert log[-1] == "after out" and budget.held == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    budget = ByteBudget(10)
    release = asyncio.Event()
    log: list[str] = []
    holder = asyncio.create_task(hold_until(budget, 8, release, log, "holder"))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(hold_until(budget, 5, release, log, "waiting"))
    behind = asyncio.create_task(hold_until(budget, 2, release, log, "behind"))
    await asyncio.sleep(0.01)
    assert log == ["holder in"]
    waiting.cancel()
    await asyncio.sleep(0.01)
    assert log == ["holder in", "behind in"] and budget.held == 10
    release.set()
    await asyncio.gather(holder, behind)
    assert budget.held == 0


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ByteBudget(0)
