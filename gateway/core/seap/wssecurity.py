"""WS-Security UsernameToken (Username Token Profile 1.0/1.1) checks, as pure functions.

``PasswordText`` carries the password itself (over TLS); ``PasswordDigest`` carries
``Base64(SHA-1(nonce + created + password))``, so the verifier must know the password: see
docs/seap.md for how the gateway keeps that apart from its slow password hashes.  A nonce is
remembered until its ``Created`` leaves the skew window, after which the window refuses it anyway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gateway.core.errors import Unauthenticated


class PasswordKind(StrEnum):
    TEXT = "PasswordText"
    DIGEST = "PasswordDigest"


@dataclass(frozen=True, slots=True)
class UsernameToken:
    username: str
    password: str
    kind: PasswordKind
    nonce: bytes | None = None
    #: ``Created`` exactly as sent (the digest covers these characters) and as a moment
    created_text: str | None = None
    created: datetime | None = None


def password_digest(nonce: bytes, created_text: str, password: str) -> str:
    raw = hashlib.sha1(nonce + created_text.encode() + password.encode()).digest()
    return base64.b64encode(raw).decode("ascii")


def digest_matches(token: UsernameToken, password: str) -> bool:
    """Whether a PasswordDigest token was made with ``password``."""
    if token.kind is not PasswordKind.DIGEST or token.nonce is None or token.created_text is None:
        return False
    expected = password_digest(token.nonce, token.created_text, password)
    return hmac.compare_digest(expected.encode(), token.password.encode())


def check_fresh(token: UsernameToken, now: datetime, skew: timedelta) -> None:
    """A digest needs a nonce and ``Created``; a nonce needs ``Created`` (else it could not be
    forgotten); ``Created`` must lie within ``skew`` of ``now``.  ``UNAUTHENTICATED`` otherwise."""
    if token.kind is PasswordKind.DIGEST and (token.nonce is None or token.created is None):
        raise Unauthenticated("a PasswordDigest needs a Nonce and a Created")
    if token.nonce is not None and token.created is None:
        raise Unauthenticated("a UsernameToken with a Nonce needs a Created")
    if token.nonce is not None and not 8 <= len(token.nonce) <= 64:
        raise Unauthenticated("the Nonce must have 8 to 64 bytes")
    if token.created is not None and abs(now - token.created) > skew:
        raise Unauthenticated(
            f"Created {token.created_text} is more than {int(skew.total_seconds())} s away from the "
            "gateway's clock: expired, or a clock to set right"
        )


def nonce_key(token: UsernameToken) -> str | None:
    """What identifies a nonce among all of one account's (None: the token has none)."""
    if token.nonce is None:
        return None
    return hashlib.sha256(token.username.encode() + b"\0" + token.nonce).hexdigest()


def nonce_expiry(token: UsernameToken, skew: timedelta) -> datetime:
    """Until when the nonce must be remembered: past it, its ``Created`` is refused as expired."""
    assert token.created is not None
    return token.created + skew
