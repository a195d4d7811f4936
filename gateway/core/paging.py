"""Keyset cursors: opaque to clients, stable while new entries arrive."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from gateway.core.errors import BadRequest
from gateway.core.timefmt import parse_rfc3339

#: a list's default and largest page
DEFAULT_PAGE = 50
MAX_PAGE = 500


def encode_cursor(at: datetime, reference: str) -> str:
    raw = json.dumps([at.isoformat(), reference]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, str]:
    """What :func:`encode_cursor` made; ``INVALID_PARAMETER`` for anything else."""
    try:
        at, reference = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        return parse_rfc3339(str(at)), str(reference)
    except (ValueError, TypeError):
        raise BadRequest("cursor is not one this gateway gave out") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    return limit
