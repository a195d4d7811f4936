"""The ``gateway`` command (SPEC.md section 4)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from gateway.config import ConfigError, Settings, load_settings
from gateway.domain import Verdict
from gateway.errors import GatewayError
from gateway.registry.rights import RightsTableError
from gateway.signature.advice import explain
from gateway.signature.setup import SignatureSetupError
from gateway.storage.database import is_sqlite
from gateway.validation.catalog import CatalogError

log = logging.getLogger("gateway")

#: what a user can get wrong or a service can lack: reported in one line, exit 2
USER_ERRORS = (
    OSError,
    ValueError,
    SQLAlchemyError,
    CatalogError,
    SignatureSetupError,
    ConfigError,
    RightsTableError,
    GatewayError,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    config, rest = _take_config(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(rest)
    if config is not None:
        args.config = config
    logging.basicConfig(
        level=logging.INFO if not getattr(args, "quiet", False) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
    command: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        return command(args, settings)
    except USER_ERRORS as exc:
        # Mistakes and unreachable services are told in one line, not with a traceback.
        print(f"gateway: {_explain(exc)}", file=sys.stderr)
        return 2


def _take_config(argv: list[str]) -> tuple[Path | None, list[str]]:
    """``--config FILE`` wherever it stands (``gateway serve --config FILE`` as well as before the
    command), so that every command takes it as SPEC.md writes it."""
    config: Path | None = None
    rest: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--config":
            value = next(words, None)
            if value is None:
                rest.append(word)  # let argparse say what is missing
                break
            config = Path(value)
        elif word.startswith("--config="):
            config = Path(word.split("=", 1)[1])
        else:
            rest.append(word)
    return config, rest


def _explain(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}"
    if isinstance(exc, SQLAlchemyError):
        return f"database: {str(exc).splitlines()[0]}"
    return str(exc) or type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="customs-gateway: signed XML to SISC")
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file (or GATEWAY_CONFIG)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the HTTP gateway, the outbox relay and the responses consumer"
    )
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the port (default 1)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="the offline verdict for each file")
    check.add_argument("files", nargs="+", type=Path)
    check.add_argument("--json", action="store_true", help="one JSON object per file")
    check.add_argument(
        "--explain", action="store_true", help="for a refused signature: the rule it breaks, what to change"
    )
    check.set_defaults(run=_check)

    replay = commands.add_parser("replay", help="send files to a running gateway and summarise")
    replay.add_argument("paths", nargs="+", type=Path)
    replay.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8080")
    replay.add_argument("--token", required=True)
    replay.add_argument("--concurrency", type=int, default=8)
    replay.add_argument("--dry-run", action="store_true", help="ask for verdicts only (?dry_run=true)")
    replay.add_argument("--json", action="store_true", help="print the summary as JSON")
    replay.add_argument(
        "--receipts", type=Path, default=None, metavar="DIR", help="save each stored document's UPO/NPP here"
    )
    replay.set_defaults(run=_replay)

    db = commands.add_parser("db", help="database administration").add_subparsers(
        required=True, metavar="ACTION"
    )
    db.add_parser("upgrade", help="apply the schema migrations").set_defaults(run=_db_upgrade)

    from gateway.pki.cli import add_pki_commands
    from gateway.receipts.cli import add_upo_commands
    from gateway.registry.cli import add_registry_commands

    add_registry_commands(commands)
    add_pki_commands(commands)
    add_upo_commands(commands)

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
    generate.set_defaults(run=_samples_generate)
    samples.add_parser(
        "registry",
        help="load the registry the samples were made for (TEST persons, Podmioty, representations)",
    ).set_defaults(run=_samples_registry)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    server: dict[str, Any] = {}
    if args.host:
        server["host"] = args.host
    if args.port is not None:
        server["port"] = args.port
    if server:
        settings = settings.replace(server=server)
    if args.workers <= 1:
        _serve_worker(settings, 0)
        return 0
    if settings.database.migrate_on_start:
        from gateway.storage.migrations import upgrade

        upgrade(settings.database.url)
    settings = settings.replace(database={"migrate_on_start": False})
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_serve_worker, args=(settings, index)) for index in range(args.workers)]
    for worker in workers:
        worker.start()

    def stop_workers(*_: object) -> None:
        for worker in workers:
            worker.terminate()  # each worker shuts down gracefully on SIGTERM

    signal.signal(signal.SIGTERM, stop_workers)
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        stop_workers()
        for worker in workers:
            worker.join()
    return 0


def _serve_worker(settings: Settings, index: int) -> None:
    from gateway.app import create_app

    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s [w{index}] %(levelname)s %(name)s: %(message)s"
    )
    # On SQLite one process relays: its write lock already serialises them, and one is enough.
    run_relay = index == 0 or not is_sqlite(settings.database.url)
    app = create_app(settings, run_relay=run_relay)
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        reuse_port=True if index or settings.server.port else None,
        print=lambda message: log.info("%s", message),
        access_log=None,
    )


async def _checked_with_rights(paths: Sequence[Path], settings: Settings) -> list[Verdict]:
    """The full offline verdicts, the rights included (asked of the configured database)."""
    from gateway.app import build_checks
    from gateway.pipeline import check
    from gateway.registry.check import RightsCheck
    from gateway.registry.lookup import RegistryLookup
    from gateway.registry.rights import load_rights_table
    from gateway.storage.database import create_engine, session_factory

    checks = await asyncio.to_thread(build_checks, settings)
    if settings.database.migrate_on_start:
        from gateway.storage.migrations import upgrade

        await asyncio.to_thread(upgrade, settings.database.url)
    engine = create_engine(settings.database)
    try:
        rights = RightsCheck(
            load_rights_table(settings.registry.rights_table),
            RegistryLookup(session_factory(engine), cache_seconds=0),
        )
        now = datetime.now(UTC)
        return [await rights.apply(check(path.read_bytes(), now, checks), now) for path in paths]
    finally:
        await engine.dispose()


def _check(args: argparse.Namespace, settings: Settings) -> int:
    verdicts = asyncio.run(_checked_with_rights(args.files, settings))
    failures = 0
    for path, verdict in zip(args.files, verdicts, strict=True):
        failures += not verdict.accepted
        envelope = verdict.envelope
        if args.json:
            print(
                json.dumps(
                    {
                        "file": str(path),
                        "status": "accepted" if verdict.accepted else "rejected",
                        "code": verdict.refusal,
                        "system": verdict.identification.system,
                        "message_type": verdict.identification.message_type,
                        "schema_version": verdict.identification.schema_version,
                        "message_id": envelope.message_id if envelope else None,
                        "acting_for": envelope.acting_for if envelope else None,
                        "signer": verdict.signer.as_dict() if verdict.signer else None,
                        "revocation": verdict.revocation.as_dict() if verdict.revocation else None,
                        "rights": verdict.rights.as_dict() if verdict.rights else None,
                        "digest": verdict.digest,
                        "warnings": list(verdict.warnings),
                        "errors": [e.as_dict() for e in verdict.errors],
                        **({"advice": explain(verdict.refusal, verdict.errors)} if args.explain else {}),
                    },
                    ensure_ascii=False,
                )
            )
            continue
        kind = f"{verdict.identification.system or '-'} {verdict.identification.message_type or '-'}"
        print(f"{'OK ' if verdict.accepted else 'NO '} {path}  {kind}  {verdict.refusal or ''}".rstrip())
        if verdict.signer:
            signer = verdict.signer
            checked = (
                f", revocation {verdict.revocation.status} by {verdict.revocation.source}"
                if verdict.revocation
                else ""
            )
            print(f"      signed by {signer.kind} {signer.person} ({signer.certificate[:16]}…){checked}")
        if verdict.rights:
            rights = verdict.rights
            used = (
                f" {rights.representation.id} ({rights.representation.scope})"
                if rights.representation
                else ""
            )
            print(f"      rights: {rights.basis}{used}")
        for error in verdict.errors:
            where = f"{error.line or '?'}:{error.column or '?'}"
            print(f"      {error.code} at {where} {error.path or ''}: {error.message}")
        for warning in verdict.warnings:
            print(f"      warning: {warning}")
        for line in explain(verdict.refusal, verdict.errors) if args.explain else []:
            print(f"      {line}")
    return 1 if failures else 0


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.replay import replay

    return _run(
        replay(
            args.paths,
            args.url,
            args.token,
            args.concurrency,
            args.dry_run,
            args.json,
            receipts=args.receipts,
        )
    )


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.storage.migrations import upgrade

    upgrade(settings.database.url)
    print(f"database at revision head ({_redact(settings.database.url)})")
    return 0


def _samples_generate(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from gateway.samplegen import SampleParams, build_sized

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


def _samples_registry(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.registry.registry import Registry
    from gateway.samplegen.registry import seed_sample_registry
    from gateway.storage.database import create_engine, session_factory

    async def load() -> int:
        if settings.database.migrate_on_start:
            from gateway.storage.migrations import upgrade

            await asyncio.to_thread(upgrade, settings.database.url)
        engine = create_engine(settings.database)
        try:
            await seed_sample_registry(Registry(session_factory(engine)))
        finally:
            await engine.dispose()
        print(f"the samples' registry is loaded ({_redact(settings.database.url)})")
        return 0

    return _run(load())


def parse_size(text: str) -> int:
    units = {"KB": 1024, "K": 1024, "MB": 1024 * 1024, "M": 1024 * 1024, "B": 1}
    value = text.strip().upper()
    try:
        for unit, factor in units.items():
            if value.endswith(unit):
                return int(float(value[: -len(unit)]) * factor)
        return int(value)
    except ValueError:
        raise ValueError(f"size {text!r} is not a size such as 5KB, 500KB or 3MB") from None


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _run(coroutine: Awaitable[int]) -> int:
    async def runner() -> int:
        return await coroutine

    return asyncio.run(runner())


if __name__ == "__main__":
    raise SystemExit(main())
