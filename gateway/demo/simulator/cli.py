"""``gateway simulate``: the customs systems' side of the broker, for testers (docs/simulator.md)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from gateway.config import Settings
from gateway.demo.simulator.answers import SYSTEMS, Answer, Inbound
from gateway.extensions import Commands


def add_simulate_commands(commands: Commands) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="answer routed messages as NCTS2, AES and EMCS PL2 would (for testers)",
        description="Consumes the <SYSTEM>.inbound queues of the broker (amqp.url, GATEWAY_AMQP_URL) and "
        "answers each message on sisc.outbound, as the customs system would: CC015C -> CC028C with an "
        "MRN, IE815 -> IE801 with an ARC, CC515C -> CC528C, anything else an acknowledgement; the "
        "answers reach the submitters' mailboxes. Never against a gateway in production: it takes "
        "the messages meant for the customs systems.",
    )
    simulate.add_argument(
        "--system",
        dest="systems",
        action="extend",
        nargs="+",
        choices=SYSTEMS,
        default=None,
        metavar="SYSTEM",
        help=f"the systems to play (default all: {' '.join(SYSTEMS)})",
    )
    simulate.add_argument(
        "--reject-rate",
        type=_rate,
        default=0.0,
        metavar="SHARE",
        help="share of messages refused, 0..1: CC056C in NCTS2, IE704 in EMCS PL2 (AES accepts all)",
    )
    simulate.add_argument(
        "--delay", type=float, default=0.0, metavar="SECONDS", help="wait before each answer (default 0)"
    )
    simulate.add_argument(
        "--seed", type=int, default=0, help="varies which messages are refused; same seed, same choice"
    )
    simulate.add_argument(
        "--count",
        type=int,
        default=None,
        metavar="N",
        help="stop after N answers (default: run until stopped)",
    )
    simulate.set_defaults(run=_simulate)


def _rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1") from None
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not between 0 and 1")
    return rate


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.adapters.broker.broker import BROKER_ERRORS
    from gateway.bootstrap import redact
    from gateway.demo.simulator.broker import Simulator, SimulatorSettings

    systems = tuple(dict.fromkeys(args.systems or SYSTEMS))
    where = redact(settings.amqp.url)
    simulator = Simulator(
        SimulatorSettings(systems, args.reject_rate, args.delay, args.seed, args.count), on_answer=_told
    )
    print(
        f"simulating {', '.join(systems)} on {where} (reject rate {args.reject_rate:g}); Ctrl-C stops",
        file=sys.stderr,
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(simulator.run(settings.amqp.url))
    except BROKER_ERRORS as exc:
        raise ConnectionError(
            f"cannot connect to the broker at {where} (setting amqp.url, GATEWAY_AMQP_URL): {exc}"
        ) from None
    print(f"{simulator.answered} messages answered", file=sys.stderr)
    return 0


def _told(message: Inbound, answer: Answer) -> None:
    verdict = "refused" if answer.rejected else answer.identifier
    print(
        f"{message.system} {message.message_type} {message.reference} -> {answer.message_type} {verdict}",
        flush=True,
    )
