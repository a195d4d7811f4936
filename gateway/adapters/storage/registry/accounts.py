"""PUESC accounts and their API tokens: who is calling the API."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.registry.audit import Change
from gateway.adapters.storage.tables import Account, ApiToken, Person
from gateway.adapters.storage.transaction import Transaction
from gateway.core.domain import Sender
from gateway.core.errors import RegistryConflict, RegistryNotFound, Unauthenticated
from gateway.core.registry.views import AccountView


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def authenticate(self, token: str) -> Sender:
        """The active account the API token belongs to, or ``UNAUTHENTICATED``.  Its own short
        read: it runs for every request."""
        now = datetime.now(UTC)
        statement = (
            select(Account.id, Account.login, Account.role)
            .join(ApiToken, ApiToken.account_id == Account.id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
                Account.status == "active",
            )
        )
        async with translate_database_errors(), self._sessions() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            raise Unauthenticated("unknown, expired or revoked token, or inactive account")
        return Sender(account_id=row.id, login=row.login, operator=row.role == "operator")

    async def password_of(self, login: str) -> tuple[Sender, str | None] | None:
        """The active account of ``login`` as a caller, with its password hash; None if there is
        none.  Its own short read, like :meth:`authenticate`."""
        statement = select(Account.id, Account.login, Account.role, Account.password_hash).where(
            Account.login == login, Account.status == "active"
        )
        async with translate_database_errors(), self._sessions() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            return None
        return Sender(account_id=row.id, login=row.login, operator=row.role == "operator"), row.password_hash

    async def add(self, change: Change, login: str, role: str, password_hash: str | None) -> AccountView:
        """A new account: ``basic`` until it is linked to a person registered in SISC."""
        account = Account(
            login=login,
            status="active",
            level="basic",
            role=role,
            password_hash=password_hash,
            created_at=change.at,
        )
        change.session.add(account)
        try:
            await change.session.flush()
        except IntegrityError:
            raise RegistryConflict(f"an account with login {login!r} exists already") from None
        return _view(account, None)

    async def get(self, tx: Transaction, login: str) -> AccountView:
        return await _with_person(tx.session, await _by_login(tx.session, login))

    async def by_id(self, tx: Transaction, account_id: int) -> AccountView:
        account = await tx.session.get(Account, account_id)
        if account is None:
            raise RegistryNotFound(f"no account {account_id}")
        return await _with_person(tx.session, account)

    async def all(self, tx: Transaction) -> list[AccountView]:
        statement = (
            select(Account, Person.id_sisc)
            .outerjoin(Person, Person.id == Account.person_id)
            .order_by(Account.id)
        )
        return [_view(account, id_sisc) for account, id_sisc in (await tx.session.execute(statement)).all()]

    async def login_of_person(self, tx: Transaction, person_id: int) -> str | None:
        """The login of the account linked to the person, if one is."""
        return await tx.session.scalar(select(Account.login).where(Account.person_id == person_id))

    async def set_status(self, change: Change, login: str, status: str) -> AccountView:
        account = await _by_login(change.session, login)
        account.status = status
        return await _with_person(change.session, account)

    async def set_role(self, change: Change, login: str, role: str) -> None:
        (await _by_login(change.session, login)).role = role

    async def set_password(self, change: Change, login: str, password_hash: str) -> None:
        (await _by_login(change.session, login)).password_hash = password_hash

    async def link(self, change: Change, account_id: int, person_id: int) -> None:
        """The account acts for the person from now on: it becomes ``advanced``."""
        account = await change.session.get(Account, account_id)
        if account is None:
            raise RegistryNotFound(f"no account {account_id}")
        if account.person_id is not None and account.person_id != person_id:
            raise RegistryConflict(f"account {account.login} is linked to another person already")
        account.person_id = person_id
        account.level = "advanced"

    async def add_token(
        self, change: Change, login: str, token: str, label: str | None, expires_at: datetime | None
    ) -> None:
        account = await _by_login(change.session, login)
        change.session.add(
            ApiToken(
                account_id=account.id,
                token_hash=hash_token(token),
                label=label,
                created_at=change.at,
                expires_at=expires_at,
            )
        )

    async def revoke_tokens(self, change: Change, login: str) -> int:
        """Every token of the account still in use ends now; how many there were."""
        account = await _by_login(change.session, login)
        tokens = (
            await change.session.scalars(
                select(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
            )
        ).all()
        for token in tokens:
            token.revoked_at = change.at
        return len(tokens)


async def _by_login(session: AsyncSession, login: str) -> Account:
    account = await session.scalar(select(Account).where(Account.login == login))
    if account is None:
        raise RegistryNotFound(f"no account with login {login!r}")
    return account


async def _with_person(session: AsyncSession, account: Account) -> AccountView:
    person = await session.get(Person, account.person_id) if account.person_id else None
    return _view(account, person.id_sisc if person else None)


def _view(account: Account, id_sisc: str | None) -> AccountView:
    return AccountView(
        id=account.id,
        login=account.login,
        status=account.status,
        level=account.level,
        role=account.role,
        created_at=account.created_at,
        person=id_sisc,
        has_password=account.password_hash is not None,
    )
