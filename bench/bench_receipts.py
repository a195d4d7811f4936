"""Cost of the gateway's signed receipts (UPO / NPP): in-process, and through a running gateway.

    .venv/bin/python bench/bench_receipts.py [--sizes 5KB,50KB] [--rounds 300] [--count 300]
        [--concurrency 8] [--memory 1000] [--profile] [--json FILE] [--no-gateway]

A receipt does not grow with the message it answers, but its facts come from a real verdict: per size,
messages are built and signed by the samples' test PKI (``samples/pki``, role ``sc-person``) and run
through ``gateway.core.pipeline.check`` (trusting that PKI), and each receipt is made from one of those
verdicts with a reference of its own.

In-process, one thread, per size: ``receipt_xml`` (build), ``ReceiptSigner.sign`` (XAdES-BES) with the
DEMO signer's EC P-256 key and with an RSA-2048 key, build + sign together (receipts/s on one core),
``verify_receipt`` (ours) and ``xmlsec1 --verify`` as a subprocess (when the command exists), both
signers each.  Then the tracemalloc peak of issuing ``--memory`` receipts.

Through a gateway (``gateway serve`` as a subprocess on a fresh PostgreSQL database, the broker
disabled: ``GATEWAY_AMQP_ENABLED=false``, so the outbox relay does not compete for the cores): per
size, distinct documents POSTed as JSON (the baseline) and with ``Accept: application/xml`` (each
answer a freshly issued, stored UPO), alternating in two halves each; then ``GET .../upo`` of the
JSON-posted documents, first (issue + store) and second (the stored bytes), all at ``--concurrency``.
Then the same store path serially in-process (``Receipts.for_document``, first and second call) to
split a receipt's time into signing and database.

Every receipt is checked: the in-process ones by ``verify_receipt`` (and xmlsec1), the HTTP ones by
status, media type and root element, a sample by ``verify_receipt`` against the gateway's published
certificate and the document POSTed, and every second GET must give the first GET's bytes.
Everything made (gateway process, database, signer folder) is removed at the end, also on failure.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import aiohttp
from bench_check import SIGNER_ROLE, bench_settings, built_checks, settled_check, signed_message, size_label
from run import (
    GatewayProcess,
    database_url,
    drop_database,
    free_port,
    make_bodies,
    make_token,
    percentile,
    pg_admin,
    table,
)

from gateway.channels.cli.common import parse_size

if TYPE_CHECKING:
    from cryptography import x509

    from gateway.adapters.receipt_signer import ReceiptSigner
    from gateway.core.domain import Verdict
    from gateway.core.receipts.document import ReceiptFacts

DEFAULT_SIZES = "5KB,50KB"
MESSAGE_TYPE = "CC015C"
#: distinct signed messages (verdicts) per size for the in-process receipts, used in turn
VERDICTS = 8
WARMUP = 4
HTTP_TIMEOUT = 60.0
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
#: a recorded rights decision (``Decision.as_dict``) of the kind the samples' registry gives
RIGHTS: dict[str, object] = {
    "basis": "own-name",
    "person": "PL000000000001",
    "representation": None,
    "scope": None,
    "shared_with_podmiot": True,
}


def _ms(seconds: float) -> float:
    return seconds * 1000


def stats_ms(samples: Sequence[float]) -> dict[str, float]:
    """mean / p50 / p95 in ms of samples in seconds."""
    if not samples:
        return {"mean": float("nan"), "p50": float("nan"), "p95": float("nan")}
    return {
        "mean": _ms(statistics.fmean(samples)),
        "p50": _ms(percentile(samples, 0.5)),
        "p95": _ms(percentile(samples, 0.95)),
    }


# ------------------------------------------------------------------------------------ signers


def rsa_signer() -> ReceiptSigner:
    """A self-signed RSA-2048 receipt signer, made in memory like the DEMO one (same extensions)."""
    from gateway.adapters.receipt_signer import ReceiptSigner, self_signed_certificate
    from gateway.core.xmldsig.keys import generate_key

    key = generate_key(rsa_bits=2048)
    return ReceiptSigner(
        key, self_signed_certificate(key, "customs-gateway receipts (BENCH RSA-2048)", days=30)
    )


def demo_ec_signer(folder: Path) -> ReceiptSigner:
    """The gateway's DEMO signer (EC P-256), made in ``folder`` (its log lines silenced)."""
    import logging

    from gateway.core.receipts import signer as signer_module

    logger = logging.getLogger(signer_module.__name__)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return signer_module.demo_signer(folder)
    finally:
        logger.setLevel(level)


