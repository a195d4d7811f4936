"""The sample scripts' signing: samples/pki's TEST KEYS, at the fixed moment samples are signed."""

from __future__ import annotations

from datetime import datetime

from gateway.demo.samplegen.signing import SAMPLES_SIGNED_AT, strip_signature
from gateway.demo.samplegen.signing import sign_sample as _sign_sample

__all__ = ["SIGNED_AT", "sign_sample", "strip_signature"]
SIGNED_AT = SAMPLES_SIGNED_AT


def sign_sample(body: bytes, role: str, token: str, *, signing_time: datetime = SAMPLES_SIGNED_AT) -> bytes:
    return _sign_sample(body, role, token=token, signing_time=signing_time)
