"""The calling account: who it is (authentication by its credentials), what it sees of itself,
and linking it to the person migrated from PDR."""

from __future__ import annotations

from typing import Any

from gateway.adapters.storage.accounts import Accounts
from gateway.adapters.storage.registry import Registry
from gateway.core.domain import Sender
from gateway.core.errors import RegistryNotFound, Unauthenticated


class AccountService:
    def __init__(self, accounts: Accounts, registry: Registry) -> None:
        self._accounts = accounts
        self._registry = registry

    async def authenticate_token(self, token: str | None) -> Sender:
        """The account of an API token (``gateway registry token``); ``UNAUTHENTICATED`` if none."""
        if token is None or not token.strip():
            raise Unauthenticated(
                "send Authorization: Bearer <token> (tokens come from `gateway registry token`)"
            )
        return await self._accounts.authenticate(token.strip())

    async def authenticate_password(self, login: str, password: str) -> Sender:
        """The active account whose scrypt password hash ``password`` matches (``gateway registry
        account password``); ``UNAUTHENTICATED`` otherwise, with the same answer whatever was wrong."""
        account_id = await self._registry.check_password(login.strip(), password) if password else None
        if account_id is None:
            raise Unauthenticated("unknown login or wrong password, or inactive account")
        return await self.sender(account_id)

    async def sender(self, account_id: int) -> Sender:
        """The account as a caller, while it is active (a console session is checked on each page)."""
        try:
            account = await self._accounts.get(account_id)
        except RegistryNotFound:
            raise Unauthenticated("the account no longer exists") from None
        if account.status != "active":
            raise Unauthenticated("the account is not active")
        return Sender(account_id=account.id, login=account.login, operator=account.role == "operator")

    async def me(self, sender: Sender) -> dict[str, Any]:
        """The account, its person and the Podmioty it acts for with its rights."""
        return await self._registry.me(sender.account_id)

    async def link(self, sender: Sender, pesel: str, code: str) -> dict[str, Any]:
        """Links the account to the person migrated from PDR (PESEL + one-time code), then ``me``."""
        await self._registry.link_account(sender.login, pesel, code)
        return await self.me(sender)