# ------------------------------------------------------------------------------------ in-process


@dataclass
class InProcess:
    size: int
    message_bytes: int
    rounds: int
    unsigned_bytes: int = 0
    signed_bytes: dict[str, int] = field(default_factory=dict)  # by key
    #: mean / p50 / p95 ms, by operation ("build", "sign EC", "build+sign RSA", "xmlsec1 EC", ...)
    ms: dict[str, dict[str, float]] = field(default_factory=dict)
    #: build + sign, receipts per second of one thread's loop, by key
    per_s: dict[str, float] = field(default_factory=dict)
    #: CPU seconds ÷ wall seconds of that loop (1.0 = one core busy)
    cpu_share: dict[str, float] = field(default_factory=dict)
    xmlsec_rounds: int = 0


def verdicts_for(size: int, count: int, tag: str) -> tuple[list[Verdict], int]:
    """``count`` verdicts of distinct signed messages of ``size`` (all accepted), and the messages' size."""
    checks, revocation = built_checks(bench_settings())
    verdicts: list[Verdict] = []
    length = 0
    for i in range(count):
        body = signed_message(MESSAGE_TYPE, size, message_id=f"R{tag}{i:08d}", lrn=f"L{tag}{i:08d}")
        verdict = settled_check(body, datetime.now(UTC), checks, revocation)
        if not verdict.accepted:
            raise RuntimeError(
                f"the {size_label(size)} message is refused: {verdict.refusal} {verdict.errors}"
            )
        verdicts.append(verdict)
        length = len(body)
    return verdicts, length


def facts_for(verdicts: Sequence[Verdict], count: int) -> list[ReceiptFacts]:
    from gateway.core.domain import Receipt, Status
    from gateway.core.receipts.document import ReceiptFacts

    received = datetime.now(UTC)
    return [
        ReceiptFacts.of(
            Receipt(
                reference=str(uuid.uuid4()),
                status=Status.ACCEPTED,
                received_at=received + timedelta(milliseconds=i),
                verdict=verdicts[i % len(verdicts)],
                rights=RIGHTS,
            )
        )
        for i in range(count)
    ]


def timed_each(work: Callable[[int], object], count: int) -> list[float]:
    """Seconds of ``work(i)`` for i in 0..count-1 (one unmeasured call first)."""
    work(0)
    times = []
    for i in range(count):
        started = time.perf_counter()
        work(i)
        times.append(time.perf_counter() - started)
    return times


def xmlsec_command() -> str | None:
    return shutil.which("xmlsec1")


