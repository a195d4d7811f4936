"""Token -> account answers remembered for a while: fresh ones from memory, stale ones asked again,
refusals never remembered, the memory bounded."""

from __future__ import annotations

import pytest

from gateway.core.domain import Sender
from gateway.core.errors import Unauthenticated
from gateway.services.token_cache import TokenCache


class Registry:
    def __init__(self) -> None:
        self.asked = 0
        self.revoked: set[str] = set()

    async def authenticate(self, token: str) -> Sender:
        self.asked += 1
        if token in self.revoked:
            raise Unauthenticated("revoked")
        return Sender(account_id=len(token), login=f"{token}@example.test")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_fresh_answer_costs_no_round_trip_and_a_revocation_shows_after_the_ttl() -> None:
    registry, clock = Registry(), Clock()
    cache = TokenCache(5.0, clock=clock)
    for _ in range(10):
        assert (await cache.sender("abc", registry.authenticate)).login == "abc@example.test"
    assert registry.asked == 1
    registry.revoked.add("abc")
    clock.now += 4.9
    await cache.sender("abc", registry.authenticate)  # within the TTL: still the cached answer
    clock.now += 0.2
    with pytest.raises(Unauthenticated):
        await cache.sender("abc", registry.authenticate)
    with pytest.raises(Unauthenticated):
        await cache.sender("abc", registry.authenticate)  # a refusal is not remembered
    assert registry.asked == 3


async def test_ttl_zero_asks_every_time() -> None:
    registry = Registry()
    cache = TokenCache(0)
    await cache.sender("abc", registry.authenticate)
    registry.revoked.add("abc")
    with pytest.raises(Unauthenticated):
        await cache.sender("abc", registry.authenticate)
    assert registry.asked == 2


async def test_forget_drops_every_answer() -> None:
    registry = Registry()
    cache = TokenCache(60)
    await cache.sender("abc", registry.authenticate)
    cache.forget()
    registry.revoked.add("abc")
    with pytest.raises(Unauthenticated):
        await cache.sender("abc", registry.authenticate)


async def test_the_cache_is_bounded_least_recently_used_out() -> None:
    registry = Registry()
    cache = TokenCache(60, size=2)
    for token in ("a", "bb", "a", "ccc"):  # "bb" is the least recently used when "ccc" comes
        await cache.sender(token, registry.authenticate)
    asked = registry.asked
    await cache.sender("a", registry.authenticate)
    await cache.sender("ccc", registry.authenticate)
    assert registry.asked == asked
    await cache.sender("bb", registry.authenticate)
    assert registry.asked == asked + 1
