"""``gateway replay``: sends files to a running gateway, shows progress, summarises.

What is expected of a file follows from where it lies: a file in a folder named after an error
code (``samples/errors/SCHEMA_INVALID/x.xml``) must be refused with that code; any other file must
be accepted (202, or 200 for a resend).  Anything else, and any 5xx, is unexpected: exit 1.

A gateway that cannot be reached at all is one error (exit 2), not one failure per file.  The
progress bar is drawn on a terminal only.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp

from gateway.channels.cli.common import xml_files
from gateway.core.errors import error_classes

KNOWN_CODES = frozenset(cls.code for cls in error_classes())


@dataclass(frozen=True, slots=True)
class Outcome:
    path: Path
    status: int
    code: str | None
    seconds: float
    expected: bool
    #: the stored document's reference, when the gateway kept it
    reference: str | None = None


def expected_code(path: Path) -> str | None:
    return path.parent.name if path.parent.name in KNOWN_CODES else None


def collect(paths: list[Path]) -> list[Path]:
    """The files to send, in order; conflict samples last, after the originals they contradict."""
    return sorted(xml_files(paths), key=lambda p: expected_code(p) == "DUPLICATE_CONFLICT")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


async def replay(
    paths: list[Path],
    url: str,
    token: str,
    concurrency: int,
    dry_run: bool,
    as_json: bool,
    *,
    receipts: Path | None = None,
    print_references: bool = False,
) -> int:
    """``receipts``: a folder where each stored document's signed UPO or NPP is saved, named
    ``<file stem>.<reference>.xml`` (documents that were not kept have no receipt to fetch).
    ``print_references``: standard output gets only the stored documents' references, one a line
    in the order of the files, for the next command; the summary goes to standard error.

    Raises ``ConnectionError`` when nothing answers at ``url``."""
    files = collect(paths)
    if not files:
        raise ValueError(f"no *.xml files in {', '.join(str(p) for p in paths)}")
    endpoint = url.rstrip("/") + "/api/v1/documents" + ("?dry_run=true" if dry_run else "")
    semaphore = asyncio.Semaphore(max(1, concurrency))
    total = len(files)
    last = [f for f in files if expected_code(f) == "DUPLICATE_CONFLICT"]
    files = [f for f in files if f not in last]
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}

    async def send(session: aiohttp.ClientSession, path: Path) -> None:
        body = path.read_bytes()
        async with semaphore:
            began = time.perf_counter()
            try:
                async with session.post(endpoint, data=body, headers=headers) as response:
                    payload = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                status, payload = 0, json.dumps({"code": f"NO_ANSWER:{type(exc).__name__}"}).encode()
            seconds = time.perf_counter() - began
        code = _code_of(status, payload, dry_run)
        if receipts is not None and not dry_run:
            await _save_receipt(session, url, headers, path, payload, receipts)
        want = expected_code(path)
        ok = (code == want) if want else (status in (200, 202) and code is None)
        reference = _reference_of(status, payload) if not dry_run else None
        outcomes.append(Outcome(path, status, code, seconds, ok, reference))
        if drawing:
            _progress(len(outcomes), total, time.perf_counter() - started)

    drawing = sys.stderr.isatty()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        await _reachable(session, url)
        await asyncio.gather(*(send(session, path) for path in files))
        await asyncio.gather(*(send(session, path) for path in last))
    if drawing:
        print(file=sys.stderr)
    if print_references:
        order = {path: index for index, path in enumerate([*files, *last])}
        for outcome in sorted(outcomes, key=lambda o: order[o.path]):
            if outcome.reference:
                print(outcome.reference)
    summary = sys.stderr if print_references else sys.stdout
    return _summarise(outcomes, time.perf_counter() - started, as_json, summary)


async def _reachable(session: aiohttp.ClientSession, url: str) -> None:
    """Whether anything answers HTTP at ``url`` (any status will do): asked once, before the
    files, so that a wrong address or a stopped gateway is one error."""
    try:
        async with session.get(url.rstrip("/") + "/healthz", timeout=aiohttp.ClientTimeout(total=10)):
            return
    except (aiohttp.ClientConnectionError, aiohttp.InvalidURL, TimeoutError) as exc:
        reason = str(exc) or type(exc).__name__
        raise ConnectionError(f"cannot connect to {url}: {reason}") from None


def _reference_of(status: int, payload: bytes) -> str | None:
    if status not in (200, 202, 422):  # a refused document is stored (rejected) and has one too
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    reference = data.get("reference") if isinstance(data, dict) else None
    return str(reference) if reference else None


async def _save_receipt(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    path: Path,
    payload: bytes,
    folder: Path,
) -> None:
    try:
        reference = json.loads(payload).get("reference")
    except (ValueError, AttributeError):
        return
    if not reference:
        return
    async with session.get(
        f"{url.rstrip('/')}/api/v1/documents/{reference}/upo", headers=headers
    ) as response:
        if response.status == 200:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{path.stem}.{reference}.xml").write_bytes(await response.read())


def _code_of(status: int, payload: bytes, dry_run: bool) -> str | None:
    if status == 0:  # no answer at all: the payload names the client's error
        return str(json.loads(payload)["code"])
    try:
        data = json.loads(payload)
    except ValueError:
        return None if status < 400 else f"HTTP_{status}"
    if not isinstance(data, dict):
        return None
    if dry_run or status >= 400:
        code = data.get("code")
        return str(code) if code else None
    return None


def _progress(done: int, total: int, elapsed: float) -> None:
    width = 30
    filled = int(width * done / total)
    rate = done / elapsed if elapsed > 0 else 0.0
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:.0f}/s")
    sys.stderr.flush()


def _summarise(outcomes: list[Outcome], elapsed: float, as_json: bool, out: IO[str]) -> int:
    latencies = [o.seconds for o in outcomes]
    by_status = Counter(str(o.status) for o in outcomes)
    by_code = Counter(o.code or "-" for o in outcomes)
    unexpected = [o for o in outcomes if not o.expected]
    summary = {
        "files": len(outcomes),
        "seconds": round(elapsed, 3),
        "by_status": dict(sorted(by_status.items())),
        "by_code": dict(sorted(by_code.items())),
        "latency_ms": {
            name: round(percentile(latencies, q) * 1000, 1)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        "unexpected": [
            {
                "file": str(o.path),
                "status": o.status,
                "code": o.code,
                "expected": expected_code(o.path) or "2xx",
            }
            for o in unexpected
        ],
    }
    if as_json:
        print(json.dumps(summary), file=out)
    else:
        print(f"{summary['files']} files in {summary['seconds']} s", file=out)
        print("by status: " + ", ".join(f"{k}: {v}" for k, v in summary["by_status"].items()), file=out)  # type: ignore[attr-defined]
        print("by code:   " + ", ".join(f"{k}: {v}" for k, v in summary["by_code"].items()), file=out)  # type: ignore[attr-defined]
        lat = summary["latency_ms"]
        print(f"latency:   p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms", file=out)  # type: ignore[index]
        for o in unexpected:
            wanted = expected_code(o.path) or "2xx"
            print(
                f"UNEXPECTED {o.path}: status {o.status}, code {o.code or '-'}, expected {wanted}", file=out
            )
    return 1 if unexpected else 0
