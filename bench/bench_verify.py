"""Signature verification, old against new, in one run: signxml (``xades.verify_xades``, what the
signature stage ran before) and the verifier on the parsed tree (``verifier.verify_tree``).

    .venv/bin/python bench/bench_verify.py [--sizes 5KB,50KB,500KB] [--seconds 3]

Per size, on the same signed CC015C (RSA 2048, the samples' ``sc-person``), median ms per call:

- *verify*: the cryptographic verification alone, given the located signature and the chosen
  certificate (signxml parses the received bytes again; the new one works on the parsed tree);
- *stage*: the whole signature stage (profile, certificate, chain, verification, identity), with
  revocation left out (the demo responder signs a fresh answer per check: its own issue) and the
  tree parsed anew, untimed, for every call (the new stage takes the signature out of it);
- *chain*: ``build_chain`` with the issuance answers cached (as in the stage) and without.

Each figure is the median of repeated timed loops (one warm-up call first).  One thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench_check import signed_message, size_label

from gateway.channels.cli.common import parse_size

DEFAULT_SIZES = "5KB,50KB,500KB"


def median_ms(work: Callable[[], object], seconds: float, setup: Callable[[], None] | None = None) -> float:
    """Median ms of ``work`` over rounds of at least 50 ms each (``setup`` runs untimed before
    every call)."""
    if setup is not None:
        setup()
    work()
    rounds: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(rounds) < 5 or time.perf_counter() < deadline:
        spent, calls = 0.0, 0
        while spent < 0.05 or calls == 0:
            if setup is not None:
                setup()
            started = time.perf_counter()
            work()
            spent += time.perf_counter() - started
            calls += 1
        rounds.append(spent / calls * 1000)
        if len(rounds) >= 200:
            break
    return statistics.median(rounds)


def measure(body: bytes, seconds: float) -> dict[str, float]:
    from gateway.core.signature.setup import build_signature_stage

    from gateway.config import ParsingSettings, SignatureSettings
    from gateway.core.signature import trust
    from gateway.core.signature.model import SignerKind
    from gateway.core.signature.profile import Algorithms, locate_signature
    from gateway.core.signature.stage import RevocationPolicy, SignaturePolicy, XadesVerification
    from gateway.core.signature.verifier import verify_tree
    from gateway.core.signature.xades import signing_certificate, verify_xades
    from gateway.core.validation.catalog import load_catalog
    from gateway.core.validation.parsing import ParsedDocument, parse

    root = Path(__file__).resolve().parent.parent
    settings = ParsingSettings()
    at = datetime.now(UTC)
    algorithms = Algorithms.for_profile(False)
    parsed = parse(body, settings)
    parts = locate_signature(parsed.root, algorithms)
    signer, others = signing_certificate(parts, algorithms)
    configured = build_signature_stage(SignatureSettings(pki_dir=root / "samples" / "pki"))
    policy = SignaturePolicy(
        algorithms, configured.policy.anchors, revocation=dict.fromkeys(SignerKind, RevocationPolicy.NONE)
    )
    new_stage = XadesVerification(policy, None)
    old_stage = new_stage.with_engine(
        lambda parsed, *rest: verify_xades(parsed.body, *rest)  # what the stage ran before
    )
    schema = load_catalog([root / "schemas" / "sxml"]).resolve(parsed.root_qname, at)
    skew = policy.max_skew
    fresh: list[ParsedDocument] = []

    def reparse() -> None:
        fresh[:] = [parse(body, settings)]

    def uncached_chain() -> object:
        trust.ISSUANCE = trust.IssuanceCache()
        return trust.build_chain(signer, others, policy.anchors, at)

    facts = (parts, signer, others, algorithms, at, skew)
    cached = trust.ISSUANCE
    figures = {
        "verify old": median_ms(lambda: verify_xades(body, *facts), seconds),
        "verify new": median_ms(lambda: verify_tree(parsed, *facts), seconds),
        "stage old": median_ms(lambda: old_stage.verify(fresh[0], schema, at), seconds, reparse),
        "stage new": median_ms(lambda: new_stage.verify(fresh[0], schema, at), seconds, reparse),
        "chain uncached": median_ms(uncached_chain, seconds / 2),
    }
    trust.ISSUANCE = cached
    figures["chain cached"] = median_ms(
        lambda: trust.build_chain(signer, others, policy.anchors, at), seconds / 2
    )
    return figures


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=DEFAULT_SIZES)
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget per figure (default 3)")
    args = parser.parse_args(argv)
    rows = [["size", "bytes", "verify old ms", "verify new ms", "old/new", "stage old ms", "stage new ms",
             "old/new", "chain uncached ms", "chain cached ms"]]  # fmt: skip
    for size in (parse_size(s) for s in args.sizes.split(",") if s.strip()):
        body = signed_message("CC015C", size)
        f = measure(body, args.seconds)
        rows.append(
            [
                size_label(size),
                str(len(body)),
                f"{f['verify old']:.3f}",
                f"{f['verify new']:.3f}",
                f"{f['verify old'] / f['verify new']:.1f}x",
                f"{f['stage old']:.3f}",
                f"{f['stage new']:.3f}",
                f"{f['stage old'] / f['stage new']:.1f}x",
                f"{f['chain uncached']:.3f}",
                f"{f['chain cached']:.3f}",
            ]
        )
        print(f"measured {size_label(size)}", file=sys.stderr, flush=True)
    print("signature verification, CC015C signed (XAdES-BES, RSA 2048), median ms per call, one thread")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