def xmlsec_verify(tool: str, receipt: bytes, certificate_pem: Path, folder: Path) -> float:
    """Seconds of one ``xmlsec1 --verify`` with the key of the pinned certificate; raises if it fails."""
    path = folder / f"receipt-{uuid.uuid4().hex}.xml"
    path.write_bytes(receipt)
    command = [
        tool, "--verify", "--id-attr:Id", f"{XADES_NS}:SignedProperties",
        "--enabled-key-data", "key-name", "--pubkey-cert-pem", str(certificate_pem), str(path),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - started
    path.unlink()
    if done.returncode != 0 or "FAIL" in done.stdout + done.stderr:
        raise RuntimeError(f"xmlsec1 does not verify the receipt: {done.stdout} {done.stderr}")
    return elapsed


def spawn_cost(tool: str, rounds: int = 10) -> float:
    """ms of starting ``xmlsec1 --version``: the process start, for scale."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([tool, "--version"], capture_output=True, check=True, timeout=30)
        times.append(time.perf_counter() - started)
    return _ms(statistics.median(times))


def in_process(
    size: int,
    rounds: int,
    xmlsec_rounds: int,
    signers: dict[str, ReceiptSigner],
    folder: Path,
    tag: str,
) -> InProcess:
    from gateway.core.receipts.document import receipt_xml
    from gateway.core.receipts.verify import verify_receipt

    verdicts, message_bytes = verdicts_for(size, VERDICTS, tag)
    facts = facts_for(verdicts, rounds + 1)
    result = InProcess(size, message_bytes, rounds)
    issued_at = datetime.now(UTC)
    unsigned = [receipt_xml(f, issued_at) for f in facts]
    result.unsigned_bytes = len(unsigned[0])
    result.ms["build"] = stats_ms(timed_each(lambda i: receipt_xml(facts[i], issued_at), rounds))
    tool = xmlsec_command()
    for name, signer in signers.items():
        signed: list[bytes] = [b""] * (rounds + 1)

        def sign(i: int, signer: ReceiptSigner = signer, signed: list[bytes] = signed) -> None:
            signed[i] = signer.sign(unsigned[i], issued_at)

        result.ms[f"sign {name}"] = stats_ms(timed_each(sign, rounds))
        result.signed_bytes[name] = len(signed[1])

        # build + sign in one loop, as Receipts.issue does: receipts/s of one thread
        def issue(i: int, signer: ReceiptSigner = signer) -> None:
            signer.sign(receipt_xml(facts[i], issued_at), issued_at)

        issue(0)
        wall, cpu = time.perf_counter(), time.process_time()
        issue_times = timed_each(issue, rounds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        result.ms[f"build+sign {name}"] = stats_ms(issue_times)
        result.per_s[name] = rounds / sum(issue_times)
        result.cpu_share[name] = cpu / wall

        trusted = [signer.certificate]

        def verify(i: int, trusted: list[x509.Certificate] = trusted, signed: list[bytes] = signed) -> None:
            verified = verify_receipt(signed[i], trusted)
            if verified.reference != facts[i].reference:
                raise RuntimeError("the verified receipt is not the one signed")

        result.ms[f"verify {name}"] = stats_ms(timed_each(verify, rounds))
        if tool is not None and xmlsec_rounds > 0:
            pem = folder / f"receipt-signer-{name.replace(' ', '-')}.pem"
            pem.write_bytes(signer.certificates_pem())
            n = min(xmlsec_rounds, rounds)
            result.ms[f"xmlsec1 {name}"] = stats_ms(
                [xmlsec_verify(tool, signed[i], pem, folder) for i in range(n)]
            )
            result.xmlsec_rounds = n
    return result


def issue_memory(signer: ReceiptSigner, verdicts: Sequence[Verdict], count: int) -> dict[str, float]:
    """tracemalloc (Python objects only, not libxml2's) while issuing ``count`` receipts, kept in a list:
    the peak, what stays allocated (the receipts), and the peak less that (working memory)."""
    import gc

    from gateway.core.receipts.document import receipt_xml

    facts = facts_for(verdicts, count)
    at = datetime.now(UTC)
    signer.sign(receipt_xml(facts[0], at), at)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    kept = [signer.sign(receipt_xml(f, at), at) for f in facts]
    seconds = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mib = 1024 * 1024
    return {
        "count": count,
        "peak_mib": peak / mib,
        "kept_mib": current / mib,
        "working_mib": (peak - current) / mib,
        "receipt_bytes": statistics.fmean(len(k) for k in kept),
        "seconds": seconds,
    }


def profile_issue(signer: ReceiptSigner, verdicts: Sequence[Verdict], rounds: int, top: int = 20) -> str:
    """cProfile of ``rounds`` receipts built and signed, then of verifying them; by own time."""
    from gateway.core.receipts.document import receipt_xml
    from gateway.core.receipts.verify import verify_receipt

    facts = facts_for(verdicts, rounds)
    at = datetime.now(UTC)
    trusted = [signer.certificate]
    out = io.StringIO()
    signed: list[bytes] = []
    profiler = cProfile.Profile()
    profiler.enable()
    for f in facts:
        signed.append(signer.sign(receipt_xml(f, at), at))
    profiler.disable()
    out.write(f"\ncProfile, build + sign, {rounds} receipts, by own time:\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    profiler = cProfile.Profile()
    profiler.enable()
    for receipt in signed:
        verify_receipt(receipt, trusted)
    profiler.disable()
    out.write(f"\ncProfile, verify_receipt, {rounds} receipts, by own time:\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ------------------------------------------------------------------------------------ through a gateway


@dataclass
class Phase:
    """One batch of requests at a fixed concurrency."""

    size: int
    name: str
    count: int
    concurrency: int
    ok: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    answer_bytes: float = 0.0
    #: seconds of each successful request (not reported)
    samples: list[float] = field(default_factory=list, repr=False)


@dataclass
class Serial:
    """``Receipts.for_document`` in-process, one at a time, on the gateway's database."""

    size: int
    count: int
    first_ms: dict[str, float] = field(default_factory=dict)
    second_ms: dict[str, float] = field(default_factory=dict)
    issue_ms: dict[str, float] = field(default_factory=dict)


class ReceiptGateway(GatewayProcess):
    """``gateway serve`` with the broker (and so the outbox relay) disabled, and the DEMO receipt signer
    made in a folder of the benchmark's own (not in the working directory)."""

    def __init__(self, db_url: str, port: int, log: Path, signer_dir: Path) -> None:
        super().__init__(db_url, "amqp://guest:guest@127.0.0.1:5672/%2F", port, log)
        self._env["GATEWAY_AMQP_ENABLED"] = "false"
        self._env["GATEWAY_RECEIPTS_DEMO_DIR"] = str(signer_dir)


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    reference: str | None


Request = Callable[[aiohttp.ClientSession, int], Awaitable[Answer]]
Check = Callable[[int, Answer], str | None]  # an error, or None


async def drive(
    http: aiohttp.ClientSession, phase: Phase, count: int, request: Request, check: Check
) -> list[Answer | None]:
    """Calls ``request(http, i)`` for i in 0..count-1 from ``phase.concurrency`` senders; adds to ``phase``
    (successes, their latencies, errors, elapsed time) and returns the answers (None for errors)."""
    answers: list[Answer | None] = [None] * count
    latencies = phase.samples
    errors: Counter[str] = Counter(phase.errors)
    indexes = iter(range(count))
    sizes: list[int] = []

    async def sender() -> None:
        for i in indexes:  # shared iterator: each index is taken by one sender
            started = time.perf_counter()
            try:
                answer = await request(http, i)
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors[type(exc).__name__] += 1
                continue
            done = time.perf_counter()
            problem = check(i, answer)
            if problem is not None:
                errors[problem] += 1
                if errors[problem] == 1:
                    print(f"  {phase.name}: first {problem}: {answer.body[:300]!r}", file=sys.stderr)
                continue
            latencies.append(done - started)
            sizes.append(len(answer.body))
            answers[i] = answer

    begin = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(phase.concurrency)))
    phase.seconds += time.perf_counter() - begin
    phase.ok += len(sizes)
    phase.errors = dict(errors)
    phase.per_s = phase.ok / phase.seconds if phase.seconds else 0.0
    if sizes:
        phase.answer_bytes = statistics.fmean(sizes)
    phase.latency_ms = {name: _ms(percentile(latencies, q)) for name, q in (("p50", 0.5), ("p95", 0.95))}
    phase.latency_ms["mean"] = _ms(statistics.fmean(latencies)) if latencies else float("nan")
    return answers


