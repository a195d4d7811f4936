"""Element bombs against the checks as one gateway worker runs them (issue 16, point 5).

    .venv/bin/python bench/bench_bombs.py [--bombs 8] [--elements 1400000]

Eight ~13 MiB bodies of 1.4 million empty elements (under a CC015C root) are checked at once on a
thread pool of ``server.check_threads`` threads, as the gateway's assessment does, while one
legitimate signed CC015C (5KB) is checked in the same pool: the process's peak resident memory and
the legitimate check's wall time are printed, and the resident memory after the bombs are done.
In-process (no HTTP, no database): the figure is the checks' own memory.
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--bombs", type=int, default=8)
    arguments.add_argument("--elements", type=int, default=1_400_000)
    options = arguments.parse_args()

    from gateway.bootstrap import build_checks, configured_revocation
    from gateway.config import Settings
    from gateway.core.pipeline import check
    from gateway.demo.samplegen import SampleParams, build_sized
    from gateway.demo.samplegen.signing import sign_sample

    root = Path(__file__).resolve().parents[1]
    # no revocation lookups: the legitimate check stays in the pool, as the bombs do
    settings = Settings().replace(signature={"pki_dir": root / "samples" / "pki", "revocation_sc": "none"})
    checks = build_checks(settings, configured_revocation(settings.signature))
    legitimate = sign_sample(build_sized("CC015C", 5 * 1024, SampleParams()), "sc-person")
    bomb = (
        b'<?xml version="1.0"?><n:CC015C xmlns:n="urn:customs-gateway:sxml:ncts2:1">'
        + b"<ab></ab>\n" * options.elements
        + b"</n:CC015C>"
    )
    now = datetime.now(UTC)
    check(legitimate, now, checks)  # warm up
    before = resident_mib()
    print(f"bomb: {len(bomb) / 2**20:.1f} MiB, {options.elements} elements; resident before {before:.0f} MiB")
    with ThreadPoolExecutor(settings.server.check_threads) as pool:
        started = time.perf_counter()
        bombs = [pool.submit(check, bomb, now, checks) for _ in range(options.bombs)]
        legit_start = time.perf_counter()
        verdict = pool.submit(check, legitimate, now, checks).result()
        legit_seconds = time.perf_counter() - legit_start
        codes = [b.result().refusal for b in bombs]
        all_seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bombs refused: {codes}")
    print(f"legitimate check meanwhile: {legit_seconds:.2f} s ({verdict.refusal or 'accepted'})")
    print(f"all {options.bombs} bombs done in {all_seconds:.2f} s")
    print(f"peak resident {peak:.0f} MiB (+{peak - before:.0f}); after {resident_mib():.0f} MiB")


if __name__ == "__main__":
    main()
