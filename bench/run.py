"""The gateway end to end with its worker processes, and the floor of the same work, in one run.

    .venv/bin/python bench/run.py [--quick] [--workers 2] [--sizes 5KB,50KB,500KB] [--count N]
                                  [--concurrency C] [--json FILE]

Every message is distinct (its own message identifier and LRN) and signed (XAdES-BES, RSA 2048) by
the samples' test PKI (``samples/pki``), which the gateway under test trusts
(``GATEWAY_SIGNATURE_PKI_DIR``); revocation is answered in-process by that PKI's OCSP responder.

1. End to end: a fresh PostgreSQL database and RabbitMQ vhost, ``gateway serve --workers N`` as a
   subprocess, distinct messages POSTed at a fixed concurrency while a consumer reads the system's
   inbound queue and counts every message by its ``message_id`` (each accepted one must arrive once).
2. Half load: at the middle size (50 KB by default), messages sent at a fixed rate of half the
   accepted/s measured in 1 (open loop): HTTP p50/p99 and the 202 -> queue p50/p95.
3. Memory: with every worker's peak RSS reset, 64 × 500 KB POSTed at once, then one ~15 MiB message;
   the peak RSS of each worker, and the queue's message count (no consumer) against the 202s.
4. The floor: the cheapest correct work per message in this process, no HTTP: hardened parse, XSD
   validation and the signature stage the gateway ships (``pipeline.check``'s stages), rows written
   100 per commit to PostgreSQL and published pipelined with confirms.  Prints e2e ÷ floor per size.

Everything created (gateway process, databases, vhost) is removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import aio_pika
import aiohttp
import asyncpg  # type: ignore[import-untyped]
from aio_pika.abc import AbstractIncomingMessage
from bench_check import size_label

from gateway.channels.cli.common import parse_size

ROOT = Path(__file__).resolve().parent.parent
#: the samples' test PKI: the messages are signed with it and the gateway under test trusts it
SAMPLE_PKI = ROOT / "samples" / "pki"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "127.0.0.1")
DEFAULT_SIZES = "5KB,50KB,500KB"
#: default message counts per size: the whole run stays within a few minutes on 2 cores
DEFAULT_COUNTS = {5 * 1024: 600, 50 * 1024: 400, 500 * 1024: 120}
QUICK_COUNTS = {5 * 1024: 200, 50 * 1024: 150, 500 * 1024: 48}
FALLBACK_COUNT = 50
DEFAULT_WORKERS = 2
DEFAULT_CONCURRENCY = 32
#: messages sent at half the maximum accepted rate (default, --quick)
HALF_LOAD_COUNT = (300, 120)
#: the memory phase: this many messages of MEMORY_SIZE in flight at once, then one of LARGE_SIZE
MEMORY_IN_FLIGHT = 64
MEMORY_SIZE = 500 * 1024
#: the large message is signed to just under this (the default ``server.max_body_bytes``)
LARGE_LIMIT = 15 * 1024 * 1024
#: the floor writes this many rows per commit and publishes them pipelined
FLOOR_BATCH = 100
RSS_SAMPLE_SECONDS = 0.02
WARMUP = 4  # unmeasured messages before each size (connections, pools, caches)
HTTP_TIMEOUT = 60.0
ARRIVAL_TIMEOUT = 60.0  # after the last answer, at most this long for the queue to catch up
START_TIMEOUT = 60.0


# --------------------------------------------------------------------------------------------- utils


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def amqp_url(vhost: str) -> str:
    return f"amqp://guest:guest@{AMQP_HOST}:5672/{vhost}"


def database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"


def rabbitmqctl(*args: str) -> None:
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        raise RuntimeError("rabbitmqctl is needed to give the benchmark a vhost of its own")
    subprocess.run([tool, *args], check=True, capture_output=True, timeout=120)


async def pg_admin(statement: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def routed_lag(db_url: str, message_id_prefix: str) -> dict[str, float]:
    """p50/p95 (ms) of routed_at - received_at of the documents whose message id starts so."""
    connection = await asyncpg.connect(db_url.replace("+asyncpg", ""), timeout=10)
    try:
        row = await connection.fetchrow(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50,"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY lag) AS p95 FROM"
            " (SELECT extract(epoch FROM routed_at - received_at) * 1000 AS lag FROM documents"
            "  WHERE message_id LIKE $1 AND routed_at IS NOT NULL) AS lags",
            message_id_prefix + "%",
        )
    finally:
        await connection.close()
    return {k: float(row[k]) if row[k] is not None else float("nan") for k in ("p50", "p95")}


def drop_database(name: str) -> None:
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def message_system(message_type: str) -> str:
    from gateway.demo.samplegen import message_types

    return message_types()[message_type]


def make_bodies(message_type: str, size: int, count: int, tag: str) -> tuple[list[bytes], float, float]:
    """``count`` distinct messages of about ``size`` bytes, each built with its own message identifier
    and LRN and signed by the samples' test PKI (a signature covers the identifiers, so they cannot be
    patched in afterwards).  Returns the bodies and the seconds spent building and signing."""
    from bench_check import SIGNER_ROLE

    from gateway.demo.samplegen import SampleParams, build_sized
    from gateway.demo.samplegen.signing import sign_sample

    if len(tag) != 11:
        raise ValueError("the tag must have 11 characters")
    bodies = []
    building = signing = 0.0
    for i in range(count):
        # 20 characters each, so every message of a size has the same length
        params = SampleParams(message_id=f"M{tag}{i:08d}", reference=f"L{tag}{i:08d}")
        t0 = time.perf_counter()
        body = build_sized(message_type, size, params)
        t1 = time.perf_counter()
        bodies.append(sign_sample(body, SIGNER_ROLE))
        t2 = time.perf_counter()
        building += t1 - t0
        signing += t2 - t1
    return bodies, building, signing


def make_large(message_type: str, limit: int, tag: str) -> bytes:
    """One message as large as it gets up to ``limit`` bytes signed, within 2 %: past 999 goods
    items a message grows by longer texts, which ``build_sized`` aims at less closely."""
    target = limit
    for _ in range(6):
        body = make_bodies(message_type, target, 1, tag)[0][0]
        if limit * 0.98 <= len(body) <= limit:
            break
        target = int(target * limit * 0.99 / len(body))
    if len(body) > limit:
        raise RuntimeError(f"could not build a message under {limit} bytes")
    print(f"built and signed one {len(body)} B {message_type} (large)", flush=True)
    return body


# ------------------------------------------------------------------------------------ resources


class Resources:
    """What the benchmark creates, removed in reverse order by ``close`` (also after a failure)."""

    def __init__(self) -> None:
        run = uuid.uuid4().hex[:8]
        self.run = run
        self.vhost = f"gw-bench-{run}"
        self.e2e_db = f"gw_bench_e2e_{run}"
        self.floor_db = f"gw_bench_floor_{run}"
        self.workdir = Path(tempfile.mkdtemp(prefix="gw-bench-"))
        self.gateway: GatewayProcess | None = None
        self._cleanups: list[tuple[str, Callable[[], None]]] = []

    def setup(self) -> None:
        from gateway.adapters.storage.migrations import upgrade

        rabbitmqctl("add_vhost", self.vhost)
        self._cleanups.append(("delete vhost", lambda: rabbitmqctl("delete_vhost", self.vhost)))
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        for name in (self.e2e_db, self.floor_db):
            asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
            self._cleanups.append((f"drop database {name}", functools.partial(drop_database, name)))
        upgrade(database_url(self.e2e_db))

    def close(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        for what, cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as exc:  # go on with the rest of the clean-up
                print(f"clean-up: could not {what}: {exc!r}", file=sys.stderr)
        self._cleanups.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


class GatewayProcess:
    """``gateway serve --workers N`` as a subprocess; its workers are the children it spawned."""

    def __init__(self, db_url: str, broker_url: str, port: int, log: Path, workers: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log
        self.workers = workers
        self._env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": db_url,
            "GATEWAY_AMQP_URL": broker_url,
            "GATEWAY_AMQP_RECONNECT_SECONDS": "0.5",
            "GATEWAY_SIGNATURE_PKI_DIR": str(SAMPLE_PKI),
        }
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        command = [sys.executable, "-m", "gateway.channels.cli.main", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, env=self._env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the gateway exited at start:\n{self.log_tail()}")
                # every worker answers /readyz only once it serves; ask until each one has
                if len(self.worker_pids()) >= self.workers and await self._ready(session):
                    return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the gateway was not ready within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    async def _ready(self, session: aiohttp.ClientSession) -> bool:
        # new connections land on any worker (SO_REUSEPORT): several answers in a row
        for _ in range(4 * self.workers):
            try:
                async with session.get(f"{self.url}/readyz", headers={"Connection": "close"}) as response:
                    if response.status != 200:
                        return False
            except (aiohttp.ClientError, TimeoutError):
                return False
        return True

    def worker_pids(self) -> list[int]:
        """The serving processes: the parent itself with one worker, else its spawned children."""
        if self.process is None:
            return []
        if self.workers <= 1:
            return [self.process.pid]
        return [pid for pid in children(self.process.pid) if b"spawn_main" in cmdline(pid)]

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the gateway died:\n{self.log_tail()}")
        if len(self.worker_pids()) < self.workers:
            raise RuntimeError(f"a gateway worker died:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)


def children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return sorted(found)


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakRss:
    """The peak resident set of each process over a phase: the kernel's high-water mark (VmHWM),
    reset at the start (``clear_refs`` 5), or, where it cannot be reset, VmRSS sampled."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)
        self.reset = all(self._reset(pid) for pid in self.pids)
        self.sampled = dict.fromkeys(self.pids, 0)
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def _reset(pid: int) -> bool:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    async def __aenter__(self) -> PeakRss:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _sample(self) -> None:
        while True:
            for pid in self.pids:
                self.sampled[pid] = max(self.sampled[pid], status_kib(pid, "VmRSS"))
            await asyncio.sleep(RSS_SAMPLE_SECONDS)

    def peaks_mb(self) -> list[float]:
        """Per process, MB (10^6 bytes)."""
        peaks = []
        for pid in self.pids:
            kib = max(self.sampled[pid], status_kib(pid, "VmHWM") if self.reset else 0)
            peaks.append(kib * 1024 / 1e6)
        return peaks