def phase_dict(phase: Phase) -> dict[str, Any]:
    return {k: v for k, v in asdict(phase).items() if k != "samples"}


async def answer_of(response: aiohttp.ClientResponse) -> Answer:
    return Answer(
        response.status, await response.read(), response.content_type, response.headers.get("X-Reference")
    )


def upo_check(expected_status: int) -> Check:
    """A signed UPO in XML with a reference, answered with ``expected_status``."""

    def check(_: int, answer: Answer) -> str | None:
        if answer.status != expected_status:
            return f"HTTP {answer.status}"
        if answer.content_type != "application/xml" or answer.reference is None:
            return "not an XML receipt"
        if b"<rcpt:UPO " not in answer.body[:200] or b"SignatureValue" not in answer.body:
            return "not a signed UPO"
        return None

    return check


def json_check(_: int, answer: Answer) -> str | None:
    if answer.status != 202:
        return f"HTTP {answer.status}"
    try:
        answer.reference = str(json.loads(answer.body)["reference"])
    except (ValueError, KeyError):
        return "no reference in the JSON answer"
    return None


async def gateway_phases(
    url: str,
    token: str,
    size: int,
    bodies: Sequence[bytes],
    warmup: Sequence[bytes],
    concurrency: int,
    certificate: list[x509.Certificate],
    verify_sample: int,
) -> tuple[list[Phase], list[str]]:
    """POST JSON vs POST for a UPO (alternating halves), then GET /upo twice; returns the phases and the
    problems found checking a sample of the receipts offline."""
    from gateway.core.receipts.verify import ReceiptNotVerified, verify_receipt

    count = len(bodies) // 2
    json_bodies, xml_bodies = bodies[:count], bodies[count:]
    post_url = f"{url}/api/v1/documents"
    auth = {"Authorization": f"Bearer {token}"}
    as_json = {**auth, "Content-Type": "application/xml", "Accept": "application/json"}
    as_xml = {**auth, "Content-Type": "application/xml", "Accept": "application/xml"}

    def poster(batch: Sequence[bytes], headers: dict[str, str]) -> Request:
        async def request(http: aiohttp.ClientSession, i: int) -> Answer:
            async with http.post(post_url, data=batch[i], headers=headers) as response:
                return await answer_of(response)

        return request

    def getter(references: Sequence[str]) -> Request:
        async def request(http: aiohttp.ClientSession, i: int) -> Answer:
            async with http.get(f"{url}/api/v1/documents/{references[i]}/upo", headers=auth) as response:
                return await answer_of(response)

        return request

    phases = {
        name: Phase(size, name, n, concurrency)
        for name, n in (
            ("POST, JSON answer", count),
            ("POST, UPO answer", len(xml_bodies)),
            ("GET /upo, first", count),
            ("GET /upo, second", count),
        )
    }
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=concurrency)
    json_pairs: list[tuple[bytes, str]] = []  # (document, reference) of the JSON-posted ones
    problems: list[str] = []
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        # warm-up (unmeasured): both kinds of POST and a GET /upo
        half = len(warmup) // 2
        warm = Phase(size, "warm-up", len(warmup), min(concurrency, len(warmup)))
        answered = await drive(http, warm, half, poster(warmup[:half], as_json), json_check)
        await drive(http, warm, len(warmup) - half, poster(warmup[half:], as_xml), upo_check(202))
        warm_refs = [a.reference for a in answered if a is not None and a.reference is not None]
        await drive(http, warm, len(warm_refs), getter(warm_refs), upo_check(200))
        if warm.errors:
            raise RuntimeError(f"the warm-up failed: {warm.errors}")

        # JSON and UPO answers in alternating halves (A B A B): both see the same database growth
        xml_answers: list[Answer | None] = []
        for part in range(2):
            a, b = part * count // 2, (part + 1) * count // 2
            c, d = part * len(xml_bodies) // 2, (part + 1) * len(xml_bodies) // 2
            answers = await drive(
                http, phases["POST, JSON answer"], b - a, poster(json_bodies[a:b], as_json), json_check
            )
            json_pairs += [
                (json_bodies[a + i], x.reference)
                for i, x in enumerate(answers)
                if x is not None and x.reference is not None
            ]
            xml_answers += await drive(
                http, phases["POST, UPO answer"], d - c, poster(xml_bodies[c:d], as_xml), upo_check(202)
            )

        json_references = [reference for _, reference in json_pairs]
        first = await drive(
            http, phases["GET /upo, first"], len(json_references), getter(json_references), upo_check(200)
        )
        first_bodies = {i: a.body for i, a in enumerate(first) if a is not None}

        def same_as_first(i: int, answer: Answer) -> str | None:
            problem = upo_check(200)(i, answer)
            if problem is None and first_bodies.get(i) != answer.body:
                return "second GET differs from the first"
            return problem

        await drive(
            http, phases["GET /upo, second"], len(json_references), getter(json_references), same_as_first
        )

    # a sample verified offline against the gateway's certificate, with the document it answers
    samples = [(xml_bodies[i], a.body) for i, a in enumerate(xml_answers) if a is not None][:verify_sample]
    samples += [(json_pairs[i][0], body) for i, body in list(first_bodies.items())[:verify_sample]]
    for document, receipt in samples:
        try:
            if verify_receipt(receipt, certificate, document).document_matches is not True:
                problems.append("a receipt does not state its document's digest")
        except ReceiptNotVerified as exc:
            problems.append(f"a receipt from the gateway does not verify: {exc}")
    return list(phases.values()), problems


