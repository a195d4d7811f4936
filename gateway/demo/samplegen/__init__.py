"""Builds valid messages of a chosen type and size, for tests, samples and benchmarks."""

from __future__ import annotations

import importlib
from dataclasses import replace

from gateway.demo.samplegen.model import Builder, SampleParams

__all__ = ["Builder", "SampleParams", "build", "build_sized", "message_types"]

MAX_ITEMS = 999
_MODULES = {
    "NCTS2": "gateway.demo.samplegen.ncts2",
    "AES": "gateway.demo.samplegen.aes",
    "EMCSPL2": "gateway.demo.samplegen.emcspl2",
    "SZPROT": "gateway.demo.samplegen.szprot",
}


def _builders() -> dict[str, tuple[str, Builder]]:
    found: dict[str, tuple[str, Builder]] = {}
    for system, module_name in _MODULES.items():
        module = importlib.import_module(module_name)
        for message_type, builder in module.BUILDERS.items():
            found[message_type] = (system, builder)
    return found


def message_types() -> dict[str, str]:
    """Message type -> system, for every type a builder exists for."""
    return {message_type: system for message_type, (system, _) in _builders().items()}


def build(message_type: str, params: SampleParams | None = None) -> bytes:
    try:
        _, builder = _builders()[message_type]
    except KeyError:
        raise ValueError(f"no sample builder for {message_type}") from None
    return builder(params or SampleParams())


def build_sized(message_type: str, size: int, params: SampleParams | None = None) -> bytes:
    """A message of about ``size`` bytes (at least the smallest message of its type)."""
    base = params or SampleParams()
    one = len(build(message_type, replace(base, items=1, filler=0)))
    two = len(build(message_type, replace(base, items=2, filler=0)))
    per_item = max(two - one, 1)
    items = max(1, min(MAX_ITEMS, 1 + (size - one) // per_item))
    body = build(message_type, replace(base, items=items, filler=0))
    if len(body) >= size or items < MAX_ITEMS:
        return body
    # Past 999 items the messages grow through longer free text in each item.
    filler = 0
    for _ in range(6):
        per_filler = max(
            (len(build(message_type, replace(base, items=items, filler=filler + 100))) - len(body)) / 100, 1
        )
        filler += max(1, int((size - len(body)) / per_filler))
        body = build(message_type, replace(base, items=items, filler=filler))
        if len(body) >= size * 0.98:
            break
    return body
