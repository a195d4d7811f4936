"""Reading what the gateway published, from the test run's own vhost."""

from __future__ import annotations

import asyncio
import time

import aio_pika
from aio_pika.abc import AbstractIncomingMessage


async def drain_queue(
    amqp_url: str, queue_name: str, *, expect: int | None = None, timeout: float = 10.0, settle: float = 0.5
) -> list[AbstractIncomingMessage]:
    """Every message on ``queue_name`` (acknowledged), waiting up to ``timeout`` for ``expect`` of
    them, then ``settle`` seconds more so that an unwanted extra delivery would be seen too."""
    connection = await aio_pika.connect(amqp_url)
    messages: list[AbstractIncomingMessage] = []
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while True:
            message = await queue.get(no_ack=True, fail=False)
            now = time.monotonic()
            if message is not None:
                messages.append(message)
                quiet_since = None
                continue
            if expect is not None and len(messages) < expect and now < deadline:
                await asyncio.sleep(0.05)
                continue
            quiet_since = quiet_since or now
            if now - quiet_since >= settle or now >= deadline + settle:
                return messages
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def publish_response(
    amqp_url: str,
    body: bytes,
    *,
    correlation_id: str | None,
    message_id: str,
    headers: dict[str, str] | None = None,
) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange("sisc.outbound")
        await exchange.publish(
            aio_pika.Message(
                body,
                correlation_id=correlation_id,
                message_id=message_id,
                headers=headers or {},
                content_type="application/xml",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=(headers or {}).get("x-system", "NCTS2") + ".response",
        )
    finally:
        await connection.close()
