"""Small helpers shared by the ``gateway`` commands."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


def parse_size(text: str) -> int:
    units = {"KB": 1024, "K": 1024, "MB": 1024 * 1024, "M": 1024 * 1024, "B": 1}
    value = text.strip().upper()
    try:
        for unit, factor in units.items():
            if value.endswith(unit):
                return int(float(value[: -len(unit)]) * factor)
        return int(value)
    except ValueError:
        raise ValueError(f"size {text!r} is not a size such as 5KB, 500KB or 3MB") from None


def run_async(coroutine: Awaitable[int]) -> int:
    async def runner() -> int:
        return await coroutine

    return asyncio.run(runner())