async def serial_store(
    db_url: str, signer_dir: Path, size: int, references: Sequence[str], rounds: int
) -> Serial:
    """``Receipts.for_document`` one at a time, first (issue + store) and second (stored) call, for
    documents of the gateway's database whose receipts were not issued yet; ``issue_ms`` is the
    signing part alone (``Receipts.issue``)."""
    from gateway.adapters.storage.database import create_engine, session_factory
    from gateway.adapters.storage.documents import DocumentStore
    from gateway.config import DatabaseSettings
    from gateway.core.receipts.document import ReceiptFacts
    from gateway.services.receipts import Receipts

    engine = create_engine(DatabaseSettings(url=db_url, pool_size=2))
    result = Serial(size, min(rounds, len(references)))
    try:
        sessions = session_factory(engine)
        store = DocumentStore(sessions)
        receipts = Receipts(sessions, demo_ec_signer(signer_dir))
        first: list[float] = []
        second: list[float] = []
        issue: list[float] = []
        for reference in references[: result.count]:
            stored = await store.get(reference)
            if stored is None:
                raise RuntimeError(f"document {reference} is not in the database")
            t0 = time.perf_counter()
            body = await receipts.for_document(stored.receipt)
            t1 = time.perf_counter()
            again = await receipts.for_document(stored.receipt)
            t2 = time.perf_counter()
            receipts.issue(ReceiptFacts.of(stored.receipt))
            t3 = time.perf_counter()
            if again != body:
                raise RuntimeError("the stored receipt is not the one issued")
            first.append(t1 - t0)
            second.append(t2 - t1)
            issue.append(t3 - t2)
        result.first_ms, result.second_ms, result.issue_ms = (
            stats_ms(first),
            stats_ms(second),
            stats_ms(issue),
        )
    finally:
        await engine.dispose()
    return result


