"""Micro benchmark of the checks alone (``gateway.core.pipeline.check``: parse, catalog, XSD,
signature, envelope).

    .venv/bin/python bench/bench_check.py [--sizes 5KB,50KB,500KB,5MB] [--seconds 8] [--profile 500KB]

Every message is signed (XAdES-BES, RSA 2048) by the samples' test PKI (``samples/pki``, role
``sc-person``) and the checks trust that PKI; revocation is answered in-process by its demo OCSP
responder (``local:sc``: a freshly signed OCSP response per check, not cached).

Per size: ms per message and MB/s of ``check``; the same work stage by stage (hardened parse,
catalog lookup + XSD validation, signature, envelope); the signature stage split into its steps
(profile/locate, signing certificate and key, chain, verification, identity, revocation); inside
signxml (the former verifier, run for comparison), where its time goes (its parses and
serialisations of the document, canonicalisation, digests, the RSA verification) and how often the
whole document is parsed per check; the revocation check split (OCSP request, the responder
signing, validating the answer).  For the largest size the peak memory
of one ``check``.  One thread, no I/O (apart from the demo PKI's file-state look-ups).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import functools
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
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.channels.cli.common import parse_size

if TYPE_CHECKING:
    from gateway.adapters.revocation import RevocationStatuses
    from gateway.config import Settings
    from gateway.core.domain import Verdict
    from gateway.core.pipeline import Checks
    from gateway.core.signature.stage import SignedContent
    from gateway.core.validation.catalog import MessageSchema
    from gateway.core.validation.parsing import ParsedDocument

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PKI = ROOT / "samples" / "pki"
SIGNER_ROLE = "sc-person"
DEFAULT_SIZES = "5KB,50KB,500KB,5MB"
#: most iterations per size; each size also stops after ``--seconds``
MAX_ITERATIONS = {5 * 1024: 2000, 50 * 1024: 500, 500 * 1024: 100, 5 * 1024 * 1024: 12}
FALLBACK_ITERATIONS = 50
#: the stages of ``pipeline.check`` and the steps of ``XadesVerification.verify``, in order
STAGES = ("parse", "xsd", "signature", "envelope")
SIGNATURE_STEPS = ("locate", "certificate", "chain", "verify", "identity", "revocation")
SIGNXML_PARTS = ("parse", "serialise", "c14n", "digest", "rsa", "resolve", "other")
REVOCATION_PARTS = ("request", "authority", "answer", "validate", "lookup")


def size_label(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)}MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024}KB"
    return f"{size}B"


# ------------------------------------------------------------------------ signed messages, settings


def bench_settings(settings: Settings | None = None) -> Settings:
    """``settings`` (default: the defaults) trusting the samples' test PKI, as the benchmarks need."""
    from gateway.config import Settings

    return (settings or Settings()).replace(signature={"pki_dir": SAMPLE_PKI})


def built_checks(settings: Settings) -> tuple[Checks, RevocationStatuses]:
    """The checks as the gateway builds them, and the revocation statuses they look up."""
    from gateway.bootstrap import build_checks, configured_revocation

    revocation = configured_revocation(settings.signature)
    return build_checks(settings, revocation), revocation


def settled_check(
    body: bytes, received_at: datetime, checks: Checks, revocation: RevocationStatuses
) -> Verdict:
    """``pipeline.check`` as the service runs it: the revocation statuses it lacks are obtained (the
    test PKI answers in-process) and it runs again.  Later checks of the same signer find them kept."""
    from gateway.core.pipeline import check

    return asyncio.run(revocation.settle(None, functools.partial(check, body, received_at, checks)))


def signed_message(
    message_type: str, size: int, message_id: str | None = None, lrn: str | None = None
) -> bytes:
    """A message of about ``size`` bytes with its own identifiers, signed by the test PKI's SC person."""
    from gateway.demo.samplegen import SampleParams, build_sized
    from gateway.demo.samplegen.signing import sign_sample

    params = SampleParams()
    if message_id is not None:
        params = dataclasses.replace(params, message_id=message_id)
    if lrn is not None:
        params = dataclasses.replace(params, reference=lrn)
    return sign_sample(build_sized(message_type, size, params), SIGNER_ROLE)


