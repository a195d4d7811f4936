"""An in-memory publisher with the real one's contract, for unit tests of the relay."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gateway.adapters.broker.broker import BrokerUnavailable, PublishRefused


@dataclass(frozen=True, slots=True)
class Published:
    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: Mapping[str, str]
    timestamp: datetime


@dataclass
class MemoryPublisher:
    published: list[Published] = field(default_factory=list)
    #: while False, every call fails as a broker that cannot be reached
    reachable: bool = True
    #: message ids the "broker" returns as unroutable
    refuse: set[str] = field(default_factory=set)

    async def ensure_connected(self) -> None:
        if not self.reachable:
            raise BrokerUnavailable("memory broker switched off")

    async def publish(
        self,
        *,
        exchange: str,
        routing_key: str,
        body: bytes,
        message_id: str,
        headers: Mapping[str, str],
        timestamp: datetime,
    ) -> None:
        await self.ensure_connected()
        if message_id in self.refuse:
            raise PublishRefused(f"{message_id} unroutable")
        self.published.append(Published(exchange, routing_key, body, message_id, dict(headers), timestamp))
