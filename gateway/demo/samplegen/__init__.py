"""Builds valid messages of a chosen type and size, for tests, samples and benchmarks."""

from __future__ import annotations

import importlib
from collections.abc import Callable
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
    """A message of about ``size`` bytes: at most ``size`` and within 1 % of it where the type
    allows (never smaller than the type's smallest message, never past 999 goods items).

    Goods items are added first, then free text in each item (the filler) makes up the rest: the
    size grows with both, nearly but not exactly in proportion (identifiers lengthen with the
    item count, free text comes in elements of at most 512 characters), so each is searched for."""
    base = params or SampleParams()

    def with_items(items: int) -> int:
        return len(build(message_type, replace(base, items=items, filler=0)))

    most = _largest_within(with_items, 1, MAX_ITEMS, size)
    best = b""
    # With few items the first filler element of each item may not fit in what is left: one item
    # fewer leaves room for it.
    for items in (most, most - 1) if most > 1 else (most,):
        body = _filled(message_type, replace(base, items=items), size)
        if not best or abs(size - len(body)) < abs(size - len(best)):
            best = body
        if len(best) >= size * _CLOSE_ENOUGH:
            break
    return best


def _filled(message_type: str, params: SampleParams, size: int) -> bytes:
    """``params.items`` items with as much filler as keeps the message within ``size``."""

    def with_filler(filler: int) -> int:
        return len(build(message_type, replace(params, filler=filler)))

    # one filler character is one byte in every item: more than size // items cannot fit
    filler = _largest_within(with_filler, 0, max(1, size // params.items), size)
    return build(message_type, replace(params, filler=filler))


#: close enough: a search stops once a guess is within this fraction below the asked size
_CLOSE_ENOUGH = 0.99


def _largest_within(measure: Callable[[int], int], low: int, high: int, size: int) -> int:
    """The largest ``x`` in ``[low, high]`` with ``measure(x) <= size`` (``low`` if none), or a
    smaller one whose measure is within 1 % of ``size``.  ``measure`` grows with ``x``.

    Guesses alternate between interpolation (quick where the growth is nearly proportional) and
    halving (bounded where it is not)."""
    low_size = measure(low)
    if low_size >= size * _CLOSE_ENOUGH:
        return low
    high_size = measure(high)
    if high_size <= size:
        return high
    interpolate = True
    while high - low > 1:
        if interpolate and high_size > low_size:
            guess = low + int((size - low_size) * (high - low) / (high_size - low_size))
        else:
            guess = (low + high) // 2
        interpolate = not interpolate
        guess = min(max(guess, low + 1), high - 1)
        guess_size = measure(guess)
        if guess_size > size:
            high, high_size = guess, guess_size
            continue
        low, low_size = guess, guess_size
        if low_size >= size * _CLOSE_ENOUGH:
            break
    return low
