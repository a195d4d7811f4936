"""``gateway samples``: build sample messages, load the registry the samples were made for."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from gateway.channels.cli.common import parse_size, run_async
from gateway.config import Settings
from gateway.demo.samplegen import SampleParams, build_sized
from gateway.demo.samplegen.registry import seed_sample_registry
from gateway.demo.samplegen.signing import SAMPLE_PKI
from gateway.extensions import Commands

#: how far from the asked size a generated message may be before the command says so
SIZE_TOLERANCE = 0.05


def add_samples_commands(commands: Commands) -> None:
    samples = commands.add_parser("samples", help="sample messages").add_subparsers(
        required=True, metavar="ACTION"
    )
    generate = samples.add_parser("generate", help="build a valid message of a type and size")
    generate.add_argument("message_type", help="e.g. CC015C, CC515C, IE815")
    generate.add_argument("--size", default="5KB", help="e.g. 5KB, 500KB, 3MB")
    generate.add_argument(
        "--message-id", default=None, help="the message identifier (default MSG00000000000000001)"
    )
    generate.add_argument("--reference", default=None, help="LRN (or the base of an ARC)")
    generate.add_argument(
        "--party",
        default=None,
        help="the principal party: holder, declarant or excise number (default PL1234567890000)",
    )
    generate.add_argument(
        "--representative", default=None, help="the representative's identifier (default: none)"
    )
    generate.add_argument(
        "--seed", type=int, default=0, help="varies the made-up values; same seed, same message"
    )
    generate.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    generate.set_defaults(run=_generate)
    samples.add_parser(
        "registry",
        help="load the registry the samples were made for (TEST persons, Podmioty, representations)",
    ).set_defaults(run=_registry)
    pki_dir = samples.add_parser(
        "pki-dir",
        help="print the folder of the samples' test PKI (TEST KEYS), e.g. for GATEWAY_SIGNATURE_PKI_DIR",
    )
    pki_dir.add_argument(
        "--copy-to",
        type=Path,
        default=None,
        metavar="DIR",
        help="copy the PKI to DIR (which must not exist) and print DIR: a gateway serving a PKI writes "
        "fresh CRLs into its folder, so give it a copy rather than the installed package's",
    )
    pki_dir.set_defaults(run=_pki_dir)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    params = SampleParams(seed=args.seed)
    overrides = {
        "message_id": args.message_id,
        "reference": args.reference,
        "party": args.party,
        "representative": args.representative,
    }
    params = replace(params, **{k: v for k, v in overrides.items() if v is not None})
    size = parse_size(args.size)
    body = build_sized(args.message_type, size, params)
    # what was written, where it does not mix with the message itself
    told = sys.stdout if args.out else sys.stderr
    if args.out:
        args.out.write_bytes(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    where = str(args.out) if args.out else "standard output"
    print(f"wrote {args.message_type}, {len(body)} bytes (asked {size}), to {where}", file=told)
    if abs(len(body) - size) > size * SIZE_TOLERANCE:
        print(
            f"note: a {args.message_type} cannot be made within {SIZE_TOLERANCE:.0%} of {size} bytes "
            "(its smallest message, or the most its items can hold)",
            file=told,
        )
    return 0


def _registry(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.bootstrap import administering, redact, require_database

    require_database(settings.database)

    async def load() -> int:
        async with administering(settings) as administration:
            await seed_sample_registry(administration)
        print(f"the samples' registry is loaded ({redact(settings.database.url)})")
        return 0

    return run_async(load())


def _pki_dir(args: argparse.Namespace, settings: Settings) -> int:
    if args.copy_to is None:
        print(SAMPLE_PKI)
        return 0
    if args.copy_to.exists():
        print(f"gateway: {args.copy_to} exists; give a folder to create", file=sys.stderr)
        return 2
    shutil.copytree(SAMPLE_PKI, args.copy_to)
    print(args.copy_to.resolve())
    return 0