class Resources:
    """A fresh database and a work folder; removed by ``close`` (also after a failure)."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8]
        self.database = f"gw_bench_rcpt_{self.run}"
        self.workdir = Path(tempfile.mkdtemp(prefix="gw-bench-rcpt-"))
        self.gateway: ReceiptGateway | None = None
        self._created = False

    def setup(self) -> None:
        from gateway.adapters.storage.migrations import upgrade

        asyncio.run(pg_admin(f'CREATE DATABASE "{self.database}"'))
        self._created = True
        upgrade(database_url(self.database))

    def close(self) -> None:
        if self.gateway is not None:
            self.gateway.stop()
        if self._created:
            try:
                drop_database(self.database)
            except Exception as exc:
                print(f"clean-up: could not drop database {self.database}: {exc!r}", file=sys.stderr)
        shutil.rmtree(self.workdir, ignore_errors=True)


async def through_gateway(
    res: Resources, sizes: Sequence[int], count: int, concurrency: int, serial_rounds: int, verify_sample: int
) -> tuple[list[Phase], list[Serial], list[str]]:
    from cryptography import x509

    db_url = database_url(res.database)
    bodies: dict[int, list[bytes]] = {}
    for n, size in enumerate(sizes):
        started = time.perf_counter()
        made, _, _ = await asyncio.to_thread(
            make_bodies, MESSAGE_TYPE, size, WARMUP + 2 * count + serial_rounds, f"{res.run.upper()}{n:02d}R"
        )
        bodies[size] = made
        print(
            f"built and signed {len(made)} × {len(made[0])} B {MESSAGE_TYPE} ({size_label(size)}) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    token, _ = await make_token(db_url, "bench@bench.test")
    signer_dir = res.workdir / "receipt-signer"
    res.gateway = ReceiptGateway(db_url, free_port(), res.workdir / "gateway.log", signer_dir)
    await res.gateway.start()
    phases: list[Phase] = []
    serial: list[Serial] = []
    problems: list[str] = []
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{res.gateway.url}/receipts/certificate.pem") as response,
        ):
            certificate = x509.load_pem_x509_certificates(await response.read())
        for size in sizes:
            made = bodies[size]
            print(f"gateway {size_label(size)}: {count} + {count} POSTs, then 2 × GET /upo", flush=True)
            measured, sample_problems = await gateway_phases(
                res.gateway.url,
                token,
                size,
                made[WARMUP : WARMUP + 2 * count],
                made[:WARMUP],
                concurrency,
                certificate,
                verify_sample,
            )
            phases += measured
            problems += [f"{size_label(size)}: {p}" for p in sample_problems + measured_problems(measured)]
            if serial_rounds:
                # documents without a receipt yet: POSTed as JSON, unmeasured
                refs = await post_unmeasured(res.gateway.url, token, made[WARMUP + 2 * count :], concurrency)
                serial.append(await serial_store(db_url, signer_dir, size, refs, serial_rounds))
            if res.gateway.process is not None and res.gateway.process.poll() is not None:
                raise RuntimeError(f"the gateway died:\n{res.gateway.log_tail()}")
    finally:
        res.gateway.stop()
    errors = [line for line in res.gateway.log_tail(200_000).splitlines() if " ERROR " in line]
    if errors:
        problems.append(f"gateway log: {len(errors)} ERROR lines, first: {errors[0]}")
    return phases, serial, problems


async def post_unmeasured(url: str, token: str, bodies: Sequence[bytes], concurrency: int) -> list[str]:
    """POSTs ``bodies`` (JSON answers); the references of the accepted ones."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}

    async def post(http: aiohttp.ClientSession, i: int) -> Answer:
        async with http.post(f"{url}/api/v1/documents", data=bodies[i], headers=headers) as response:
            return await answer_of(response)

    phase = Phase(0, "unmeasured", len(bodies), concurrency)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT)) as http:
        answers = await drive(http, phase, len(bodies), post, json_check)
    return [a.reference for a in answers if a is not None and a.reference is not None]