# ------------------------------------------------------------------------ the checks, stage by stage


def _ms(seconds: float) -> float:
    return seconds * 1000


def staged_check(body: bytes, received_at: datetime, checks: Checks) -> tuple[Verdict, dict[str, float]]:
    """``pipeline.check`` with its stages timed (seconds): the same calls in the same order, the same
    Verdict.  A refused document is handed to ``pipeline.check`` itself for its refusal verdict."""
    from gateway.core.domain import Identification, Route, Verdict
    from gateway.core.errors import DocumentRejected
    from gateway.core.pipeline import check, read_envelope, validate
    from gateway.core.validation.parsing import digest_of, parse

    times: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        known = Verdict(digest=digest_of(body), identification=Identification())
        parsed = parse(body, checks.parsing)
        t1 = time.perf_counter()
        schema = checks.catalog.resolve(parsed.root_qname, received_at)
        known = dataclasses.replace(
            known, identification=Identification(schema.system, schema.message_type, schema.version)
        )
        validate(parsed, schema)
        t2 = time.perf_counter()
        signed = checks.signature.verify(parsed, schema, received_at)
        known = dataclasses.replace(
            known, signer=signed.signer, warnings=signed.warnings, revocation=signed.revocation
        )
        t3 = time.perf_counter()
        envelope = read_envelope(signed, schema)
        verdict = dataclasses.replace(
            known, envelope=envelope, route=Route.inbound(envelope.system, envelope.message_type)
        )
        t4 = time.perf_counter()
    except DocumentRejected:
        return check(body, received_at, checks), times
    times.update(parse=t1 - t0, xsd=t2 - t1, signature=t3 - t2, envelope=t4 - t3)
    return verdict, times


def same_verdict(one: Verdict, other: Verdict) -> bool:
    """Equal but for the revocation evidence's moments (each check asks anew)."""
    if (one.revocation is None) != (other.revocation is None):
        return False
    if one.revocation is not None and other.revocation is not None:
        times = ("checked_at", "this_update", "next_update")
        a = dataclasses.replace(one.revocation, **{name: None for name in times})
        b = dataclasses.replace(other.revocation, **{name: None for name in times})
        if a != b:
            return False
    return dataclasses.replace(one, revocation=None) == dataclasses.replace(other, revocation=None)


def _signxml(parsed: ParsedDocument, *rest: Any) -> Any:
    """The verifier the stage ran before: signxml over the received bytes."""
    from gateway.core.signature.xades import verify_xades

    return verify_xades(parsed.body, *rest)


def signature_steps(
    parsed: ParsedDocument,
    schema: MessageSchema,
    received_at: datetime,
    checks: Checks,
    engine: Callable[..., Any] | None = None,
) -> tuple[SignedContent, dict[str, float]]:
    """What ``XadesVerification.verify`` does, step by step, timed (seconds); ``engine`` replaces
    the stage's verifier (the signxml probe runs the former one, ``xades.verify_xades``)."""
    from gateway.core.signature.identity import person_of
    from gateway.core.signature.profile import check_objects, locate_signature
    from gateway.core.signature.stage import SignedContent, signer_of, take_out_signature
    from gateway.core.signature.trust import build_chain, check_key
    from gateway.core.signature.xades import signing_certificate

    stage: Any = checks.signature
    policy, revocation = stage._policy, stage._revocation
    engine = engine or stage._engine
    t0 = time.perf_counter()
    parts = locate_signature(parsed.root, policy.algorithms)
    t1 = time.perf_counter()
    signer, others = signing_certificate(parts, policy.algorithms)
    check_key(signer)
    t2 = time.perf_counter()
    chain = build_chain(signer, others, policy.anchors, received_at)
    t3 = time.perf_counter()
    verified = engine(parsed, parts, signer, others, policy.algorithms, received_at, policy.max_skew)
    check_objects(parts)
    t4 = time.perf_counter()
    person = person_of(chain.kind, signer, verified.signed_signature_properties)
    t5 = time.perf_counter()
    evidence = revocation.status(chain.signer, chain.issuer, at=received_at)
    t6 = time.perf_counter()
    take_out_signature(parts.signature)
    signed = SignedContent(
        root=verified.signed_root,
        signer=signer_of(chain.kind, person, signer),
        revocation=evidence,
    )
    times = dict(
        locate=t1 - t0,
        certificate=t2 - t1,
        chain=t3 - t2,
        verify=t4 - t3,
        identity=t5 - t4,
        revocation=t6 - t5,
    )
    return signed, times


