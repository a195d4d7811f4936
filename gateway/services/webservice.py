"""Who calls the SEAP channel: a WS-Security UsernameToken checked against the PUESC accounts.

PasswordText is checked against the account's slow password hash; PasswordDigest against the
password sealed for accounts enabled for it (docs/seap.md explains the trade-off).  A nonce is
accepted once, whichever gateway process sees it.  Every failure is ``UNAUTHENTICATED``; the
message tells a wrong password from a replay or an expired token, never whether a login exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from gateway.adapters.storage.webservice import NonceStore, WebServiceAccount, WebServiceAccounts
from gateway.core.domain import Sender
from gateway.core.errors import Unauthenticated
from gateway.core.passwords import verify_secret
from gateway.core.seap.wssecurity import (
    PasswordKind,
    UsernameToken,
    check_fresh,
    digest_matches,
    nonce_expiry,
    nonce_key,
)

WRONG = "wrong username or password, or an inactive account"


class WebServiceAuth:
    def __init__(
        self,
        accounts: WebServiceAccounts,
        nonces: NonceStore,
        clock_skew: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self._nonces = nonces
        self._skew = clock_skew
        self._clock = clock

    async def authenticate(self, token: UsernameToken | None) -> Sender:
        if token is None:
            raise Unauthenticated(
                "send a WS-Security UsernameToken (wsse:Security in the SOAP header) with the account's "
                "login and web-service password"
            )
        now = self._clock()
        check_fresh(token, now, self._skew)
        account = await self._accounts.find(token.username)
        if not await self._password_matches(token, account):
            raise Unauthenticated(WRONG)
        assert account is not None
        key = nonce_key(token)
        if key is not None and not await self._nonces.remember(key, nonce_expiry(token, self._skew), now):
            raise Unauthenticated("this Nonce was used already: a replayed request is refused")
        return Sender(account_id=account.id, login=account.login, operator=account.operator)

    async def _password_matches(self, token: UsernameToken, account: WebServiceAccount | None) -> bool:
        if token.kind is PasswordKind.DIGEST:
            if account is None or account.digest_password is None:
                return False
            return digest_matches(token, account.digest_password)
        stored = account.password_hash if account is not None else None
        # scrypt is slow on purpose: off the event loop (and run for unknown logins too, so that
        # the time taken does not tell which logins exist)
        return await asyncio.to_thread(verify_secret, token.password, stored or _DUMMY_HASH) and bool(stored)


#: a well-formed hash of a random secret: what an unknown login's password is checked against
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
