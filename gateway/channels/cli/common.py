"""Small helpers shared by the ``gateway`` commands."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import IO, Any

#: the code of a command's error that is not one of the gateway's refusals: a value given on the
#: command line (a path, a size, a setting) that cannot be used
USAGE_ERROR_CODE = "INVALID_PARAMETER"
#: the code of a database or server that cannot be reached
UNREACHABLE_CODE = "UNAVAILABLE"


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


def xml_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the ``*.xml`` files in the folders named (recursively, sorted); a path
    that does not exist is an error (``FileNotFoundError``), not an empty result."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.xml") if p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(2, "No such file or directory", str(path))
    return files


def print_error(
    code: str,
    message: str,
    as_json: bool,
    *,
    prefix: str = "gateway",
    errors: list[dict[str, Any]] | None = None,
    stream: IO[str] | None = None,
) -> None:
    """One error: with ``--json`` a JSON object on standard output (SPEC.md section 4: ``code``
    from the error table, ``message``, and ``errors`` where there are several), else one line on
    standard error."""
    if as_json:
        error: dict[str, Any] = {"code": code, "message": message}
        if errors:
            error["errors"] = errors
        print(json.dumps(error, ensure_ascii=False), file=stream or sys.stdout)
        return
    print(f"{prefix}: {message}", file=stream or sys.stderr)


def run_async(coroutine: Awaitable[int]) -> int:
    async def runner() -> int:
        return await coroutine

    return asyncio.run(runner())