def measured_problems(phases: Sequence[Phase]) -> list[str]:
    return [f"{p.name}: {p.errors}" for p in phases if p.errors]


# ------------------------------------------------------------------------------------ report


OPERATIONS = ("build", "sign", "build+sign", "verify", "xmlsec1")


def report_in_process(results: Sequence[InProcess], keys: Sequence[str], spawn_ms: float | None) -> str:
    rows = [["size", "msg bytes", "operation", "key", "n", "mean ms", "p50 ms", "p95 ms", "receipts/s"]]
    for r in results:
        for operation in OPERATIONS:
            for key in keys if operation != "build" else [""]:
                name = f"{operation} {key}".strip()
                if name not in r.ms:
                    continue
                m = r.ms[name]
                n = r.xmlsec_rounds if operation == "xmlsec1" else r.rounds
                per_s = f"{r.per_s[key]:.0f}" if operation == "build+sign" else ""
                rows.append(
                    [
                        size_label(r.size),
                        str(r.message_bytes),
                        operation,
                        key or "-",
                        str(n),
                        f"{m['mean']:.3f}",
                        f"{m['p50']:.3f}",
                        f"{m['p95']:.3f}",
                        per_s,
                    ]
                )
    out = ["In-process, one thread (receipts/s: build + sign in a loop, on one core)", table(rows)]
    first = results[0]
    sizes = ", ".join(f"{k} {v} B" for k, v in first.signed_bytes.items())
    out.append(f"receipt size: unsigned {first.unsigned_bytes} B; signed {sizes}")
    cpu = ", ".join(f"{k} {v:.2f}" for k, v in first.cpu_share.items())
    out.append(f"CPU ÷ wall of the build+sign loop ({size_label(first.size)}): {cpu}")
    if spawn_ms is not None:
        out.append(f"xmlsec1 process start alone (xmlsec1 --version, median): {spawn_ms:.2f} ms")
    return "\n".join(out)


def report_gateway(phases: Sequence[Phase], serial: Sequence[Serial]) -> str:
    rows = [["size", "request", "n", "ok", "errors", "req/s", "p50 ms", "p95 ms", "mean ms", "answer B"]]
    for p in phases:
        rows.append(
            [
                size_label(p.size),
                p.name,
                str(p.count),
                str(p.ok),
                ", ".join(f"{k}: {v}" for k, v in p.errors.items()) or "0",
                f"{p.per_s:.1f}",
                f"{p.latency_ms['p50']:.1f}",
                f"{p.latency_ms['p95']:.1f}",
                f"{p.latency_ms['mean']:.1f}",
                f"{p.answer_bytes:.0f}",
            ]
        )
    out = [
        f"Through the gateway (PostgreSQL, broker disabled), concurrency {phases[0].concurrency}",
        table(rows),
    ]
    by_size: dict[int, dict[str, Phase]] = {}
    for p in phases:
        by_size.setdefault(p.size, {})[p.name] = p
    rows = [["size", "POST JSON req/s", "POST UPO req/s", "throughput", "p50 Δ ms", "mean Δ ms"]]
    for size, named in by_size.items():
        base, upo = named["POST, JSON answer"], named["POST, UPO answer"]
        rows.append(
            [
                size_label(size),
                f"{base.per_s:.1f}",
                f"{upo.per_s:.1f}",
                f"{upo.per_s / base.per_s - 1:+.0%}" if base.per_s else "-",
                f"{upo.latency_ms['p50'] - base.latency_ms['p50']:+.1f}",
                f"{upo.latency_ms['mean'] - base.latency_ms['mean']:+.1f}",
            ]
        )
    out += ["", "POST with a UPO answer against POST with JSON", table(rows)]
    if serial:
        rows = [
            ["size", "n", "first mean ms", "p50", "p95", "second mean ms", "p50", "p95", "of it signing ms"]
        ]
        for s in serial:
            rows.append(
                [size_label(s.size), str(s.count)]
                + [f"{s.first_ms[k]:.2f}" for k in ("mean", "p50", "p95")]
                + [f"{s.second_ms[k]:.2f}" for k in ("mean", "p50", "p95")]
                + [f"{s.issue_ms['mean']:.2f}"]
            )
        out += [
            "",
            "Receipts.for_document, serially in-process on the gateway's database (first: read, issue in "
            "a thread, insert + commit; second: one read; signing: Receipts.issue alone)",
            table(rows),
        ]
    return "\n".join(out)


