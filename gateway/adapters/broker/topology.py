"""The AMQP topology of SPEC.md section 3, as data, declared at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel

from gateway.core.domain import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    INBOUND_EXCHANGE,
    OUTBOUND_EXCHANGE,
    RESPONSES_QUEUE,
    SYSTEMS,
    inbound_queue,
)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    name: str
    exchange: str
    binding: str
    dead_letters: bool = True


EXCHANGES = (INBOUND_EXCHANGE, OUTBOUND_EXCHANGE, DEAD_LETTER_EXCHANGE)
QUEUES = (
    *(QueueSpec(inbound_queue(system), INBOUND_EXCHANGE, f"{system}.#") for system in SYSTEMS),
    QueueSpec(RESPONSES_QUEUE, OUTBOUND_EXCHANGE, "#"),
    QueueSpec(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, "#", dead_letters=False),
)


async def declare_topology(channel: AbstractChannel) -> None:
    exchanges = {
        name: await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)
        for name in EXCHANGES
    }
    for spec in QUEUES:
        arguments: dict[str, Any] | None = (
            {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE} if spec.dead_letters else None
        )
        queue = await channel.declare_queue(spec.name, durable=True, arguments=arguments)
        await queue.bind(exchanges[spec.exchange], spec.binding)
