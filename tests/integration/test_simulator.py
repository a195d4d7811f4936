"""``gateway simulate`` with a real RabbitMQ and both databases: a signed document is submitted,
routed, answered by the simulated customs system, and the answer appears in the submitter's
mailbox (``GET /api/v1/mailbox``)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import subprocess
import sys
from typing import Any

from lxml import etree

from gateway.demo.simulator.answers import SYSTEMS
from gateway.demo.simulator.broker import Simulator, SimulatorSettings
from tests.conftest import ROOT, Gateway, make_settings, start_gateway
from tests.support.messages import signed_build, unique_params

MAILBOX = "/api/v1/mailbox"


async def submit(gateway: Gateway, token: str, message_type: str) -> dict[str, Any]:
    # the samples' company, by its excise number for EMCS (gateway/demo/samplegen/registry.py)
    party = "PL00000000001" if message_type.startswith("IE") else "PL1234567890000"
    status, receipt, _ = await gateway.post(signed_build(message_type, unique_params(party=party)), token)
    assert status == 202, receipt
    return receipt


async def answers(gateway: Gateway, token: str, expect: int) -> list[dict[str, Any]]:
    """The mailbox's items once ``expect`` of them arrived (each read once)."""
    found: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + 30
    while len(found) < expect:
        assert asyncio.get_running_loop().time() < deadline, f"only {len(found)} answers arrived"
        status, page = await gateway.get(MAILBOX, token)
        assert status == 200, page
        found.extend(page["items"])
        await asyncio.sleep(0.2)
    return found


def text_of(item: dict[str, Any], name: str) -> str:
    root = etree.fromstring(base64.b64decode(item["body_base64"]))
    [value] = root.xpath(f"//*[local-name() = '{name}']/text()")
    return str(value)


async def test_each_system_answers_into_the_mailbox(database_url: str, amqp_url: str) -> None:
    seen: list[tuple[str, str]] = []
    simulator = Simulator(
        SimulatorSettings(SYSTEMS),
        on_answer=lambda inbound, answer: seen.append((inbound.reference, answer.message_type)),
    )
    async for gateway in start_gateway(make_settings(database_url, amqp_url)):
        token = await gateway.token()
        task = asyncio.create_task(simulator.run(amqp_url))
        try:
            sent = {
                (await submit(gateway, token, message_type))["reference"]: message_type
                for message_type in ("CC015C", "IE815", "CC515C")
            }
            items = await answers(gateway, token, 3)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        answered = {item["reference"]: item for item in items}
        assert set(answered) == set(sent)
        by_type = {sent[reference]: item for reference, item in answered.items()}
        assert {t: (i["system"], i["message_type"]) for t, i in by_type.items()} == {
            "CC015C": ("NCTS2", "CC028C"),
            "IE815": ("EMCSPL2", "IE801"),
            "CC515C": ("AES", "CC528C"),
        }
        assert len(text_of(by_type["CC015C"], "MRN")) == 18
        assert len(text_of(by_type["CC515C"], "MRN")) == 18
        assert len(text_of(by_type["IE815"], "AadReferenceCode")) == 21
        # the queues are the session's: what other tests routed is answered too, so only ours count
        ours = sorted(answer for answer in seen if answer[0] in sent)
        assert ours == sorted((r, answered[r]["message_type"]) for r in sent)


async def test_the_command_refuses_at_the_asked_rate(database_url: str, amqp_url: str) -> None:
    async for gateway in start_gateway(make_settings(database_url, amqp_url)):
        token = await gateway.token()
        reference = (await submit(gateway, token, "CC015C"))["reference"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
        env["GATEWAY_AMQP_URL"] = amqp_url
        command = [sys.executable, "-m", "gateway.channels.cli.main", "simulate", "--reject-rate", "1"]
        done = await asyncio.to_thread(
            subprocess.run,
            [*command, "--system", "NCTS2", "--count", "1"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"NCTS2 CC015C {reference} -> CC056C refused\n"
        [item] = await answers(gateway, token, 1)
        assert (item["reference"], item["message_type"]) == (reference, "CC056C")
        assert text_of(item, "LRN").startswith("LRN")


def test_the_command_names_the_broker_it_cannot_reach() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env["GATEWAY_AMQP_URL"] = "amqp://guest:secret@127.0.0.1:1/"
    done = subprocess.run(
        [sys.executable, "-m", "gateway.channels.cli.main", "simulate", "--count", "1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    error = done.stderr.splitlines()[-1]
    assert error.startswith("gateway: cannot connect to the broker at amqp://guest:***@127.0.0.1:1/")
    assert "GATEWAY_AMQP_URL" in error and "secret" not in done.stderr
