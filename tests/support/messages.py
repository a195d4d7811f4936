"""Messages with identifiers of their own, so that tests sharing a database never collide."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace

from gateway.demo.samplegen import SampleParams

_counter = itertools.count(1)


def unique_params(**overrides: object) -> SampleParams:
    run = uuid.uuid4().hex[:8].upper()
    number = next(_counter)
    params = SampleParams(
        message_id=f"T{run}{number:06d}",
        reference=f"LRN{run}{number:06d}",
        seed=number,
    )
    return replace(params, **overrides)  # type: ignore[arg-type]


def signed_build(message_type: str, params: SampleParams, role: str = "sc-person") -> bytes:
    """A valid message of ``message_type``, signed with the samples' test PKI."""
    from gateway.demo.samplegen import build
    from tests.support.signatures import signed

    return signed(build(message_type, params), role)
