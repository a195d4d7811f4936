"""Authenticated encryption of the few secrets the gateway must be able to read back (the
web-service passwords of accounts that use PasswordDigest), with a key from the configuration.

AES-256-GCM; the ``context`` (the account's login) is bound in as associated data, so a sealed
secret copied to another account's row does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class SecretBoxError(ValueError):
    pass


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise SecretBoxError("the key must have 32 bytes (AES-256)")
        self._aead = AESGCM(key)
        #: names the key without revealing it: a secret sealed with another key is told apart
        self.key_id = hashlib.sha256(b"customs-gateway secret box\0" + key).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> SecretBox:
        """A key written as base64 (e.g. ``openssl rand -base64 32``)."""
        try:
            return cls(base64.b64decode(text.strip(), validate=True))
        except binascii.Error:
            raise SecretBoxError("the key must be base64") from None

    def seal(self, secret: str, context: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), context.encode())

    def open(self, sealed: bytes, context: str) -> str:
        try:
            plain = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SecretBoxError("the sealed secret does not open with this key and context") from None
        return plain.decode()