async def declare_topology_in(vhost_url: str) -> None:
    from gateway.adapters.broker.topology import declare_topology

    connection = await aio_pika.connect(vhost_url, timeout=10)
    try:
        await declare_topology(await connection.channel())
    finally:
        await connection.close()


async def purge(vhost_url: str, queue_name: str) -> int:
    """Empties ``queue_name``; returns how many messages it held."""
    connection = await aio_pika.connect(vhost_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        result = await queue.purge()
        return int(result.message_count or 0)
    finally:
        await connection.close()


async def queue_depth(vhost_url: str, queue_name: str) -> int:
    connection = await aio_pika.connect(vhost_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(queue_name, passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await connection.close()


async def make_token(db_url: str, login: str) -> str:
    """An account and its token; the samples' registry (whose persons sign the messages) is loaded
    into the database first if it is not there yet."""
    from gateway.adapters.storage.database import create_engine, session_factory
    from gateway.bootstrap import registry_administration
    from gateway.config import DatabaseSettings
    from gateway.core.errors import RegistryConflict
    from gateway.demo.samplegen.registry import seed_sample_registry

    engine = create_engine(DatabaseSettings(url=db_url, pool_size=1))
    try:
        registry = registry_administration(session_factory(engine))
        with contextlib.suppress(RegistryConflict):
            await seed_sample_registry(registry)
        await registry.accounts.add(login)
        return await registry.accounts.issue_token(login)
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------ end-to-end


@dataclass
class EndToEnd:
    size: int
    body_bytes: int
    count: int
    concurrency: int
    #: messages sent per second (open loop), None: as fast as ``concurrency`` senders go
    rate: float | None = None
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accepted_per_s: float = 0.0
    mb_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    delivered: int = 0
    #: messages that arrived in the queue more than once (a relay published a row twice)
    duplicates: int = 0
    delivered_seconds: float = 0.0
    delivered_per_s: float = 0.0
    to_queue_ms: dict[str, float] = field(default_factory=dict)
    #: the gateway's own view, from its database: received_at -> routed_at (relay lag included)
    routed_ms: dict[str, float] = field(default_factory=dict)


class Arrivals:
    """Consumes a queue and notes when each message (by AMQP ``message_id``) arrived, and how often."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.times: Counter[str] = Counter()
        self.changed = asyncio.Event()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        if message.message_id is not None:
            self.at.setdefault(message.message_id, time.perf_counter())
            self.times[message.message_id] += 1
        self.changed.set()

    def clear(self) -> None:
        self.at.clear()
        self.times.clear()

    async def wait_for(self, references: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not references <= self.at.keys():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.5))


class Sender:
    """POSTs bodies to the gateway and notes each 202's latency and moment, and the errors."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http = http
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
        self.latencies: list[float] = []
        self.answered: dict[str, float] = {}
        self.errors: Counter[str] = Counter()

    async def post(self, body: bytes) -> None:
        started = time.perf_counter()
        try:
            async with self.http.post(self.url, data=body, headers=self.headers) as response:
                payload = await response.read()
                done = time.perf_counter()
                if response.status != 202:
                    code = ""
                    with contextlib.suppress(ValueError, AttributeError):
                        code = " " + str(json.loads(payload).get("code"))
                    self.errors[f"HTTP {response.status}{code}"] += 1
                    if self.errors[f"HTTP {response.status}{code}"] == 1:
                        print(f"  first HTTP {response.status}: {payload[:400]!r}", file=sys.stderr)
                    return
                reference = json.loads(payload)["reference"]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            self.errors[type(exc).__name__] += 1
            return
        self.latencies.append(done - started)
        self.answered[reference] = done

    async def closed_loop(self, bodies: Sequence[bytes], concurrency: int) -> tuple[float, float]:
        """Every body once, by ``concurrency`` senders each waiting for its answer; the window."""
        next_index = iter(range(len(bodies)))

        async def sender() -> None:
            for index in next_index:  # shared iterator: each body is taken by one sender
                await self.post(bodies[index])

        begin = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return begin, time.perf_counter()

    async def open_loop(self, bodies: Sequence[bytes], rate: float) -> tuple[float, float]:
        """Body i sent at ``begin + i / rate`` whatever the answers before it; the window."""
        begin = time.perf_counter()
        tasks = []
        for index, body in enumerate(bodies):
            wait = begin + index / rate - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(self.post(body)))
        await asyncio.gather(*tasks)
        return begin, time.perf_counter()


def summarise(result: EndToEnd, sender: Sender, arrivals: Arrivals, window: tuple[float, float]) -> EndToEnd:
    begin, end = window
    latencies, answered = sender.latencies, sender.answered
    result.accepted = len(latencies)
    result.errors = dict(sender.errors)
    result.seconds = end - begin
    result.accepted_per_s = result.accepted / result.seconds
    result.mb_per_s = result.accepted * result.body_bytes / result.seconds / 1e6
    result.latency_ms = {
        name: percentile(latencies, q) * 1000 for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
    }
    result.latency_ms["mean"] = statistics.fmean(latencies) * 1000 if latencies else float("nan")
    delivered = {ref: arrivals.at[ref] for ref in answered if ref in arrivals.at}
    result.delivered = len(delivered)
    result.duplicates = sum(n - 1 for n in arrivals.times.values() if n > 1)
    if delivered:
        result.delivered_seconds = max(delivered.values()) - begin
        result.delivered_per_s = result.delivered / result.delivered_seconds
    to_queue = [arrivals.at[ref] - answered[ref] for ref in delivered]
    result.to_queue_ms = {name: percentile(to_queue, q) * 1000 for name, q in (("p50", 0.5), ("p95", 0.95))}
    lost = set(answered) - set(delivered)
    if lost:
        result.errors["not delivered"] = len(lost)
    if result.duplicates:
        result.errors["delivered twice"] = result.duplicates
    unknown = set(arrivals.at) - set(answered)
    if unknown:
        result.errors["delivered, not answered 202"] = len(unknown)
    return result


async def end_to_end(
    gateway_url: str,
    vhost_url: str,
    queue_name: str,
    token: str,
    result: EndToEnd,
    bodies: Sequence[bytes],
    warmup: Sequence[bytes],
) -> EndToEnd:
    """``result.rate`` None: closed loop at ``result.concurrency``; else open loop at that rate."""
    arrivals = Arrivals()
    connection = await aio_pika.connect(vhost_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        await queue.purge()
        tag = await queue.consume(arrivals.on_message, no_ack=True)
        url = f"{gateway_url}/api/v1/documents"
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
        connector = aiohttp.TCPConnector(limit=max(result.concurrency, 1))
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            if warmup:
                warm = Sender(http, url, token)
                await warm.closed_loop(warmup, min(result.concurrency, len(warmup)))
                await arrivals.wait_for(set(warm.answered), 10.0)
            arrivals.clear()
            sender = Sender(http, url, token)
            if result.rate is None:
                window = await sender.closed_loop(bodies, result.concurrency)
            else:
                window = await sender.open_loop(bodies, result.rate)
        await arrivals.wait_for(set(sender.answered), ARRIVAL_TIMEOUT)
        await asyncio.sleep(0.3)  # a message published twice would arrive about now
        await queue.cancel(tag)
    finally:
        await connection.close()
    return summarise(result, sender, arrivals, window)


# ------------------------------------------------------------------------------------ memory


@dataclass
class Memory:
    workers: int
    in_flight: int
    body_bytes: int
    large_bytes: int
    #: per worker, MB: 64 × 500 KB in flight; the one large message
    peak_in_flight_mb: list[float] = field(default_factory=list)
    peak_large_mb: list[float] = field(default_factory=list)
    #: per worker, MB, before the phase
    idle_mb: list[float] = field(default_factory=list)
    accepted: int = 0
    queued: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    large_seconds: float = 0.0
    high_water_mark: bool = False


async def memory_phase(
    gateway: GatewayProcess,
    vhost_url: str,
    queue_name: str,
    token: str,
    bodies: Sequence[bytes],
    large: bytes,
) -> Memory:
    """Peak RSS per worker with ``len(bodies)`` messages POSTed at once, then with one large one.
    No consumer: the queue's message count is compared with the 202s at the end."""
    pids = gateway.worker_pids()
    result = Memory(len(pids), len(bodies), len(bodies[0]), len(large))
    result.idle_mb = [status_kib(pid, "VmRSS") * 1024 / 1e6 for pid in pids]
    await purge(vhost_url, queue_name)
    url = f"{gateway.url}/api/v1/documents"
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT * 4)
    errors: Counter[str] = Counter()
    accepted = 0
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=len(bodies))
    ) as http:
        sender = Sender(http, url, token)
        async with PeakRss(pids) as peak:
            await sender.closed_loop(bodies, len(bodies))
        result.peak_in_flight_mb = peak.peaks_mb()
        result.high_water_mark = peak.reset
        accepted += len(sender.answered)
        errors.update(sender.errors)
        await asyncio.sleep(1.0)  # let the relays publish before the next reset
        sender = Sender(http, url, token)
        async with PeakRss(pids) as peak:
            started = time.perf_counter()
            await sender.post(large)
            result.large_seconds = time.perf_counter() - started
        result.peak_large_mb = peak.peaks_mb()
        accepted += len(sender.answered)
        errors.update(sender.errors)
    result.accepted = accepted
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    while time.monotonic() < deadline:
        result.queued = await queue_depth(vhost_url, queue_name)
        if result.queued >= accepted:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    result.queued = await purge(vhost_url, queue_name)  # the count once more, as it is emptied
    if result.queued != accepted:
        errors["queued ≠ accepted"] = abs(result.queued - accepted)
    result.errors = dict(errors)
    return result


