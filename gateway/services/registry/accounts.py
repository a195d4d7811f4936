"""Administering PUESC accounts: adding, enabling, roles, passwords, an officer's link to a
person, API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.core.errors import RegistryError
from gateway.core.passwords import hash_secret
from gateway.core.registry import rules
from gateway.core.registry.model import PersonStatus
from gateway.core.registry.views import AccountView

TOKEN_PREFIX = "cgw_"


#: a hundred years: past that a token's end is no date
MAX_TOKEN_DAYS = 36_600


class AccountAdministration:
    def __init__(self, trail: AuditTrail, accounts: AccountStore, persons: PersonStore) -> None:
        self._trail = trail
        self._accounts = accounts
        self._persons = persons

    async def add(
        self, login: str, *, role: str = "user", password: str | None = None, actor: str = "cli"
    ) -> AccountView:
        """A new PUESC account: ``basic`` until it is linked to a person registered in SISC."""
        if role not in rules.ROLES:
            raise RegistryError(f"role must be user or operator, not {role!r}")
        if "@" not in login:
            raise RegistryError("the login of a PUESC account is its e-mail address")
        password_hash = hash_secret(rules.password(password)) if password is not None else None
        async with self._trail.change(actor, "account.add", login, role=role) as change:
            account = await self._accounts.add(change, login, role, password_hash)
        return account

    async def set_status(self, login: str, status: str, actor: str = "cli") -> AccountView:
        if status not in rules.ACCOUNT_STATUSES:
            raise RegistryError(f"status must be active or inactive, not {status!r}")
        async with self._trail.change(actor, "account.status", login, status=status) as change:
            account = await self._accounts.set_status(change, login, status)
        return account

    async def show(self, login: str) -> AccountView:
        async with self._trail.read() as tx:
            return await self._accounts.get(tx, login)

    async def list(self) -> list[AccountView]:
        async with self._trail.read() as tx:
            return await self._accounts.all(tx)

    async def set_role(self, login: str, role: str, actor: str = "cli") -> AccountView:
        rules.choice("role", role, rules.ROLES)
        async with self._trail.change(actor, "account.role", login, role=role) as change:
            await self._accounts.set_role(change, login, role)
        return await self.show(login)

    async def set_password(self, login: str, password: str, actor: str = "cli") -> None:
        password_hash = hash_secret(rules.password(password))
        async with self._trail.change(actor, "account.password", login) as change:
            await self._accounts.set_password(change, login, password_hash)

    async def attach(self, login: str, person: str, actor: str = "cli") -> AccountView:
        """An officer links an account to a registered person (``person``: its ID SISC or PESEL);
        the account becomes advanced.  A person migrated from PDR is linked by its own proof
        instead (:class:`gateway.services.accounts.AccountLinking`)."""
        async with self._trail.change(actor, "account.attach", login, id_sisc=person) as change:
            account = await self._accounts.get(change, login)
            found = await self._persons.get(change, person)
            if found.status == PersonStatus.MIGRATED:
                raise RegistryError(
                    f"{person} was migrated from PDR: link it with its PESEL and one-time code"
                )
            await self._accounts.link(change, account.id, found.id)
        return await self.show(login)

    async def issue_token(
        self, login: str, valid_days: int | None = None, label: str | None = None, actor: str = "cli"
    ) -> str:
        """A new API token (shown once: only its digest is kept); ``valid_days`` None: until revoked."""
        if valid_days is not None and not 1 <= valid_days <= MAX_TOKEN_DAYS:
            raise RegistryError(f"a token is valid for one day at least and {MAX_TOKEN_DAYS} days at most")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        details = {"label": label, "valid_days": valid_days}
        async with self._trail.change(actor, "account.token", login, **details) as change:
            expires_at = change.at + timedelta(days=valid_days) if valid_days else None
            await self._accounts.add_token(change, login, token, label, expires_at)
        return token

    async def revoke_tokens(self, login: str, actor: str = "cli") -> int:
        """Revokes every token of the account in use; how many there were."""
        async with self._trail.change(actor, "account.revoke-tokens", login) as change:
            revoked = await self._accounts.revoke_tokens(change, login)
            change.note(revoked=revoked)
        return revoked
