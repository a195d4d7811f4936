"""Text a client sends that no store can hold: refused where it enters, never passed on.

PostgreSQL's text types refuse the NUL character, and UTF-8 (the encoding of every store and of
the broker's messages) has no form for a lone surrogate.  Such a value cannot name anything that
exists, so it is the client's mistake: ``400 INVALID_PARAMETER`` (SPEC.md section 2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.core.errors import InvalidParameter

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> bool:
    """Whether ``value`` can be stored as text: no NUL, no lone surrogate."""
    return _UNSTORABLE.search(value) is None


def require_storable(named_values: Iterable[tuple[str, object]], where: str) -> None:
    """:class:`InvalidParameter` for the first name or text value (nested in lists and objects, as
    JSON has them) that cannot be stored; ``where``: "query parameter", "form field", ..."""
    for name, value in named_values:
        if not storable(name):
            raise InvalidParameter(f"a {where} name holds a NUL character or a lone surrogate")
        _require_value(value, f"{where} {name}")


def _require_value(value: object, label: str) -> None:
    if isinstance(value, str):
        if not storable(value):
            raise InvalidParameter(f"{label} holds a NUL character or a lone surrogate")
    elif isinstance(value, dict):
        require_storable(((str(k), v) for k, v in value.items()), label)
    elif isinstance(value, list):
        for item in value:
            _require_value(item, label)
