"""``gateway registry ...``: every operation of :data:`gateway.channels.operations.OPERATIONS` as a
command, built from the table (nothing here is about any one operation).

Output: ``--json`` prints JSON (a list for list commands); without it, one ``key=value`` line per
row.  Exit 0 on success, 1 when the registry refuses (one line ``gateway registry: <message>`` on
standard error, or one line per error of a PDR file).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from gateway.channels.cli.common import print_error
from gateway.channels.operations import GROUPS, OPERATIONS, Operation, Param
from gateway.config import Settings
from gateway.core.errors import BadRequest, RegistryError

DEFAULT_ACTOR = "cli"
_METAVARS = {"datetime": "TIME", "int": "N", "file": "FILE"}


def add_registry_commands(commands: Any) -> None:
    registry = commands.add_parser(
        "registry", help="the registry: accounts, persons, Podmioty, representations, PDR import"
    )
    groups: dict[tuple[str, ...], Any] = {
        (): registry.add_subparsers(required=True, metavar="WHAT", dest="registry_command")
    }
    for operation in OPERATIONS:
        for command in operation.commands:
            parent = _group(groups, command[:-1])
            parser = parent.add_parser(command[-1], help=operation.help, description=operation.help)
            _add_arguments(parser, operation)


def _group(groups: dict[tuple[str, ...], Any], path: tuple[str, ...]) -> Any:
    if path not in groups:
        parent = _group(groups, path[:-1])
        group = parent.add_parser(path[-1], help=GROUPS.get(path[-1], ""))
        groups[path] = group.add_subparsers(
            required=True, metavar="ACTION", dest="registry_" + "_".join(path)
        )
    return groups[path]


def _add_arguments(parser: argparse.ArgumentParser, operation: Operation) -> None:
    exclusive: dict[str, Any] = {}
    for names in operation.one_of:
        group = parser.add_mutually_exclusive_group(required=True)
        exclusive.update(dict.fromkeys(names, group))
    for param in operation.params:
        if param.kind == "secret":
            if not param.required:  # a required secret is always read from standard input
                parser.add_argument(
                    f"{param.option}-stdin",
                    dest=param.name,
                    action="store_true",
                    help=f"read the {param.name} from standard input ({param.help})",
                )
            continue
        target: Any = exclusive.get(param.name, parser)
        if param.kind == "bool":
            target.add_argument(param.option, dest=param.name, action="store_true", help=param.help)
            continue
        options: dict[str, Any] = {
            "type": Path if param.kind == "file" else _argument_type(param),
            "help": param.help or None,
            "metavar": param.metavar or _METAVARS.get(param.kind),
        }
        if param.choices:
            options["choices"] = param.choices
            options["metavar"] = param.metavar or "{" + ",".join(param.choices) + "}"
        if param.cli_positional:
            target.add_argument(param.name, **options)
            continue
        if param.many:
            options.update(action="extend", nargs="+")
        if param.default is not None:
            options["default"] = param.default
        if param.required and param.name not in exclusive:
            options["required"] = True
        target.add_argument(param.option, dest=param.name, **options)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--actor", default=DEFAULT_ACTOR, help=f"who is recorded in the audit trail (default {DEFAULT_ACTOR})"
    )
    parser.set_defaults(run=functools.partial(run_operation, operation))


def _argument_type(param: Param) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return param.item(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = param.kind
    return convert


def cli_params(
    operation: Operation, args: argparse.Namespace, stdin: IO[str] | None = None
) -> dict[str, Any]:
    """The operation's parameters from parsed arguments: files are read, secrets come from
    ``stdin`` (standard input by default)."""
    values: dict[str, Any] = {}
    for param in operation.params:
        value = getattr(args, param.name, None)
        if param.kind == "secret":
            value = _read_secret(param, stdin or sys.stdin) if param.required or value else None
        elif param.kind == "file" and value is not None:
            value = _read_file(Path(value))
        values[param.name] = value
    return operation.bind(values)


def _read_secret(param: Param, stdin: IO[str]) -> str:
    if stdin.isatty():
        return getpass.getpass(f"{param.name}: ")
    return stdin.readline().rstrip("\r\n")


def _read_file(path: Path) -> bytes:
    return sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()


def run_operation(operation: Operation, args: argparse.Namespace, settings: Settings) -> int:
    from gateway.bootstrap import administering, require_database

    require_database(settings.database)

    async def run() -> Any:
        async with administering(settings) as administration:
            return await operation.run(administration, args.actor, params)

    try:
        params = cli_params(operation, args)
        result = asyncio.run(run())
    except (RegistryError, BadRequest) as exc:
        report_error(exc, as_json=args.json)
        return 1
    print_result(result, args.json, operation.plain)
    return 0


def report_error(
    error: RegistryError | BadRequest, stream: IO[str] | None = None, *, as_json: bool = False
) -> None:
    """One line; for errors with positions (a PDR file), one line per error.  ``as_json``: one
    JSON object on standard output, ``{"code", "message", "errors"}`` (SPEC.md section 4)."""
    if as_json:
        errors = [e.as_dict() for e in error.errors] if len(error.errors) > 1 else None
        print_error(error.code, error.detail, True, errors=errors, stream=stream)
        return
    out = stream or sys.stderr
    located = [e for e in error.errors if e.line is not None]
    if not located:
        print(f"gateway registry: {error.detail}", file=out)
        return
    for e in located:
        where = f"line {e.line}" + (f", column {e.path}" if e.path else "")
        print(f"gateway registry: {where}: {e.message}", file=out)


def print_result(result: Any, as_json: bool, plain: str | None = None, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    if as_json:
        print(json.dumps(result, ensure_ascii=False), file=out)
        return
    rows = result if isinstance(result, list) else [result]
    for row in rows:
        if plain is not None:
            print(row[plain], file=out)  # alone on its line, for scripts: TOKEN=$(gateway registry token x)
        else:
            print("  ".join(f"{key}={_shown(value)}" for key, value in row.items()), file=out)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