# ------------------------------------------------------------------------------------ main


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the clean-up in ``main``'s finally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"comma separated (default {DEFAULT_SIZES})")
    parser.add_argument("--rounds", type=int, default=300, help="in-process receipts per size (default 300)")
    parser.add_argument(
        "--xmlsec-rounds", type=int, default=30, help="xmlsec1 runs per size and key (default 30; 0: none)"
    )
    parser.add_argument(
        "--count", type=int, default=300, help="documents per size for each kind of POST (default 300)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--serial",
        type=int,
        default=50,
        help="serial Receipts.for_document calls per size (default 50; 0: none)",
    )
    parser.add_argument(
        "--verify-sample",
        type=int,
        default=10,
        help="gateway receipts per kind verified offline (default 10)",
    )
    parser.add_argument(
        "--memory", type=int, default=1000, help="receipts issued under tracemalloc (default 1000; 0: none)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile of build+sign and verify"
    )
    parser.add_argument("--no-gateway", action="store_true", help="in-process only (no PostgreSQL needed)")
    parser.add_argument("--json", type=Path, default=None, help="write the results to this file too")
    args = parser.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    if not sizes or min(args.rounds, args.count, args.concurrency) < 1:
        parser.error("sizes, rounds, count and concurrency must be positive")

    signal.signal(signal.SIGTERM, _terminate)
    started = time.perf_counter()
    res = Resources()
    try:
        signers = {"EC P-256": demo_ec_signer(res.workdir / "demo-signer"), "RSA-2048": rsa_signer()}
        results: list[InProcess] = []
        for n, size in enumerate(sizes):
            print(f"in-process {size_label(size)}: {args.rounds} receipts per operation", flush=True)
            tag = f"{res.run.upper()}{n:02d}P"
            results.append(in_process(size, args.rounds, args.xmlsec_rounds, signers, res.workdir, tag))
        tool = xmlsec_command()
        spawn_ms = spawn_cost(tool) if tool is not None and args.xmlsec_rounds else None
        verdicts, _ = verdicts_for(min(sizes), VERDICTS, f"{res.run.upper()}99M")
        memory = issue_memory(signers["EC P-256"], verdicts, args.memory) if args.memory else None
        profile = profile_issue(signers["EC P-256"], verdicts, 200) if args.profile else None

        phases: list[Phase] = []
        serial: list[Serial] = []
        problems: list[str] = []
        if not args.no_gateway:
            res.setup()
            phases, serial, problems = asyncio.run(
                through_gateway(res, sizes, args.count, args.concurrency, args.serial, args.verify_sample)
            )
    except BaseException:
        if res.gateway is not None:
            print(f"gateway log tail:\n{res.gateway.log_tail()}", file=sys.stderr)
        raise
    finally:
        res.close()

    print()
    print(f"{MESSAGE_TYPE} messages signed by {SIGNER_ROLE} (RSA 2048); receipts: UPO")
    print(report_in_process(results, list(signers), spawn_ms))
    if memory is not None:
        print(
            f"\nissuing {memory['count']} receipts (EC, kept in a list) under tracemalloc: peak "
            f"{memory['peak_mib']:.2f} MiB, kept {memory['kept_mib']:.2f} MiB "
            f"({memory['receipt_bytes']:.0f} B per receipt), working {memory['working_mib']:.2f} MiB "
            f"(Python objects only; libxml2's trees are not traced); {memory['seconds']:.2f} s"
        )
    if phases:
        print()
        print(report_gateway(phases, serial))
    if profile is not None:
        print(profile)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print(f"\n(total {time.perf_counter() - started:.0f} s; {os.cpu_count()} CPUs; {platform.platform()})")
    if args.json is not None:
        document: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": sys.version},
            "in_process": [asdict(r) for r in results],
            "xmlsec_spawn_ms": spawn_ms,
            "memory": memory,
            "gateway": [phase_dict(p) for p in phases],
            "serial": [asdict(s) for s in serial],
            "problems": problems,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    return 1 if problems or any(p.errors for p in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
