"""``gateway registry ...``: accounts and their API tokens (the registry issue adds the rest)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.config import Settings
from gateway.registry.accounts import Accounts, RegistryError
from gateway.storage.database import create_engine, session_factory

Action = Callable[[Accounts, argparse.Namespace], Awaitable[Any]]


def add_registry_commands(commands: Any) -> None:
    registry = commands.add_parser("registry", help="accounts and API tokens").add_subparsers(
        required=True, metavar="WHAT"
    )
    account = registry.add_parser("account", help="PUESC accounts").add_subparsers(
        required=True, metavar="ACTION"
    )

    add = account.add_parser("add", help="add an account")
    add.add_argument("login")
    add.add_argument("--level", choices=["basic", "advanced"], default="basic")
    _defaults(add, lambda accounts, a: accounts.add(a.login, a.level))

    for action, status in (("disable", "inactive"), ("enable", "active")):
        parser = account.add_parser(action, help=f"{action} an account")
        parser.add_argument("login")
        _defaults(parser, _set_status(status))

    _defaults(account.add_parser("list", help="list accounts"), lambda accounts, a: accounts.list())

    token = registry.add_parser("token", help="issue an API token for an account (printed once)")
    token.add_argument("login")
    token.add_argument(
        "--days", type=int, default=None, help="valid for this many days (default: until revoked)"
    )
    token.add_argument("--label", default=None)
    _defaults(token, _issue_token)

    revoke = registry.add_parser("revoke-tokens", help="revoke every token of an account")
    revoke.add_argument("login")
    _defaults(revoke, _revoke_tokens)


def _set_status(status: str) -> Action:
    async def action(accounts: Accounts, args: argparse.Namespace) -> Any:
        return await accounts.set_status(args.login, status)

    return action


async def _issue_token(accounts: Accounts, args: argparse.Namespace) -> dict[str, str]:
    return {"login": args.login, "token": await accounts.issue_token(args.login, args.days, args.label)}


async def _revoke_tokens(accounts: Accounts, args: argparse.Namespace) -> dict[str, object]:
    return {"login": args.login, "revoked": await accounts.revoke_tokens(args.login)}


def _defaults(parser: argparse.ArgumentParser, action: Action) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=lambda args, settings: run_registry(action, args, settings))


def run_registry(action: Action, args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> Any:
        if settings.database.migrate_on_start:
            from gateway.storage.migrations import upgrade

            await asyncio.to_thread(upgrade, settings.database.url)
        engine = create_engine(settings.database)
        try:
            return await action(Accounts(session_factory(engine)), args)
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(run())
    except RegistryError as exc:
        print(f"gateway registry: {exc}", file=sys.stderr)
        return 1
    _print(result, args.json)
    return 0


def _print(result: Any, as_json: bool) -> None:
    rows = result if isinstance(result, list) else [result]
    plain = [row.as_dict() if hasattr(row, "as_dict") else row for row in rows]
    if as_json:
        print(json.dumps(plain if isinstance(result, list) else plain[0], ensure_ascii=False))
        return
    for row in plain:
        if set(row) == {"login", "token"}:
            print(row["token"])  # alone on its line, for scripts: TOKEN=$(gateway registry token x)
        else:
            print("  ".join(f"{k}={v}" for k, v in row.items()))
