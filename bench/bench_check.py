"""Micro benchmark of the checks alone (``gateway.pipeline.check``: parse, catalog, XSD, envelope).

    .venv/bin/python bench/bench_check.py [--sizes 5KB,50KB,500KB,5MB] [--seconds 8] [--profile 500KB]

Per size: ms per message and MB/s of ``check``, the same split by stage (hardened parse, catalog
lookup + XSD validation, signature stage + envelope), and for the largest size the peak memory of one
``check``: Python allocations (tracemalloc) and the process's resident high-water mark growth (libxml2
allocates outside tracemalloc's view).  One thread, no I/O.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_SIZES = "5KB,50KB,500KB,5MB"
#: most iterations per size; each size also stops after ``--seconds``
MAX_ITERATIONS = {5 * 1024: 2000, 50 * 1024: 500, 500 * 1024: 100, 5 * 1024 * 1024: 12}
FALLBACK_ITERATIONS = 50


def parse_size(text: str) -> int:
    units = {"KB": 1024, "K": 1024, "MB": 1024 * 1024, "M": 1024 * 1024, "B": 1}
    value = text.strip().upper()
    for unit, factor in units.items():
        if value.endswith(unit):
            return int(float(value[: -len(unit)]) * factor)
    return int(value)


def size_label(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)}MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024}KB"
    return f"{size}B"


@dataclass
class Result:
    size: int
    body_bytes: int
    iterations: int
    ms: float  # mean per message, whole check
    ms_min: float
    parse_ms: float
    xsd_ms: float
    envelope_ms: float
    mb_per_s: float


def timed(work: Callable[[], object], max_iterations: int, seconds: float) -> list[float]:
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < max_iterations and (not times or time.perf_counter() < deadline):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def measure(size: int, body: bytes, seconds: float) -> Result:
    from gateway.app import build_checks
    from gateway.config import Settings
    from gateway.pipeline import check, read_envelope, validate
    from gateway.validation.parsing import parse

    checks = build_checks(Settings())
    received_at = datetime.now(UTC)
    verdict = check(body, received_at, checks)
    if not verdict.accepted:
        raise RuntimeError(
            f"the {size_label(size)} message is refused: {verdict.refusal} {verdict.errors[:3]}"
        )
    limit = MAX_ITERATIONS.get(size, FALLBACK_ITERATIONS)
    whole = timed(lambda: check(body, received_at, checks), limit, seconds)

    # the same work, stage by stage (what ``check`` does, without the Verdict bookkeeping)
    parse_t: list[float] = []
    xsd_t: list[float] = []
    envelope_t: list[float] = []
    deadline = time.perf_counter() + seconds / 2
    while len(parse_t) < max(1, limit // 2) and (not parse_t or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        parsed = parse(body, checks.parsing)
        t1 = time.perf_counter()
        schema = checks.catalog.resolve(parsed.root_qname, received_at)
        validate(parsed, schema)
        t2 = time.perf_counter()
        read_envelope(checks.signature.verify(parsed, schema, received_at), schema)
        t3 = time.perf_counter()
        parse_t.append(t1 - t0)
        xsd_t.append(t2 - t1)
        envelope_t.append(t3 - t2)
        del parsed

    mean = statistics.fmean(whole)
    return Result(
        size=size,
        body_bytes=len(body),
        iterations=len(whole),
        ms=mean * 1000,
        ms_min=min(whole) * 1000,
        parse_ms=statistics.fmean(parse_t) * 1000,
        xsd_ms=statistics.fmean(xsd_t) * 1000,
        envelope_ms=statistics.fmean(envelope_t) * 1000,
        mb_per_s=len(body) / mean / 1e6,
    )


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(path: Path) -> None:
    """In a fresh process: tracemalloc peak and resident high-water growth of one check, printed."""
    from gateway.app import build_checks
    from gateway.config import Settings
    from gateway.pipeline import check

    checks = build_checks(Settings())
    body = path.read_bytes()
    received_at = datetime.now(UTC)
    gc.collect()
    with contextlib.suppress(OSError):  # resets VmHWM to the current RSS (Linux)
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    tracemalloc.start()
    verdict = check(body, received_at, checks)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = _status_kib("VmHWM")
    growth = (after - before) / 1024 if before is not None and after is not None else float("nan")
    print(json.dumps({"traced_mib": peak / (1024 * 1024), "rss_mib": growth, "accepted": verdict.accepted}))


def peak_memory(body: bytes) -> tuple[float, float]:
    """MiB: tracemalloc peak of one check; growth of the resident high-water mark (libxml2 too).

    Measured in a fresh interpreter, so that heap kept from earlier work does not hide the growth."""
    with tempfile.TemporaryDirectory(prefix="bench-check-") as folder:
        path = Path(folder) / "body.xml"
        path.write_bytes(body)
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    if not found["accepted"]:
        raise RuntimeError("the message was refused in the memory measurement")
    return float(found["traced_mib"]), float(found["rss_mib"])


def profile(body: bytes, rounds: int) -> str:
    from gateway.app import build_checks
    from gateway.config import Settings
    from gateway.pipeline import check

    checks = build_checks(Settings())
    received_at = datetime.now(UTC)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        check(body, received_at, checks)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--message-type", default="CC015C")
    parser.add_argument("--seconds", type=float, default=8.0, help="time budget per size (default 8)")
    parser.add_argument("--profile", default=None, help="also print a cProfile of check at this size")
    parser.add_argument("--memory-child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child)
        return 0
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or args.seconds <= 0:
        parser.error("give sizes and a positive time budget")

    from gateway.samplegen import build_sized

    results: list[Result] = []
    bodies: dict[int, bytes] = {}
    for size in sizes:
        started = time.perf_counter()
        bodies[size] = build_sized(args.message_type, size)
        print(
            f"built {args.message_type} {size_label(size)}: {len(bodies[size])} B "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results.append(measure(size, bodies[size], args.seconds))
    rows = [
        ["size", "bytes", "n", "ms/msg", "min ms", "MB/s", "parse ms", "catalog+XSD ms", "sig+envelope ms"]
    ]
    for r in results:
        rows.append(
            [
                size_label(r.size),
                str(r.body_bytes),
                str(r.iterations),
                f"{r.ms:.2f}",
                f"{r.ms_min:.2f}",
                f"{r.mb_per_s:.1f}",
                f"{r.parse_ms:.2f}",
                f"{r.xsd_ms:.2f}",
                f"{r.envelope_ms:.3f}",
            ]
        )
    print()
    print(f"pipeline.check, {args.message_type}, one thread")
    print(table(rows))
    largest = max(sizes)
    traced, rss = peak_memory(bodies[largest])
    print(
        f"\npeak memory of one check at {size_label(largest)} ({len(bodies[largest])} B), fresh process: "
        f"tracemalloc {traced:.1f} MiB (Python objects); resident high-water mark +{rss:.1f} MiB "
        "(everything, libxml2's tree too)"
    )
    if args.profile:
        size = parse_size(args.profile)
        body = bodies.get(size) or build_sized(args.message_type, size)
        print(f"\ncProfile of check, {size_label(size)}, by own time:")
        print(profile(body, rounds=20))
    print(f"({os.cpu_count()} CPUs; {platform.platform()}; Python {platform.python_version()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
