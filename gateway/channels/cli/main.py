"""The ``gateway`` command (SPEC.md section 4)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from gateway.channels.cli.common import (
    UNREACHABLE_CODE,
    USAGE_ERROR_CODE,
    print_error,
    run_async,
    xml_files,
)
from gateway.config import ConfigError, Settings, load_settings
from gateway.core.domain import Verdict
from gateway.core.errors import GatewayError
from gateway.core.registry.rights import RightsTableError
from gateway.core.signature.advice import explain
from gateway.core.validation.catalog import CatalogError
from gateway.core.verdicts import verdict_json

log = logging.getLogger("gateway")

#: what a user can get wrong or a service can lack: reported in one line, exit 2 (and what the
#: adapters raise for it: ``gateway.bootstrap.DATABASE_ERRORS`` and ``SETUP_ERRORS``)
USER_ERRORS = (OSError, ValueError, CatalogError, ConfigError, RightsTableError, GatewayError)


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
    as_json = bool(getattr(args, "json", False))
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print_error(USAGE_ERROR_CODE, str(exc), as_json)
        return 2
    command: Callable[[argparse.Namespace, Settings], int] = args.run
    try:
        return command(args, settings)
    except Exception as exc:
        if not _users_problem(exc):
            raise
        # Mistakes and unreachable services are told in one line, not with a traceback.
        print_error(_code(exc), _explain(exc, settings), as_json)
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


def _users_problem(exc: Exception) -> bool:
    if isinstance(exc, USER_ERRORS):
        return True
    from gateway.bootstrap import DATABASE_ERRORS, SETUP_ERRORS  # only on failure: it is heavy

    return isinstance(exc, DATABASE_ERRORS + SETUP_ERRORS)


def _code(exc: BaseException) -> str:
    """The SPEC.md section 2 code a command's error is told with under ``--json``."""
    from gateway.bootstrap import DATABASE_ERRORS, DatabaseUnusable

    if isinstance(exc, GatewayError):
        return exc.code
    if isinstance(exc, (*DATABASE_ERRORS, DatabaseUnusable, ConnectionError)):
        return UNREACHABLE_CODE
    return USAGE_ERROR_CODE


def _explain(exc: BaseException, settings: Settings) -> str:
    from gateway.bootstrap import DATABASE_ERRORS, database_problem

    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}"
    if isinstance(exc, DATABASE_ERRORS):
        return database_problem(exc, settings.database)
    return str(exc) or type(exc).__name__


#: where settings come from, for ``gateway --help``
SETTINGS_HELP = """\
settings:
  Every command reads the same settings: the TOML file given with --config FILE
  (or named by GATEWAY_CONFIG), else the defaults; any key can be overridden by an
  environment variable GATEWAY_<SECTION>_<KEY>, e.g. GATEWAY_DATABASE_URL,
  GATEWAY_AMQP_URL, GATEWAY_SERVER_PORT, GATEWAY_SIGNATURE_PKI_DIR.
  The database is sqlite+aiosqlite:///gateway.db (in the current folder) unless
  database.url says otherwise.
"""


