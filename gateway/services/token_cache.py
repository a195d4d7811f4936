"""API token -> account, remembered for a short while so that a steady stream from one sender
costs no registry round trip per message.

Per process, bounded (least recently used first out).  A token revoked, or an account
deactivated, through this process is forgotten at once (every registry change calls
:meth:`TokenCache.forget`); one revoked elsewhere (the CLI, another worker) keeps working for at
most ``seconds`` (``registry.token_cache_seconds``).  ``seconds = 0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from gateway.core.domain import Sender


class TokenCache:
    def __init__(
        self, seconds: float, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._seconds = seconds
        self._size = size
        self._clock = clock
        # keyed by the token's hash: the tokens themselves are not kept in memory
        self._entries: OrderedDict[str, tuple[float, Sender]] = OrderedDict()

    async def sender(self, token: str, authenticate: Callable[[str], Awaitable[Sender]]) -> Sender:
        """The cached account of ``token`` while fresh, else ``authenticate(token)`` (whose refusal
        is not cached)."""
        if self._seconds <= 0:
            return await authenticate(token)
        key = hashlib.sha256(token.encode()).hexdigest()
        now = self._clock()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self._seconds:
            self._entries.move_to_end(key)
            return cached[1]
        sender = await authenticate(token)
        self._entries[key] = (now, sender)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return sender

    def forget(self) -> None:
        self._entries.clear()
