"""One account cannot hold more than ``max_per_account`` submissions in progress (issue 16, point 5):
one more is ``429 RATE_LIMITED`` with Retry-After; other accounts are not affected, and the slot is
given back when a submission ends, whatever its outcome."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, cast

import pytest

from gateway.core.domain import Identification, Sender, Verdict
from gateway.core.errors import RateLimited
from gateway.services.submission import Outcome, SubmissionService


class HeldAssessment:
    """An assessment that waits until released: submissions stay in progress meanwhile."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def assess(self, body: bytes, received_at: datetime, addressed_to: frozenset[str]) -> Verdict:
        await self.release.wait()
        if body == b"boom":
            raise RuntimeError("the check failed")
        return Verdict(digest="sha256:00", identification=Identification())


def service(assessment: HeldAssessment, limit: int) -> SubmissionService:
    return SubmissionService(cast(Any, assessment), cast(Any, None), cast(Any, None), max_per_account=limit)


async def test_one_submission_past_the_limit_is_rate_limited_and_others_are_not() -> None:
    held = HeldAssessment()
    submissions = service(held, 2)
    busy, other = Sender(1, "busy@example.test"), Sender(2, "other@example.test")
    first = [asyncio.create_task(submissions.submit(busy, b"<x/>", dry_run=True)) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(RateLimited) as refused:
        await submissions.submit(busy, b"<x/>", dry_run=True)
    assert (refused.value.status, refused.value.retry_after) == (429, 1)
    theirs = asyncio.create_task(submissions.submit(other, b"<x/>", dry_run=True))
    await asyncio.sleep(0)
    held.release.set()
    assert [s.outcome for s in await asyncio.gather(*first, theirs)] == [Outcome.DRY_RUN] * 3
    assert (await submissions.submit(busy, b"<x/>", dry_run=True)).outcome is Outcome.DRY_RUN


async def test_a_failed_submission_gives_its_slot_back() -> None:
    held = HeldAssessment()
    held.release.set()
    submissions = service(held, 1)
    sender = Sender(1, "a@example.test")
    with pytest.raises(RuntimeError):
        await submissions.submit(sender, b"boom", dry_run=True)
    assert (await submissions.submit(sender, b"<x/>", dry_run=True)).outcome is Outcome.DRY_RUN
