"""Throughput and latency of the running gateway, and the bare cost of the same work.

    .venv/bin/python bench/run.py [--sizes 5KB,50KB,500KB] [--count N] [--concurrency C] [--json FILE]

Every message is distinct (its own message identifier and LRN) and signed (XAdES-BES, RSA 2048) by
the samples' test PKI (``samples/pki``), which the gateway under test trusts
(``GATEWAY_SIGNATURE_PKI_DIR``); revocation is answered in-process by that PKI's OCSP responder.

End-to-end: a fresh PostgreSQL database and RabbitMQ vhost, ``gateway serve`` as a subprocess, distinct
messages POSTed at a fixed concurrency while a consumer reads the system's inbound queue.  Per size:
accepted/s, MB/s, HTTP latency percentiles, delivered/s and the time from the HTTP 202 to the arrival
in the queue.

Bare cost: the same work in-process, one message at a time, without HTTP: ``pipeline.check`` (its
stages timed apart: parse, catalog+XSD, signature, envelope), ``DocumentStore.store`` on PostgreSQL
(another fresh database) and ``Broker.publish`` with confirms.

Everything created (gateway process, databases, vhost) is removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
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

from gateway.channels.cli.main import parse_size

ROOT = Path(__file__).resolve().parent.parent
#: the samples' test PKI: the messages are signed with it and the gateway under test trusts it
SAMPLE_PKI = ROOT / "samples" / "pki"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "127.0.0.1")
DEFAULT_SIZES = "5KB,50KB,500KB"
#: default message counts per size: the whole run stays within a few minutes on 2 cores
DEFAULT_COUNTS = {5 * 1024: 400, 50 * 1024: 300, 500 * 1024: 100}
FALLBACK_COUNT = 50
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


# ------------------------------------------------------------------------------------ resources


class Resources:
    """What the benchmark creates, removed in reverse order by ``close`` (also after a failure)."""

    def __init__(self) -> None:
        run = uuid.uuid4().hex[:8]
        self.run = run
        self.vhost = f"gw-bench-{run}"
        self.e2e_db = f"gw_bench_e2e_{run}"
        self.bare_db = f"gw_bench_bare_{run}"
        self.workdir = Path(tempfile.mkdtemp(prefix="gw-bench-"))
        self.gateway: GatewayProcess | None = None
        self._cleanups: list[tuple[str, Callable[[], None]]] = []

    def setup(self) -> None:
        from gateway.adapters.storage.migrations import upgrade

        rabbitmqctl("add_vhost", self.vhost)
        self._cleanups.append(("delete vhost", lambda: rabbitmqctl("delete_vhost", self.vhost)))
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        for name in (self.e2e_db, self.bare_db):
            asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
            self._cleanups.append((f"drop database {name}", functools.partial(drop_database, name)))
            upgrade(database_url(name))

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
    def __init__(self, db_url: str, broker_url: str, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.log = log
        self._env = {
            **os.environ,
            "GATEWAY_DATABASE_URL": db_url,
            "GATEWAY_AMQP_URL": broker_url,
            "GATEWAY_RELAY_POLL_SECONDS": "0.2",
            "GATEWAY_AMQP_RECONNECT_SECONDS": "0.5",
            "GATEWAY_SIGNATURE_PKI_DIR": str(SAMPLE_PKI),
        }
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway.channels.cli.main", "serve", "--port", str(self.port)],
                env=self._env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the gateway exited at start:\n{self.log_tail()}")
                try:
                    async with session.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError(f"the gateway was not ready within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

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


async def make_token(db_url: str, login: str) -> tuple[str, int]:
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
        accounts = registry.accounts
        view = await accounts.add(login)
        return await accounts.issue_token(login), view.id
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------ end-to-end


@dataclass
class EndToEnd:
    size: int
    body_bytes: int
    count: int
    concurrency: int
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accepted_per_s: float = 0.0
    mb_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    delivered: int = 0
    delivered_seconds: float = 0.0
    delivered_per_s: float = 0.0
    to_queue_ms: dict[str, float] = field(default_factory=dict)
    #: the gateway's own view, from its database: received_at -> routed_at (relay lag included)
    routed_ms: dict[str, float] = field(default_factory=dict)


class Arrivals:
    """Consumes a queue and notes when each message (by AMQP ``message_id``) arrived."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        if message.message_id is not None:
            self.at.setdefault(message.message_id, time.perf_counter())
        self.changed.set()

    async def wait_for(self, references: set[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not references <= self.at.keys():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(left, 0.5))


async def post_all(
    http: aiohttp.ClientSession,
    url: str,
    token: str,
    bodies: Sequence[bytes],
    concurrency: int,
) -> tuple[list[float], dict[str, float], Counter[str], float, float]:
    """POSTs every body once; returns latencies (s) of 202s, reference -> answer time, errors, window."""
    latencies: list[float] = []
    answered: dict[str, float] = {}
    errors: Counter[str] = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    next_index = iter(range(len(bodies)))

    async def sender() -> None:
        for index in next_index:  # shared iterator: each body is taken by one sender
            started = time.perf_counter()
            try:
                async with http.post(url, data=bodies[index], headers=headers) as response:
                    payload = await response.read()
                    done = time.perf_counter()
                    if response.status != 202:
                        errors[f"HTTP {response.status}"] += 1
                        if errors[f"HTTP {response.status}"] == 1:
                            print(f"  first HTTP {response.status}: {payload[:400]!r}", file=sys.stderr)
                        continue
                    reference = json.loads(payload)["reference"]
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                errors[type(exc).__name__] += 1
                continue
            latencies.append(done - started)
            answered[reference] = done

    begin = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return latencies, answered, errors, begin, time.perf_counter()


async def end_to_end(
    gateway_url: str,
    vhost_url: str,
    queue_name: str,
    token: str,
    size: int,
    bodies: Sequence[bytes],
    warmup: Sequence[bytes],
    concurrency: int,
) -> EndToEnd:
    result = EndToEnd(size, len(bodies[0]), len(bodies), concurrency)
    arrivals = Arrivals()
    connection = await aio_pika.connect(vhost_url, timeout=10)
    try:
        channel = await connection.channel()
        queue = await channel.get_queue(queue_name, ensure=True)
        await queue.purge()
        tag = await queue.consume(arrivals.on_message, no_ack=True)
        url = f"{gateway_url}/api/v1/documents"
        timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
            if warmup:
                _, warm, _, _, _ = await post_all(http, url, token, warmup, min(concurrency, len(warmup)))
                await arrivals.wait_for(set(warm), 10.0)
            arrivals.at.clear()
            latencies, answered, errors, begin, end = await post_all(http, url, token, bodies, concurrency)
        await arrivals.wait_for(set(answered), ARRIVAL_TIMEOUT)
        await queue.cancel(tag)
    finally:
        await connection.close()

    result.accepted = len(latencies)
    result.errors = dict(errors)
    result.seconds = end - begin
    result.accepted_per_s = result.accepted / result.seconds
    result.mb_per_s = result.accepted * result.body_bytes / result.seconds / 1e6
    result.latency_ms = {
        name: percentile(latencies, q) * 1000 for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
    }
    result.latency_ms["mean"] = statistics.fmean(latencies) * 1000 if latencies else float("nan")
    delivered = {ref: arrivals.at[ref] for ref in answered if ref in arrivals.at}
    result.delivered = len(delivered)
    if delivered:
        result.delivered_seconds = max(delivered.values()) - begin
        result.delivered_per_s = result.delivered / result.delivered_seconds
    to_queue = [arrivals.at[ref] - answered[ref] for ref in delivered]
    result.to_queue_ms = {name: percentile(to_queue, q) * 1000 for name, q in (("p50", 0.5), ("p95", 0.95))}
    lost = set(answered) - set(delivered)
    if lost:
        result.errors["not delivered"] = len(lost)
    return result


# ------------------------------------------------------------------------------------ bare cost


@dataclass
class Bare:
    size: int
    body_bytes: int
    count: int
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    messages_per_s: float = 0.0
    mean_ms: dict[str, float] = field(default_factory=dict)
    queued: int = 0
    cached_rights_us: float = float("nan")


#: timed per message in the bare loop: the check's stages, the whole check, store, publish
BARE_STAGES = ("parse", "xsd", "signature", "envelope", "check", "rights", "store", "publish")
#: cached rights answers timed per size, to show what a cache hit costs against the round trip
CACHED_RIGHTS_ROUNDS = 2000


async def bare_cost(
    db_url: str, vhost_url: str, queue_name: str, size: int, bodies: Sequence[bytes], warmup: Sequence[bytes]
) -> Bare:
    from bench_check import bench_settings, built_checks, same_verdict, staged_check

    from gateway.adapters.broker.broker import Broker
    from gateway.adapters.storage.database import create_engine, session_factory
    from gateway.adapters.storage.documents import DocumentStore, StoreOutcome, outbox_headers
    from gateway.adapters.storage.registry_lookup import RegistryLookup
    from gateway.config import Settings
    from gateway.core.domain import Sender, Submission
    from gateway.core.pipeline import check
    from gateway.core.registry.rights import load_rights_table
    from gateway.services.rights import RightsCheck

    settings = bench_settings(
        Settings().replace(database={"url": db_url, "migrate_on_start": False}, amqp={"url": vhost_url})
    )
    checks, revocation = built_checks(settings)
    _, account_id = await make_token(db_url, f"bare-{uuid.uuid4().hex[:8]}@bench.test")
    sender = Sender(account_id, "bare@bench.test")
    engine = create_engine(settings.database)
    store = DocumentStore(session_factory(engine))
    table = load_rights_table(settings.registry.rights_table)
    # uncached: every message pays the registry's one round trip, the most the check may cost
    rights = RightsCheck(table, RegistryLookup(session_factory(engine), cache_seconds=0))
    broker = Broker(settings.amqp)
    result = Bare(size, len(bodies[0]), len(bodies))
    stages: dict[str, list[float]] = {name: [] for name in BARE_STAGES}
    errors: Counter[str] = Counter()

    async def one(body: bytes, record: bool) -> None:
        t0 = time.perf_counter()
        received_at = datetime.now(UTC)
        # pipeline.check, stage by stage (parse, catalog+XSD, signature, envelope)
        verdict, check_stages = staged_check(body, received_at, checks)
        t1 = time.perf_counter()
        verdict = await rights.apply(verdict, received_at)
        t_rights = time.perf_counter()
        if not verdict.accepted or verdict.route is None:
            errors[f"check {verdict.refusal}"] += 1
            if errors[f"check {verdict.refusal}"] == 1:
                print(f"  first refusal {verdict.refusal}: {verdict.errors[:2]}", file=sys.stderr)
            return
        stored = await store.store(Submission(body, sender, received_at), verdict)
        t2 = time.perf_counter()
        if stored.outcome is not StoreOutcome.NEW:
            errors[f"store {stored.outcome.value}"] += 1
            return
        reference = stored.receipt.reference
        await broker.publish(
            exchange=verdict.route.exchange,
            routing_key=verdict.route.routing_key,
            body=body,
            message_id=reference,
            headers=outbox_headers(reference, verdict),
            timestamp=received_at,
        )
        t3 = time.perf_counter()
        if record:
            for name, seconds in check_stages.items():
                stages[name].append(seconds)
            stages["check"].append(t1 - t0)
            stages["rights"].append(t_rights - t1)
            stages["store"].append(t2 - t_rights)
            stages["publish"].append(t3 - t2)

    # the signer's revocation status obtained as the service does, then kept for every message
    probe_at = datetime.now(UTC)
    await revocation.settle(None, functools.partial(check, warmup[0], probe_at, checks))
    # the staged check must decide exactly as pipeline.check does
    if not same_verdict(staged_check(warmup[0], probe_at, checks)[0], check(warmup[0], probe_at, checks)):
        raise RuntimeError("the staged check does not give pipeline.check's verdict")
    try:
        await broker.channel()
        await purge(vhost_url, queue_name)
        for body in warmup:
            await one(body, record=False)
        errors.clear()
        begin = time.perf_counter()
        for body in bodies:
            await one(body, record=True)
        result.seconds = time.perf_counter() - begin
        result.cached_rights_us = await cached_rights_cost(
            RightsCheck(table, RegistryLookup(session_factory(engine), cache_seconds=3600)),
            staged_check(warmup[0], datetime.now(UTC), checks)[0],
        )
    finally:
        await broker.close()
        await engine.dispose()
        await revocation.stop()
    result.ok = len(stages["check"])
    result.errors = dict(errors)
    result.messages_per_s = result.ok / result.seconds if result.seconds else 0.0
    result.mean_ms = {name: statistics.fmean(v) * 1000 if v else float("nan") for name, v in stages.items()}
    result.queued = await purge(vhost_url, queue_name) - len(warmup)  # drain what was published
    return result


async def cached_rights_cost(rights: Any, verdict: Any) -> float:
    """Microseconds per rights check when the registry's answer is cached (decision included)."""
    await rights.lookup.refresh()
    at = datetime.now(UTC)
    await rights.apply(verdict, at)
    begin = time.perf_counter()
    for _ in range(CACHED_RIGHTS_ROUNDS):
        decided = await rights.apply(verdict, at)
    elapsed = time.perf_counter() - begin
    if rights.lookup.queries != 1 or not decided.accepted:
        raise RuntimeError("the cached rights check asked the database again, or refused")
    return elapsed / CACHED_RIGHTS_ROUNDS * 1e6


# ------------------------------------------------------------------------------------ report


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(lines)


def report(e2e: Sequence[EndToEnd], bare: Sequence[Bare]) -> str:
    rows = [
        ["size", "bytes", "n", "conc", "ok", "errors", "accepted/s", "MB/s", "p50 ms", "p95 ms", "p99 ms",
         "delivered/s", "202→queue p50 ms", "p95 ms", "recv→routed p50 ms", "p95 ms"]
    ]  # fmt: skip
    for r in e2e:
        rows.append(
            [
                size_label(r.size),
                str(r.body_bytes),
                str(r.count),
                str(r.concurrency),
                str(r.accepted),
                ", ".join(f"{k}: {v}" for k, v in r.errors.items()) or "0",
                f"{r.accepted_per_s:.1f}",
                f"{r.mb_per_s:.2f}",
                f"{r.latency_ms['p50']:.1f}",
                f"{r.latency_ms['p95']:.1f}",
                f"{r.latency_ms['p99']:.1f}",
                f"{r.delivered_per_s:.1f}",
                f"{r.to_queue_ms['p50']:.1f}",
                f"{r.to_queue_ms['p95']:.1f}",
                f"{r.routed_ms.get('p50', float('nan')):.1f}",
                f"{r.routed_ms.get('p95', float('nan')):.1f}",
            ]
        )
    out = ["End-to-end (HTTP → gateway → PostgreSQL → outbox relay → RabbitMQ)", table(rows), ""]
    rows = [["size", "n", "ok", "errors", "msg/s", "MB/s", "check ms", "parse", "XSD", "signature",
             "envelope", "rights ms", "cached µs", "store ms", "publish ms", "queued"]]  # fmt: skip
    for b in bare:
        rows.append(
            [
                size_label(b.size),
                str(b.count),
                str(b.ok),
                ", ".join(f"{k}: {v}" for k, v in b.errors.items()) or "0",
                f"{b.messages_per_s:.1f}",
                f"{b.messages_per_s * b.body_bytes / 1e6:.2f}",
                f"{b.mean_ms['check']:.2f}",
                f"{b.mean_ms['parse']:.2f}",
                f"{b.mean_ms['xsd']:.2f}",
                f"{b.mean_ms['signature']:.2f}",
                f"{b.mean_ms['envelope']:.2f}",
                f"{b.mean_ms['rights']:.2f}",
                f"{b.cached_rights_us:.1f}",
                f"{b.mean_ms['store']:.2f}",
                f"{b.mean_ms['publish']:.2f}",
                str(b.queued),
            ]
        )
    out += [
        "Bare cost (in-process, one at a time: check (parse, catalog+XSD, signature, envelope) → rights "
        "(one registry query, uncached; 'cached µs': the same check on a cached answer) → store → "
        "publish with confirm)",
        table(rows),
        "",
    ]
    by_size = {b.size: b for b in bare}
    rows = [["size", "e2e accepted/s", "bare msg/s", "ratio"]]
    for r in e2e:
        same = by_size.get(r.size)
        if same is not None and same.messages_per_s:
            ratio = f"{r.accepted_per_s / same.messages_per_s:.2f}"
            rows.append([size_label(r.size), f"{r.accepted_per_s:.1f}", f"{same.messages_per_s:.1f}", ratio])
    out += ["End-to-end ÷ bare", table(rows)]
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main


async def run_benchmarks(
    res: Resources, message_type: str, sizes: Sequence[int], counts: dict[int, int], concurrency: int
) -> tuple[list[EndToEnd], list[Bare]]:
    system = message_system(message_type)
    queue_name = f"{system}.inbound"
    vhost_url = amqp_url(res.vhost)
    await declare_topology_in(vhost_url)

    bodies: dict[int, list[bytes]] = {}
    warmups: dict[int, list[bytes]] = {}
    for n, size in enumerate(sizes):
        warmups[size], _, _ = await asyncio.to_thread(
            make_bodies, message_type, size, WARMUP, e2e_tag(res, n, "W")
        )
        made, building, signing = await asyncio.to_thread(
            make_bodies, message_type, size, counts[size], e2e_tag(res, n, "E")
        )
        bodies[size] = made
        print(
            f"built and signed {len(made)} × {len(made[0])} B {message_type} ({size_label(size)}): "
            f"building {building:.1f} s, signing {signing:.1f} s "
            f"({(building + signing) / len(made) * 1000:.1f} ms each)",
            flush=True,
        )

    token, _ = await make_token(database_url(res.e2e_db), "bench@bench.test")
    res.gateway = GatewayProcess(
        database_url(res.e2e_db), vhost_url, free_port(), res.workdir / "gateway.log"
    )
    await res.gateway.start()
    e2e: list[EndToEnd] = []
    try:
        for n, size in enumerate(sizes):
            print(
                f"end-to-end {size_label(size)}: {counts[size]} messages, concurrency {concurrency}",
                flush=True,
            )
            e2e.append(
                await end_to_end(
                    res.gateway.url,
                    vhost_url,
                    queue_name,
                    token,
                    size,
                    bodies[size],
                    warmups[size],
                    concurrency,
                )
            )
            e2e[-1].routed_ms = await routed_lag(database_url(res.e2e_db), "M" + e2e_tag(res, n, "E"))
            if res.gateway.process is not None and res.gateway.process.poll() is not None:
                raise RuntimeError(f"the gateway died:\n{res.gateway.log_tail()}")
    finally:
        res.gateway.stop()
    problems = [line for line in res.gateway.log_tail(200_000).splitlines() if " ERROR " in line]
    if problems:
        print(f"gateway log: {len(problems)} ERROR lines, first: {problems[0]}", file=sys.stderr)

    bare: list[Bare] = []
    for n, size in enumerate(sizes):
        # other message identifiers than the end-to-end run (another database, but keep them apart)
        made, building, signing = await asyncio.to_thread(
            make_bodies, message_type, size, counts[size] + WARMUP, f"{res.run.upper()}{n:02d}B"
        )
        print(
            f"bare {size_label(size)}: {counts[size]} messages (built and signed in "
            f"{building + signing:.1f} s)",
            flush=True,
        )
        bare.append(
            await bare_cost(
                database_url(res.bare_db), vhost_url, queue_name, size, made[WARMUP:], made[:WARMUP]
            )
        )
    return e2e, bare


def e2e_tag(res: Resources, n: int, kind: str) -> str:
    return f"{res.run.upper()}{n:02d}{kind}"


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the clean-up in ``main``'s finally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma separated (default {DEFAULT_SIZES})")
    parser.add_argument(
        "--count", type=int, default=None, help="messages per size (default 400 / 300 / 100 for 5/50/500 KB)"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--message-type", default="CC015C")
    parser.add_argument("--json", type=Path, default=None, help="write the results to this file too")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or args.concurrency < 1 or (args.count is not None and args.count < 1):
        parser.error("sizes, count and concurrency must be positive")
    counts = {s: args.count or DEFAULT_COUNTS.get(s, FALLBACK_COUNT) for s in sizes}

    signal.signal(signal.SIGTERM, _terminate)
    res = Resources()
    started = time.perf_counter()
    try:
        res.setup()
        e2e, bare = asyncio.run(run_benchmarks(res, args.message_type, sizes, counts, args.concurrency))
    except BaseException:
        if res.gateway is not None:
            print(f"gateway log tail:\n{res.gateway.log_tail()}", file=sys.stderr)
        raise
    finally:
        res.close()
    text = report(e2e, bare)
    print()
    print(text)
    print(f"\n(total {time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs; {platform.platform()})")
    if args.json is not None:
        document: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version},
            "message_type": args.message_type,
            "end_to_end": [asdict(r) for r in e2e],
            "bare": [asdict(b) for b in bare],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    failed = any(r.errors for r in e2e) or any(b.errors for b in bare)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
