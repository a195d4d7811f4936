"""Console sessions: a signed cookie, no server-side state.

The cookie holds the account id, a random nonce and the end of the session, with an HMAC-SHA256
over them (nothing secret is in it).  The key is read from ``console.session_key_file`` or made at
start.  The account is looked up again on every page, so a disabled account's sessions end at
once; signing out forgets the nonce in this process, and the session ends when its time is up.
The CSRF token of every form is an HMAC of the nonce, so it changes with the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

COOKIE = "gw_console"
#: signed-out nonces remembered (older ones have expired long before this fills)
_ENDED_KEPT = 10_000
_MIN_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class Session:
    #: None: not signed in (a visitor still gets a session, for the sign-in form's CSRF token)
    account_id: int | None
    nonce: str
    #: seconds since the epoch
    expires: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def session_key(path: Path | None) -> bytes:
    """The key of ``console.session_key_file``, or a new random one."""
    if path is None:
        return secrets.token_bytes(_MIN_KEY_BYTES)
    key = path.read_bytes().strip()
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"console.session_key_file {path} holds {len(key)} bytes; it needs {_MIN_KEY_BYTES}")
    return key


class SessionKeeper:
    def __init__(self, key: bytes, lifetime_seconds: int) -> None:
        self._key = key
        self._lifetime = lifetime_seconds
        self._ended: OrderedDict[str, None] = OrderedDict()

    def new(self, account_id: int | None) -> Session:
        """A new session (a new nonce: signing in never keeps the visitor's session)."""
        return Session(account_id, secrets.token_urlsafe(18), int(time.time()) + self._lifetime)

    def encode(self, session: Session) -> str:
        payload = _b64(json.dumps([session.account_id, session.nonce, session.expires]).encode())
        return f"{payload}.{self._sign(payload.encode())}"

    def decode(self, value: str | None) -> Session | None:
        """The session of a cookie, or None when it is not one of ours, has ended or was signed out."""
        if not value or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload.encode())):
            return None
        try:
            account_id, nonce, expires = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(expires, int) or expires < time.time() or nonce in self._ended:
            return None
        return Session(account_id if isinstance(account_id, int) else None, str(nonce), expires)

    def end(self, session: Session) -> None:
        self._ended[session.nonce] = None
        while len(self._ended) > _ENDED_KEPT:
            self._ended.popitem(last=False)

    def csrf_token(self, session: Session) -> str:
        return self._sign(b"csrf:" + session.nonce.encode())

    def csrf_valid(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))

    def _sign(self, data: bytes) -> str:
        return _b64(hmac.new(self._key, data, hashlib.sha256).digest())