# ------------------------------------------------------------------------------------ the floor


@dataclass
class Floor:
    size: int
    body_bytes: int
    count: int
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    messages_per_s: float = 0.0
    #: per message: the check's stages; per batch of FLOOR_BATCH: commit, publish (all confirmed)
    mean_ms: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of this process per message (the event loop, the drivers, the check)
    cpu_ms: float = 0.0
    queued: int = 0


#: timed per message in the floor loop (the check's stages), and per batch
FLOOR_STAGES = ("parse", "xsd", "signature", "envelope", "check")
FLOOR_BATCH_STEPS = ("commit", "publish")


async def floor_cost(
    db_url: str, vhost_url: str, queue_name: str, size: int, bodies: Sequence[bytes], warmup: Sequence[bytes]
) -> Floor:
    """The cheapest correct work per message, in this process: ``pipeline.check``'s stages as the
    gateway ships them (hardened parse, catalog + XSD, the signature stage, the envelope), rows
    written ``FLOOR_BATCH`` per commit, then published pipelined with confirms.  One batch is
    written and published while the next one is checked."""
    from bench_check import bench_settings, built_checks, same_verdict, staged_check
    from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, insert

    from gateway.adapters.broker.broker import Broker
    from gateway.adapters.storage.database import create_engine
    from gateway.config import Settings
    from gateway.core.pipeline import check

    settings = bench_settings(
        Settings().replace(database={"url": db_url, "migrate_on_start": False}, amqp={"url": vhost_url})
    )
    checks, revocation = built_checks(settings)
    metadata = MetaData()
    rows_table = Table(
        "floor_documents",
        metadata,
        Column("reference", String(64), primary_key=True),
        Column("message_id", String(64), nullable=False),
        Column("digest", String(100), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Column("body", LargeBinary, nullable=False),
    )
    engine = create_engine(settings.database)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    broker = Broker(settings.amqp)
    result = Floor(size, len(bodies[0]), len(bodies))
    times: dict[str, list[float]] = {name: [] for name in (*FLOOR_STAGES, *FLOOR_BATCH_STEPS)}
    errors: Counter[str] = Counter()

    async def write_and_publish(batch: list[tuple[dict[str, Any], Any]], record: bool) -> None:
        t0 = time.perf_counter()
        async with engine.begin() as connection:
            await connection.execute(insert(rows_table), [row for row, _ in batch])
        t1 = time.perf_counter()
        await asyncio.gather(
            *(
                broker.publish(
                    exchange=route.exchange,
                    routing_key=route.routing_key,
                    body=row["body"],
                    message_id=row["reference"],
                    headers={"message-id": row["message_id"]},
                    timestamp=row["received_at"],
                )
                for row, route in batch
            )
        )
        if record:
            times["commit"].append(t1 - t0)
            times["publish"].append(time.perf_counter() - t1)

    async def run(messages: Sequence[bytes], record: bool) -> None:
        batch: list[tuple[dict[str, Any], Any]] = []
        writing: asyncio.Task[None] | None = None
        for body in messages:
            t0 = time.perf_counter()
            received_at = datetime.now(UTC)
            verdict, stages = staged_check(body, received_at, checks)
            t1 = time.perf_counter()
            if not verdict.accepted or verdict.route is None or verdict.envelope is None:
                errors[f"check {verdict.refusal}"] += 1
                continue
            if record:
                for name, seconds in stages.items():
                    times[name].append(seconds)
                times["check"].append(t1 - t0)
            row = {
                "reference": uuid.uuid4().hex,
                "message_id": verdict.envelope.message_id,
                "digest": verdict.digest,
                "received_at": received_at,
                "body": body,
            }
            batch.append((row, verdict.route))
            if len(batch) == FLOOR_BATCH:
                if writing is not None:
                    await writing
                writing = asyncio.create_task(write_and_publish(batch, record))
                batch = []
            await asyncio.sleep(0)  # the batch being written goes on between checks
        if writing is not None:
            await writing
        if batch:
            await write_and_publish(batch, record)

    # the signer's revocation status obtained as the service does, then kept for every message
    probe_at = datetime.now(UTC)
    await revocation.settle(None, functools.partial(check, warmup[0], probe_at, checks))
    # the staged check must decide exactly as pipeline.check does
    if not same_verdict(staged_check(warmup[0], probe_at, checks)[0], check(warmup[0], probe_at, checks)):
        raise RuntimeError("the staged check does not give pipeline.check's verdict")
    try:
        await broker.channel()
        await purge(vhost_url, queue_name)
        await run(warmup, record=False)
        errors.clear()
        cpu = time.process_time()
        begin = time.perf_counter()
        await run(bodies, record=True)
        result.seconds = time.perf_counter() - begin
        result.cpu_ms = (time.process_time() - cpu) / max(len(bodies), 1) * 1000
    finally:
        await broker.close()
        await engine.dispose()
        await revocation.stop()
    result.ok = len(times["check"])
    result.errors = dict(errors)
    result.messages_per_s = result.ok / result.seconds if result.seconds else 0.0
    result.mean_ms = {name: statistics.fmean(v) * 1000 if v else float("nan") for name, v in times.items()}
    result.queued = await purge(vhost_url, queue_name) - len(warmup)  # drain what was published
    if result.queued != result.ok:
        result.errors["queued ≠ written"] = abs(result.queued - result.ok)
    return result


# ------------------------------------------------------------------------------------ report


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(lines)


def error_text(errors: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in errors.items()) or "0"


def e2e_rows(runs: Sequence[EndToEnd]) -> list[list[str]]:
    rows = [
        ["size", "bytes", "n", "load", "ok", "errors", "accepted/s", "MB/s", "p50 ms", "p95 ms", "p99 ms",
         "delivered/s", "twice", "202→queue p50 ms", "p95 ms", "recv→routed p50 ms", "p95 ms"]
    ]  # fmt: skip
    for r in runs:
        rows.append(
            [
                size_label(r.size),
                str(r.body_bytes),
                str(r.count),
                f"conc {r.concurrency}" if r.rate is None else f"{r.rate:.1f}/s",
                str(r.accepted),
                error_text(r.errors),
                f"{r.accepted_per_s:.1f}",
                f"{r.mb_per_s:.2f}",
                f"{r.latency_ms['p50']:.1f}",
                f"{r.latency_ms['p95']:.1f}",
                f"{r.latency_ms['p99']:.1f}",
                f"{r.delivered_per_s:.1f}",
                str(r.duplicates),
                f"{r.to_queue_ms['p50']:.1f}",
                f"{r.to_queue_ms['p95']:.1f}",
                f"{r.routed_ms.get('p50', float('nan')):.1f}",
                f"{r.routed_ms.get('p95', float('nan')):.1f}",
            ]
        )
    return rows


def report(
    workers: int,
    e2e: Sequence[EndToEnd],
    half: EndToEnd | None,
    memory: Memory | None,
    floor: Sequence[Floor],
) -> str:
    out = [
        f"End to end, `gateway serve --workers {workers}` (HTTP → gateway → PostgreSQL → outbox relay → "
        "RabbitMQ), as fast as the senders go",
        table(e2e_rows(e2e)),
        "",
    ]
    if half is not None:
        out += [
            f"Half load: {size_label(half.size)} sent at half the accepted/s above (open loop)",
            table(e2e_rows([half])),
            "",
        ]
    if memory is not None:

        def mb(values: Sequence[float]) -> str:
            return " / ".join(f"{v:.0f}" for v in values)

        how = "VmHWM, reset before each step" if memory.high_water_mark else "VmRSS sampled every 20 ms"
        rows = [
            ["workers", "idle MB", f"{memory.in_flight} × {memory.body_bytes} B in flight: peak MB",
             f"one {memory.large_bytes} B: peak MB", "large s", "accepted", "queued", "errors"],
            [str(memory.workers), mb(memory.idle_mb), mb(memory.peak_in_flight_mb),
             mb(memory.peak_large_mb), f"{memory.large_seconds:.2f}", str(memory.accepted),
             str(memory.queued), error_text(memory.errors)],
        ]  # fmt: skip
        out += [f"Peak RSS per worker ({how}; queue counted, no consumer)", table(rows), ""]
    rows = [["size", "n", "ok", "errors", "msg/s", "CPU ms/msg", "check ms", "parse", "XSD", "signature",
             "envelope", f"commit ms/{FLOOR_BATCH}", f"publish ms/{FLOOR_BATCH}", "queued"]]  # fmt: skip
    for f in floor:
        rows.append(
            [
                size_label(f.size),
                str(f.count),
                str(f.ok),
                error_text(f.errors),
                f"{f.messages_per_s:.1f}",
                f"{f.cpu_ms:.2f}",
                f"{f.mean_ms['check']:.2f}",
                f"{f.mean_ms['parse']:.2f}",
                f"{f.mean_ms['xsd']:.2f}",
                f"{f.mean_ms['signature']:.2f}",
                f"{f.mean_ms['envelope']:.2f}",
                f"{f.mean_ms['commit']:.1f}",
                f"{f.mean_ms['publish']:.1f}",
                str(f.queued),
            ]
        )
    out += [
        f"Floor (this process, one core: check stages → {FLOOR_BATCH} rows per commit → pipelined publish "
        "with confirms)",
        table(rows),
        "",
    ]
    by_size = {f.size: f for f in floor}
    rows = [["size", "e2e accepted/s", "floor msg/s", "e2e ÷ floor"]]
    for r in e2e:
        same = by_size.get(r.size)
        if same is not None and same.messages_per_s:
            ratio = f"{r.accepted_per_s / same.messages_per_s:.2f}"
            rows.append([size_label(r.size), f"{r.accepted_per_s:.1f}", f"{same.messages_per_s:.1f}", ratio])
    out += ["End to end ÷ floor", table(rows)]
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main


@dataclass(frozen=True)
class Plan:
    message_type: str
    sizes: Sequence[int]
    counts: dict[int, int]
    concurrency: int
    workers: int
    half_load_count: int
    memory: bool


#: the message identifiers' common part per list of bodies built (``M`` + the tag, see ``make_bodies``)
PREFIXES: dict[int, str] = {}


async def build(message_type: str, size: int, count: int, tag: str, what: str) -> list[bytes]:
    made, building, signing = await asyncio.to_thread(make_bodies, message_type, size, count, tag)
    print(
        f"built and signed {len(made)} × {len(made[0])} B {message_type} ({size_label(size)}, {what}): "
        f"{building + signing:.1f} s",
        flush=True,
    )
    PREFIXES[id(made)] = "M" + tag
    return made


def bodies_prefix(bodies: list[bytes]) -> str:
    return PREFIXES[id(bodies)]


async def run_benchmarks(
    res: Resources, plan: Plan
) -> tuple[list[EndToEnd], EndToEnd | None, Memory | None, list[Floor]]:
    system = message_system(plan.message_type)
    queue_name = f"{system}.inbound"
    vhost_url = amqp_url(res.vhost)
    await declare_topology_in(vhost_url)
    tags = (f"{res.run.upper()}{n:03d}" for n in itertools.count())  # 11 characters with the kind

    bodies: dict[int, list[bytes]] = {}
    warmups: dict[int, list[bytes]] = {}
    for size in plan.sizes:
        warmups[size] = await build(plan.message_type, size, WARMUP, next(tags), "warm-up")
        bodies[size] = await build(plan.message_type, size, plan.counts[size], next(tags), "end to end")
    half_size = plan.sizes[len(plan.sizes) // 2] if plan.sizes else 0
    half_bodies: list[bytes] = []
    if plan.half_load_count and plan.sizes:
        half_bodies = await build(plan.message_type, half_size, plan.half_load_count, next(tags), "half load")
    memory_bodies: list[bytes] = []
    large = b""
    if plan.memory:
        memory_bodies = await build(plan.message_type, MEMORY_SIZE, MEMORY_IN_FLIGHT, next(tags), "memory")
        large = await asyncio.to_thread(make_large, plan.message_type, LARGE_LIMIT, next(tags))

    token = await make_token(database_url(res.e2e_db), "bench@bench.test")
    res.gateway = GatewayProcess(
        database_url(res.e2e_db), vhost_url, free_port(), res.workdir / "gateway.log", plan.workers
    )
    await res.gateway.start()
    e2e: list[EndToEnd] = []
    half: EndToEnd | None = None
    memory: Memory | None = None
    try:
        for size in plan.sizes:
            print(f"end to end {size_label(size)}: {plan.counts[size]} messages, "
                  f"concurrency {plan.concurrency}", flush=True)  # fmt: skip
            result = EndToEnd(size, len(bodies[size][0]), len(bodies[size]), plan.concurrency)
            e2e.append(
                await end_to_end(
                    res.gateway.url, vhost_url, queue_name, token, result, bodies[size], warmups[size]
                )
            )
            e2e[-1].routed_ms = await routed_lag(database_url(res.e2e_db), bodies_prefix(bodies[size]))
            res.gateway.check_alive()
        if half_bodies:
            peak = next(r for r in e2e if r.size == half_size).accepted_per_s
            rate = max(peak / 2, 1.0)
            print(
                f"half load {size_label(half_size)}: {len(half_bodies)} messages at {rate:.1f}/s", flush=True
            )
            result = EndToEnd(half_size, len(half_bodies[0]), len(half_bodies), MEMORY_IN_FLIGHT, rate)
            half = await end_to_end(res.gateway.url, vhost_url, queue_name, token, result, half_bodies, ())
            half.routed_ms = await routed_lag(database_url(res.e2e_db), bodies_prefix(half_bodies))
            res.gateway.check_alive()
        if plan.memory:
            print(f"memory: {len(memory_bodies)} × {len(memory_bodies[0])} B at once, then one of "
                  f"{len(large)} B", flush=True)  # fmt: skip
            memory = await memory_phase(res.gateway, vhost_url, queue_name, token, memory_bodies, large)
            res.gateway.check_alive()
    finally:
        res.gateway.stop()
    problems = [line for line in res.gateway.log_tail(500_000).splitlines() if " ERROR " in line]
    if problems:
        print(f"gateway log: {len(problems)} ERROR lines, first: {problems[0]}", file=sys.stderr)

    floor: list[Floor] = []
    for size in plan.sizes:
        made = await build(plan.message_type, size, plan.counts[size] + WARMUP, next(tags), "floor")
        print(f"floor {size_label(size)}: {plan.counts[size]} messages", flush=True)
        floor.append(
            await floor_cost(
                database_url(res.floor_db), vhost_url, queue_name, size, made[WARMUP:], made[:WARMUP]
            )
        )
    return e2e, half, memory, floor


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the clean-up in ``main``'s finally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma separated (default {DEFAULT_SIZES})")
    parser.add_argument("--count", type=int, default=None, help="messages per size (default 600 / 400 / 120)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="gateway serve --workers")
    parser.add_argument(
        "--quick", action="store_true", help="fewer messages (200 / 150 / 48): a minute or two"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak RSS phase")
    parser.add_argument(
        "--memory-only", action="store_true", help="only the peak RSS phase (no throughput, no floor)"
    )
    parser.add_argument("--message-type", default="CC015C")
    parser.add_argument("--json", type=Path, default=None, help="write the results to this file too")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or args.concurrency < 1 or args.workers < 1 or (args.count is not None and args.count < 1):
        parser.error("sizes, count, concurrency and workers must be positive")
    defaults = QUICK_COUNTS if args.quick else DEFAULT_COUNTS
    if args.memory_only:
        sizes = []
    plan = Plan(
        message_type=args.message_type,
        sizes=sizes,
        counts={s: args.count or defaults.get(s, FALLBACK_COUNT) for s in sizes},
        concurrency=args.concurrency,
        workers=args.workers,
        half_load_count=0 if args.memory_only else HALF_LOAD_COUNT[1 if args.quick else 0],
        memory=not args.no_memory,
    )

    signal.signal(signal.SIGTERM, _terminate)
    res = Resources()
    started = time.perf_counter()
    try:
        res.setup()
        e2e, half, memory, floor = asyncio.run(run_benchmarks(res, plan))
    except BaseException:
        if res.gateway is not None:
            print(f"gateway log tail:\n{res.gateway.log_tail()}", file=sys.stderr)
        raise
    finally:
        res.close()
    text = report(plan.workers, e2e, half, memory, floor)
    print()
    print(text)
    print(f"\n(total {time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs; {platform.platform()})")
    if args.json is not None:
        document: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version},
            "message_type": args.message_type,
            "workers": plan.workers,
            "end_to_end": [asdict(r) for r in e2e],
            "half_load": asdict(half) if half else None,
            "memory": asdict(memory) if memory else None,
            "floor": [asdict(f) for f in floor],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    runs = [*e2e, *([half] if half else [])]
    failed = (
        any(r.errors for r in runs)
        or any(f.errors for f in floor)
        or (memory is not None and bool(memory.errors))
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
