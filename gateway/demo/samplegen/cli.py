"""``gateway samples``: build sample messages, load the registry the samples were made for."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from gateway.channels.cli.common import parse_size, run_async
from gateway.config import Settings
from gateway.demo.samplegen import SampleParams, build_sized
from gateway.demo.samplegen.registry import seed_sample_registry
from gateway.extensions import Commands


def add_samples_commands(commands: Commands) -> None:
    samples = commands.add_parser("samples", help="sample messages").add_subparsers(
        required=True, metavar="ACTION"
    )
    generate = samples.add_parser("generate", help="build a valid message of a type and size")
    generate.add_argument("message_type", help="e.g. CC015C, CC515C, IE815")
    generate.add_argument("--size", default="5KB", help="e.g. 5KB, 500KB, 3MB")
    generate.add_argument("--message-id", default=None)
    generate.add_argument("--reference", default=None, help="LRN (or the base of an ARC)")
    generate.add_argument("--party", default=None)
    generate.add_argument("--representative", default=None)
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    generate.set_defaults(run=_generate)
    samples.add_parser(
        "registry",
        help="load the registry the samples were made for (TEST persons, Podmioty, representations)",
    ).set_defaults(run=_registry)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    params = SampleParams(seed=args.seed)
    overrides = {
        "message_id": args.message_id,
        "reference": args.reference,
        "party": args.party,
        "representative": args.representative,
    }
    params = replace(params, **{k: v for k, v in overrides.items() if v is not None})
    body = build_sized(args.message_type, parse_size(args.size), params)
    if args.out:
        args.out.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
    return 0


def _registry(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.bootstrap import administering, redact

    async def load() -> int:
        async with administering(settings) as administration:
            await seed_sample_registry(administration)
        print(f"the samples' registry is loaded ({redact(settings.database.url)})")
        return 0

    return run_async(load())