def _version() -> str:
    try:
        return version("customs-gateway")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="customs-gateway: signed XML to SISC",
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML settings file (or GATEWAY_CONFIG); also accepted after the command",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve", help="run the HTTP gateway, the outbox relay and the responses consumer"
    )
    serve.add_argument("--workers", type=int, default=1, help="processes sharing the port (default 1)")
    serve.add_argument("--host", default=None, help="address to listen on (default: server.host)")
    serve.add_argument("--port", type=int, default=None, help="port to listen on (default: server.port)")
    serve.add_argument(
        "--log-level",
        type=str.upper,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default=None,
        help="what is logged (default: [log] level, GATEWAY_LOG_LEVEL, else INFO)",
    )
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="the offline verdict for each file")
    check.add_argument(
        "files", nargs="+", type=Path, metavar="PATH", help="XML files, or folders (their *.xml, recursively)"
    )
    check.add_argument("--json", action="store_true", help="one JSON object per file")
    check.add_argument(
        "--explain", action="store_true", help="for a refused signature: the rule it breaks, what to change"
    )
    check.set_defaults(run=_check)

    replay = commands.add_parser("replay", help="send files to a running gateway and summarise")
    replay.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="XML files, or folders (their *.xml, recursively)"
    )
    replay.add_argument("--url", required=True, help="the gateway, e.g. http://127.0.0.1:8080")
    replay.add_argument(
        "--token", required=True, help="an account's API token (from `gateway registry token LOGIN`)"
    )
    replay.add_argument("--concurrency", type=int, default=8, help="requests at once (default 8)")
    replay.add_argument("--dry-run", action="store_true", help="ask for verdicts only (?dry_run=true)")
    replay.add_argument("--json", action="store_true", help="print the summary as JSON")
    replay.add_argument(
        "--receipts", type=Path, default=None, metavar="DIR", help="save each stored document's UPO/NPP here"
    )
    replay.add_argument(
        "--print-reference",
        action="store_true",
        help="print only the reference of each stored document, one a line (the summary goes to "
        "standard error): REF=$(gateway replay FILE --url URL --token TOKEN --print-reference)",
    )
    replay.set_defaults(run=_replay)

    db = commands.add_parser("db", help="database administration").add_subparsers(
        required=True, metavar="ACTION"
    )
    db.add_parser(
        "upgrade", help="apply the schema migrations (creates an SQLite database that does not exist)"
    ).set_defaults(run=_db_upgrade)

    from gateway.channels.cli.outbox import add_outbox_commands
    from gateway.channels.cli.registry import add_registry_commands
    from gateway.channels.cli.upo import add_upo_commands
    from gateway.extensions import load_extensions

    add_registry_commands(commands)
    add_upo_commands(commands)
    add_outbox_commands(commands)
    for extension in load_extensions():
        extension.add_commands(commands)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    server: dict[str, Any] = {}
    if args.host:
        server["host"] = args.host
    if args.port is not None:
        server["port"] = args.port
    if server:
        settings = settings.replace(server=server)
    if args.log_level:
        settings = settings.replace(log={"level": args.log_level})
    from gateway.channels.http.server import ensure_port_free

    ensure_port_free(settings.server.host, settings.server.port)
    if args.workers <= 1:
        _serve_worker(settings, 0, shared_port=False)
        return 0
    from gateway.bootstrap import connection_shortfall

    shortfall = connection_shortfall(settings, args.workers)
    if shortfall is not None:
        raise ConfigError(shortfall)
    if settings.database.migrate_on_start:
        from gateway.bootstrap import upgrade_database

        upgrade_database(settings.database)
    settings = settings.replace(database={"migrate_on_start": False})
    with _shared_session_key(settings) as settings:
        return _run_workers(settings, args.workers)


@contextlib.contextmanager
def _shared_session_key(settings: Settings) -> Iterator[Settings]:
    """The workers share one console session key: the configured file, or one made for this run
    (readable by this user only, removed at the end), so a session works whichever worker answers."""
    if settings.console.session_key_file is not None or not settings.console.enabled:
        yield settings
        return
    folder = Path(tempfile.mkdtemp(prefix="gateway-console-"))
    try:
        key = folder / "session.key"
        key.touch(mode=0o600)
        key.write_text(secrets.token_urlsafe(48))
        yield settings.replace(console={"session_key_file": key})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_workers(settings: Settings, count: int) -> int:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_serve_worker, args=(settings, index, True)) for index in range(count)]
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


def _serve_worker(settings: Settings, index: int, shared_port: bool) -> None:
    from gateway.bootstrap import configure_logs, relays_outbox
    from gateway.channels.http.app import create_app
    from gateway.channels.http.server import serve

    configure_logs(settings.log, worker=index if shared_port else None)
    app = create_app(settings, run_relay=relays_outbox(settings, index))
    # SO_REUSEPORT only among the workers of one serve: alone, a port in use is an error
    serve(app, settings.server, reuse_port=True if shared_port else None, access_log=settings.log.access)


async def _checked_with_rights(paths: Sequence[Path], settings: Settings) -> list[Verdict]:
    """The full offline verdicts, the rights included (asked of the configured database)."""
    from gateway.bootstrap import assessing

    async with assessing(settings) as assessment:
        now = datetime.now(UTC)
        return [await assessment.assess(path.read_bytes(), now) for path in paths]


def _check(args: argparse.Namespace, settings: Settings) -> int:
    files = xml_files(args.files)
    if not files:
        raise ValueError(f"no *.xml files in {', '.join(str(p) for p in args.files)}")
    verdicts = asyncio.run(_checked_with_rights(files, settings))
    failures = 0
    for path, verdict in zip(files, verdicts, strict=True):
        failures += not verdict.accepted
        if args.json:
            status = "accepted" if verdict.accepted else "rejected"
            print(
                json.dumps(
                    {
                        "file": str(path),
                        "status": status,
                        **verdict_json(verdict),
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
    from gateway.channels.cli.replay import replay

    return run_async(
        replay(
            args.paths,
            args.url,
            args.token,
            args.concurrency,
            args.dry_run,
            args.json,
            receipts=args.receipts,
            print_references=args.print_reference,
        )
    )


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.bootstrap import redact, upgrade_database

    upgrade_database(settings.database)
    print(f"database at revision head ({redact(settings.database.url)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
