"""The simulator on the broker: consumes ``<SYSTEM>.inbound``, publishes each answer to
``sisc.outbound`` the way a customs system's answer enters the gateway (SPEC.md section 3:
``correlation_id`` = the reference it answers; the gateway's responses consumer stores it for the
Podmiot's mailbox).

An inbound message is acknowledged only once its answer is confirmed by the broker; one the
simulator cannot answer (no ``message_id``, a system it does not play) is dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

from gateway.adapters.broker.topology import declare_topology
from gateway.core.domain import OUTBOUND_EXCHANGE, inbound_queue
from gateway.demo.simulator.answers import Answer, Inbound, answer_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SimulatorSettings:
    systems: tuple[str, ...]
    #: the share of messages refused (0..1)
    reject_rate: float = 0.0
    #: seconds before each answer, as a customs system takes its time
    delay: float = 0.0
    seed: int = 0
    #: stop after this many answers (None: run until stopped)
    count: int | None = None


class Simulator:
    def __init__(
        self, settings: SimulatorSettings, on_answer: Callable[[Inbound, Answer], None] = lambda m, a: None
    ) -> None:
        self._settings = settings
        self._on_answer = on_answer
        self._answered = 0
        self._done: asyncio.Event = asyncio.Event()

    @property
    def answered(self) -> int:
        return self._answered

    async def run(self, amqp_url: str) -> None:
        """Answers until cancelled, or until ``count`` answers were sent."""
        connection = await aio_pika.connect_robust(amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=16)
            await declare_topology(channel)  # the simulator may start before the gateway
            outbound = await channel.get_exchange(OUTBOUND_EXCHANGE)

            async def answer(message: AbstractIncomingMessage) -> None:
                await self._handle(outbound, message)

            for system in self._settings.systems:
                queue = await channel.get_queue(inbound_queue(system), ensure=False)
                await queue.consume(answer)
            await self._done.wait()

    async def _handle(self, outbound: AbstractExchange, message: AbstractIncomingMessage) -> None:
        if self._done.is_set():
            await message.nack(requeue=True)  # past --count: left for the next run
            return
        headers = {str(k): str(v) for k, v in (message.headers or {}).items()}
        inbound = Inbound(
            reference=message.message_id or "",
            system=headers.get("x-system", ""),
            message_type=headers.get("x-message-type", ""),
            lrn=headers.get("x-lrn"),
            arc=headers.get("x-arc"),
            acting_for=headers.get("x-acting-for"),
        )
        if not inbound.reference:
            log.warning("simulator: a message without message_id dead-lettered")
            await message.reject(requeue=False)
            return
        try:
            answer = answer_for(inbound, self._settings.reject_rate, self._settings.seed)
        except ValueError as exc:
            log.warning("simulator: %s dead-lettered: %s", inbound.reference, exc)
            await message.reject(requeue=False)
            return
        if self._settings.delay:
            await asyncio.sleep(self._settings.delay)
        await outbound.publish(
            aio_pika.Message(
                answer.body,
                message_id=answer.message_id,
                correlation_id=inbound.reference,
                content_type="application/xml",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                timestamp=datetime.now(UTC),
                headers={
                    "x-system": inbound.system,
                    "x-message-type": answer.message_type,
                    "x-simulated": "true",
                },
            ),
            routing_key=f"{inbound.system}.{answer.message_type}",
        )
        await message.ack()
        self._answered += 1
        self._on_answer(inbound, answer)
        if self._settings.count is not None and self._answered >= self._settings.count:
            self._done.set()
