"""The calling account: who it is (authentication by its credentials), what it sees of itself,
and linking it to the person migrated from PDR."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.core.domain import Sender
from gateway.core.errors import RegistryError, RegistryNotFound, Unauthenticated
from gateway.core.passwords import hash_secret, verify_secret
from gateway.core.registry.model import PersonStatus
from gateway.core.registry.views import AccountView, Me
from gateway.services.token_cache import TokenCache


def _now() -> datetime:
    return datetime.now(UTC)


#: what a login without an account (or without a password) is checked against, so that the answer
#: takes as long as for a wrong password
_STAND_IN_HASH = hash_secret("no account has this password")


class AccountLinking:
    """An account and the person migrated from PDR, linked by the proof the PDR file carries: the
    person's PESEL and one-time code.  The account itself does it (``/api/v1/me/link``), or an
    operator for it (``gateway registry account link``)."""

    def __init__(self, trail: AuditTrail, accounts: AccountStore, persons: PersonStore) -> None:
        self._trail = trail
        self._accounts = accounts
        self._persons = persons

    async def link(self, login: str, pesel: str, code: str, actor: str | None = None) -> AccountView:
        """The code is spent and the person is in use; ``actor`` None: the account itself."""
        async with self._trail.change(actor or login, "account.link", login, pesel=pesel) as change:
            account = await self._accounts.get(change, login)
            person = await self._persons.by_pesel(change, pesel)
            if (
                person is None
                or person.status != PersonStatus.MIGRATED
                or not verify_secret(code, await self._persons.link_code_hash(change, person.id))
            ):
                # one answer for every failure: the endpoint must not tell which PESELs exist
                raise RegistryError("no migrated person with this PESEL and one-time code")
            await self._persons.activate(change, person.id)
            await self._accounts.link(change, account.id, person.id)
        async with self._trail.read() as tx:
            return await self._accounts.get(tx, login)


class AccountService:
    def __init__(
        self,
        trail: AuditTrail,
        accounts: AccountStore,
        persons: PersonStore,
        podmioty: PodmiotStore,
        representations: RepresentationStore,
        linking: AccountLinking,
        clock: Callable[[], datetime] = _now,
        tokens: TokenCache | None = None,
    ) -> None:
        """``tokens``: token -> account answers remembered for a while (none: asked every time)."""
        self._trail = trail
        self._accounts = accounts
        self._persons = persons
        self._podmioty = podmioty
        self._representations = representations
        self._linking = linking
        self._clock = clock
        self._tokens = tokens or TokenCache(0)

    async def authenticate_token(self, token: str | None) -> Sender:
        """The account of an API token (``gateway registry token``); ``UNAUTHENTICATED`` if none."""
        if token is None or not token.strip():
            raise Unauthenticated(
                "send Authorization: Bearer <token> (tokens come from `gateway registry token`)"
            )
        return await self._tokens.sender(token.strip(), self._accounts.authenticate)

    async def authenticate_password(self, login: str, password: str) -> Sender:
        """The active account whose scrypt password hash ``password`` matches (``gateway registry
        account password``); ``UNAUTHENTICATED`` otherwise, with the same answer whatever was wrong
        and about the same time (an unknown login is checked against a stand-in hash)."""
        found = await self._accounts.password_of(login.strip()) if password else None
        stored = found[1] if found else None
        # scrypt is slow on purpose: off the event loop
        matches = await asyncio.to_thread(verify_secret, password, stored or _STAND_IN_HASH)
        if found is None or stored is None or not matches:
            raise Unauthenticated("unknown login or wrong password, or inactive account")
        return found[0]

    async def sender(self, account_id: int) -> Sender:
        """The account as a caller, while it is active (a console session is checked on each page)."""
        try:
            async with self._trail.read() as tx:
                account = await self._accounts.by_id(tx, account_id)
        except RegistryNotFound:
            raise Unauthenticated("the account no longer exists") from None
        if account.status != "active":
            raise Unauthenticated("the account is not active")
        return Sender(account_id=account.id, login=account.login, operator=account.role == "operator")

    async def me(self, sender: Sender) -> Me:
        """The account, its person and the Podmioty it acts for with its rights, as of now."""
        at = self._clock()
        async with self._trail.read() as tx:
            account = await self._accounts.by_id(tx, sender.account_id)
            person = await self._persons.get(tx, account.person) if account.person else None
            held = await self._representations.held_by(tx, person.id) if person else []
            podmioty = await self._podmioty.by_ids(tx, dict.fromkeys(r.podmiot_id for r in held))
        return Me.of(account, person, held, podmioty, at)

    async def link(self, sender: Sender, pesel: str, code: str) -> Me:
        """Links the account to the person migrated from PDR (PESEL + one-time code), then ``me``."""
        await self._linking.link(sender.login, pesel, code)
        return await self.me(sender)