class SignxmlProbe:
    """Times signxml's building blocks while active (class attributes wrapped, restored on exit):
    ``_fromstring`` (its parses; the input sizes are kept, to count whole-document parses),
    ``_tostring`` (serialisations), ``_c14n``, ``_get_digest``, ``_verify_signature_with_pubkey``
    (the RSA verification of SignatureValue) and ``_resolve_reference`` (an XPath over the whole
    document for the SignedProperties' Id)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.parsed_sizes: list[int] = []
        self.serialised_sizes: list[int] = []
        self.c14n_sizes: list[int] = []

    @contextlib.contextmanager
    def active(self) -> Iterator[SignxmlProbe]:
        from signxml.processor import XMLProcessor, XMLSignatureProcessor
        from signxml.verifier import XMLVerifier

        targets = [
            (XMLProcessor, "_fromstring", "parse", self.parsed_sizes, "in"),
            (XMLProcessor, "_tostring", "serialise", self.serialised_sizes, "out"),
            (XMLSignatureProcessor, "_c14n", "c14n", self.c14n_sizes, "out"),
            (XMLSignatureProcessor, "_get_digest", "digest", None, ""),
            (XMLVerifier, "_verify_signature_with_pubkey", "rsa", None, ""),
            (XMLSignatureProcessor, "_resolve_reference", "resolve", None, ""),
        ]
        saved = [(owner, name, owner.__dict__[name]) for owner, name, *_ in targets]
        for owner, name, category, sizes, which in targets:
            setattr(owner, name, self._wrap(owner.__dict__[name], category, sizes, which))
        try:
            yield self
        finally:
            for owner, name, original in saved:
                setattr(owner, name, original)

    def _wrap(
        self, original: Callable[..., Any], category: str, sizes: list[int] | None, which: str
    ) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = original(*args, **kwargs)
            self.seconds[category] += time.perf_counter() - started
            if sizes is not None:
                value = args[1] if which == "in" else result
                if isinstance(value, bytes | str):
                    sizes.append(len(value))
            return result

        return timed


@dataclass
class Result:
    size: int
    body_bytes: int
    iterations: int
    ms: float  # mean per message, whole check
    ms_min: float
    mb_per_s: float
    #: medians per stage / step; the signxml parts are means over an instrumented pass
    stage_ms: dict[str, float] = field(default_factory=dict)  # STAGES
    signature_ms: dict[str, float] = field(default_factory=dict)  # SIGNATURE_STEPS
    signxml_ms: dict[str, float] = field(default_factory=dict)  # SIGNXML_PARTS
    #: per check: whole-document parses (ours + signxml's), serialisations, c14n
    document_parses: int = 0
    signxml_parses: int = 0
    document_serialisations: int = 0
    document_c14n: int = 0


def timed(work: Callable[[], object], max_iterations: int, seconds: float) -> list[float]:
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < max_iterations and (not times or time.perf_counter() < deadline):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def _medians(samples: Sequence[dict[str, float]], names: Sequence[str]) -> dict[str, float]:
    """ms, the median per name: the splits are about proportions, and one preempted or collected
    iteration among the few of the large sizes would otherwise land in whichever step it hit."""
    return {name: _ms(statistics.median(s[name] for s in samples)) for name in names}


def measure(size: int, body: bytes, seconds: float, checks: Checks, revocation: RevocationStatuses) -> Result:
    from gateway.core.pipeline import check, read_envelope, validate
    from gateway.core.validation.parsing import parse

    received_at = datetime.now(UTC)
    verdict = settled_check(body, received_at, checks, revocation)  # the statuses kept from here on
    if not verdict.accepted:
        raise RuntimeError(
            f"the {size_label(size)} message is refused: {verdict.refusal} {verdict.errors[:3]}"
        )
    staged, _ = staged_check(body, received_at, checks)
    if not same_verdict(staged, verdict):
        raise RuntimeError("the staged check does not give pipeline.check's verdict")
    limit = MAX_ITERATIONS.get(size, FALLBACK_ITERATIONS)
    whole = timed(lambda: check(body, received_at, checks), limit, seconds)

    def loop(work: Callable[[], dict[str, float]], budget: float, most: int) -> list[dict[str, float]]:
        samples: list[dict[str, float]] = []
        deadline = time.perf_counter() + budget
        while len(samples) < most and (not samples or time.perf_counter() < deadline):
            samples.append(work())
        return samples

    # the same work, stage by stage (what ``check`` does)
    stages = loop(lambda: staged_check(body, received_at, checks)[1], seconds / 2, max(1, limit // 2))

    # the signature stage, step by step (what ``XadesVerification.verify`` does)
    def steps() -> dict[str, float]:
        parsed = parse(body, checks.parsing)
        schema = checks.catalog.resolve(parsed.root_qname, received_at)
        validate(parsed, schema)
        signed, times = signature_steps(parsed, schema, received_at, checks)
        read_envelope(signed, schema)
        return times

    signature = loop(steps, seconds / 2, max(1, limit // 2))

    # inside signxml: its building blocks timed, its parses counted (a separate pass: the probe's
    # wrappers cost a little)
    rounds = max(1, min(limit // 4, 50))
    probe = SignxmlProbe()
    signxml_total = 0.0
    with probe.active():
        for _ in range(rounds):
            parsed = parse(body, checks.parsing)
            schema = checks.catalog.resolve(parsed.root_qname, received_at)
            validate(parsed, schema)
            signxml_total += signature_steps(parsed, schema, received_at, checks, _signxml)[1]["verify"]
    inner = {name: _ms(probe.seconds.get(name, 0.0) / rounds) for name in SIGNXML_PARTS if name != "other"}
    inner["other"] = _ms(signxml_total / rounds) - sum(inner.values())
    whole_doc = len(body) // 2  # a parse or serialisation of at least half the body is of the document

    mean = statistics.fmean(whole)
    signxml_parses = sum(1 for n in probe.parsed_sizes if n >= whole_doc) // rounds
    return Result(
        size=size,
        body_bytes=len(body),
        iterations=len(whole),
        ms=_ms(mean),
        ms_min=_ms(min(whole)),
        mb_per_s=len(body) / mean / 1e6,
        stage_ms=_medians(stages, STAGES),
        signature_ms=_medians(signature, SIGNATURE_STEPS),
        signxml_ms=inner,
        document_parses=1 + signxml_parses,  # ours (XSD validates that tree) + signxml's
        signxml_parses=signxml_parses,
        document_serialisations=sum(1 for n in probe.serialised_sizes if n >= whole_doc) // rounds,
        document_c14n=sum(1 for n in probe.c14n_sizes if n >= whole_doc) // rounds,
    )


def revocation_split(
    body: bytes, checks: Checks, revocation: RevocationStatuses, seconds: float
) -> dict[str, float]:
    """ms per revocation step for the signer's certificate: building an OCSP request; finding the demo
    authority (``kind_of``: certificate comparisons, file-state look-ups); the demo responder's answer
    (``LocalAuthorities.ocsp_response``, from its cache of signed answers); validating the answer
    (responder certificate, signature, times, nonce): the work of obtaining a status, off the checks'
    path; and ``lookup``, what a check itself does (``RevocationStatuses.status``, the status kept)."""
    from gateway.core.revocation.answers import Freshness
    from gateway.core.revocation.ocsp import build_request, validate_response
    from gateway.core.signature.profile import locate_signature
    from gateway.core.signature.trust import build_chain
    from gateway.core.signature.xades import signing_certificate
    from gateway.core.validation.parsing import parse

    stage: Any = checks.signature
    policy = stage.policy
    local: Any = revocation._local
    at = datetime.now(UTC)
    parts = locate_signature(parse(body, checks.parsing).root, policy.algorithms)
    signer, others = signing_certificate(parts, policy.algorithms)
    chain = build_chain(signer, others, policy.anchors, at)
    cert, issuer = chain.signer, chain.issuer
    asyncio.run(revocation.check(cert, issuer, at=at))
    samples: list[dict[str, float]] = []
    deadline = time.perf_counter() + seconds
    while len(samples) < 500 and (not samples or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        request = build_request(cert, issuer)
        t1 = time.perf_counter()
        kind = local.kind_of(issuer)
        t2 = time.perf_counter()
        now = datetime.now(UTC)
        response = local.ocsp_response(kind, request.der, now)
        t3 = time.perf_counter()
        validate_response(
            response, request, cert, issuer, at=at, now=now, location=f"local:{kind}", rules=Freshness()
        )
        t4 = time.perf_counter()
        revocation.status(cert, issuer, at=at)
        t5 = time.perf_counter()
        samples.append(
            dict(request=t1 - t0, authority=t2 - t1, answer=t3 - t2, validate=t4 - t3, lookup=t5 - t4)
        )
    return _medians(samples, REVOCATION_PARTS)


def crypto_primitives(body: bytes, checks: Checks) -> dict[str, float]:
    """µs of the bare public-key operations a check does, for scale: RSA 2048 verification of the
    SignatureValue; P-256 verification (chain, responder certificate, OCSP answer); P-256 signing
    (the demo responder's answer)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    from gateway.core.signature.profile import locate_signature
    from gateway.core.signature.xades import signing_certificate
    from gateway.core.validation.parsing import parse

    stage: Any = checks.signature
    policy = stage._policy
    parts = locate_signature(parse(body, checks.parsing).root, policy.algorithms)
    signer, _ = signing_certificate(parts, policy.algorithms)
    rsa_key = signer.public_key()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    data = b"x" * 1000
    ec_signature = ec_key.sign(data, ec.ECDSA(hashes.SHA256()))
    rsa_signature = b"\x00" * 256

    def rsa_verify() -> None:
        with contextlib.suppress(Exception):  # a wrong signature costs the same modular exponentiation
            rsa_key.verify(rsa_signature, data, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]

    works: dict[str, Callable[[], object]] = {
        "RSA-2048 verify": rsa_verify,
        "P-256 verify": lambda: ec_key.public_key().verify(ec_signature, data, ec.ECDSA(hashes.SHA256())),
        "P-256 sign": lambda: ec_key.sign(data, ec.ECDSA(hashes.SHA256())),
    }
    return {name: statistics.median(timed(work, 300, 1.0)) * 1e6 for name, work in works.items()}


# ------------------------------------------------------------------------ memory, profile


def _status_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(path: Path) -> None:
    """In a fresh process: tracemalloc peak and resident high-water growth of one check, printed."""
    from gateway.core.pipeline import check

    checks, revocation = built_checks(bench_settings())
    body = path.read_bytes()
    received_at = datetime.now(UTC)
    settled_check(body, received_at, checks, revocation)  # the revocation status kept, as in a stream
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


def profile(body: bytes, rounds: int, checks: Checks) -> str:
    from gateway.core.pipeline import check

    received_at = datetime.now(UTC)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        check(body, received_at, checks)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# ------------------------------------------------------------------------ report


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(lines)


def report(results: Sequence[Result]) -> str:
    out: list[str] = []
    rows = [["size", "bytes", "n", "ms/msg", "min ms", "MB/s", "parse ms", "catalog+XSD ms", "signature ms",
             "envelope ms", "signature share"]]  # fmt: skip
    for r in results:
        staged = sum(r.stage_ms.values())
        rows.append(
            [
                size_label(r.size),
                str(r.body_bytes),
                str(r.iterations),
                f"{r.ms:.2f}",
                f"{r.ms_min:.2f}",
                f"{r.mb_per_s:.1f}",
                f"{r.stage_ms['parse']:.2f}",
                f"{r.stage_ms['xsd']:.2f}",
                f"{r.stage_ms['signature']:.2f}",
                f"{r.stage_ms['envelope']:.3f}",
                f"{r.stage_ms['signature'] / staged:.0%}",
            ]
        )
    out += ["check, by stage (stages: medians)", table(rows), ""]
    rows = [["size", "signature ms", "locate ms", "certificate ms", "chain ms", "verify ms", "identity ms",
             "revocation ms"]]  # fmt: skip
    for r in results:
        s = r.signature_ms
        rows.append(
            [size_label(r.size), f"{sum(s.values()):.2f}"] + [f"{s[name]:.2f}" for name in SIGNATURE_STEPS]
        )
    out += [
        "signature stage, by step, medians (locate = profile checks; certificate = KeyInfo +"
        " SigningCertificate + key; chain = path to the anchor, validity; revocation = demo PKI OCSP)",
        table(rows),
        "",
    ]
    rows = [["size", "signxml ms", "parse ms", "serialise ms", "c14n ms", "digest ms", "RSA verify ms",
             "Id lookup ms", "other ms", "doc parses", "of them signxml", "doc serialisations",
             "doc c14n"]]  # fmt: skip
    for r in results:
        x = r.signxml_ms
        rows.append(
            [size_label(r.size), f"{sum(x.values()):.2f}"]
            + [f"{x[name]:.2f}" for name in SIGNXML_PARTS]
            + [
                str(r.document_parses),
                str(r.signxml_parses),
                str(r.document_serialisations),
                str(r.document_c14n),
            ]
        )
    out += [
        "inside signxml, the verifier the stage ran before (XAdESVerifier.verify; a separate,"
        " instrumented pass); doc = operations on the whole document per check; doc parses include"
        " the gateway's own (XSD validates that tree)",
        table(rows),
    ]
    return "\n".join(out)


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

    checks, revocation = built_checks(bench_settings())
    results: list[Result] = []
    bodies: dict[int, bytes] = {}
    for size in sizes:
        started = time.perf_counter()
        bodies[size] = signed_message(args.message_type, size)
        print(
            f"built and signed {args.message_type} {size_label(size)}: {len(bodies[size])} B "
            f"in {_ms(time.perf_counter() - started):.0f} ms",
            flush=True,
        )
        results.append(measure(size, bodies[size], args.seconds, checks, revocation))
    smallest = bodies[min(sizes)]
    revocation_ms = revocation_split(smallest, checks, revocation, min(args.seconds, 3.0))
    primitives = crypto_primitives(smallest, checks)
    print()
    print(f"pipeline.check, {args.message_type}, signed (XAdES-BES, RSA 2048, {SIGNER_ROLE}), one thread")
    print(report(results))
    print()
    print(
        "revocation (size-independent), median ms: "
        + ", ".join(f"{name} {revocation_ms[name]:.3f}" for name in REVOCATION_PARTS)
        + "  (obtaining a status, off the checks' path: request = OCSP request with nonce; authority ="
        " finding the demo CA (file-state look-ups); answer = the demo responder's answer, from its cache;"
        " validate = responder certificate, signature, times, nonce. Per check: lookup = the status kept)"
    )
    print(
        "public-key operations, µs each (median): "
        + ", ".join(f"{name} {value:.0f}" for name, value in primitives.items())
    )
    largest = max(sizes)
    traced, rss = peak_memory(bodies[largest])
    print(
        f"\npeak memory of one check at {size_label(largest)} ({len(bodies[largest])} B), fresh process: "
        f"tracemalloc {traced:.1f} MiB (Python objects); resident high-water mark +{rss:.1f} MiB "
        "(everything, libxml2's trees too)"
    )
    if args.profile:
        size = parse_size(args.profile)
        body = bodies.get(size) or signed_message(args.message_type, size)
        print(f"\ncProfile of check, {size_label(size)}, by own time:")
        print(profile(body, rounds=20, checks=checks))
    print(f"({os.cpu_count()} CPUs; {platform.platform()}; Python {platform.python_version()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
