"""``gateway outbox list|requeue``: the outbox's dead letters, and putting them back in the queue.

A row the broker kept refusing (unroutable, no such exchange) past ``relay.max_attempts`` is a
dead letter and its document ``undeliverable``; once the cause is mended, ``requeue`` gives it a
fresh count of attempts and wakes the relays (docs/operations-reliability.md).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.channels.cli.common import run_async
from gateway.config import Settings
from gateway.services.outbox import OutboxService, dead_letters_json


def add_outbox_commands(commands: Any) -> None:
    outbox = commands.add_parser("outbox", help="the outbox's dead letters: list and re-queue")
    actions = outbox.add_subparsers(required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="rows dead-lettered past the retry cap, oldest first")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=_list)

    requeue = actions.add_parser("requeue", help="put dead letters back in the queue")
    which = requeue.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "references", nargs="*", default=[], metavar="REFERENCE", help="the documents' references"
    )
    which.add_argument("--all", action="store_true", help="every dead letter")
    requeue.add_argument("--json", action="store_true", help="print JSON")
    requeue.set_defaults(run=_requeue)


def _with_outbox(settings: Settings, work: Callable[[OutboxService], Awaitable[int]]) -> int:
    from gateway.bootstrap import outbox_administration, require_database  # heavy: only when run

    require_database(settings.database)

    async def run() -> int:
        async with outbox_administration(settings) as outbox:
            return await work(outbox)

    return run_async(run())


def _list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(outbox: OutboxService) -> int:
        letters = await outbox.dead_letters(args.limit)
        if args.json:
            print(json.dumps(dead_letters_json(letters), ensure_ascii=False))
            return 0
        for letter in letters:
            print(
                f"{letter.reference}  {letter.exchange} {letter.routing_key}  attempts={letter.attempts}"
                f"  dead_at={letter.dead_at.isoformat()}  {letter.last_error or ''}".rstrip()
            )
        return 0

    return _with_outbox(settings, work)


def _requeue(args: argparse.Namespace, settings: Settings) -> int:
    if not args.all and not args.references:
        raise ValueError("name the references to re-queue, or give --all")

    async def work(outbox: OutboxService) -> int:
        requeued = await outbox.requeue(None if args.all else args.references)
        if args.json:
            print(json.dumps(requeued.as_dict()))
        else:
            for reference in requeued.references:
                print(f"requeued {reference}")
            for reference in requeued.missing:
                print(f"not a dead letter: {reference}")
        return 1 if requeued.missing else 0

    return _with_outbox(settings, work)
