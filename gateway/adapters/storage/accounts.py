"""PUESC accounts and their API tokens: who is calling the API.

Persons, Podmioty and representations are in :mod:`gateway.adapters.storage.registry`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage import audit
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.push import PushStore
from gateway.adapters.storage.tables import Account, ApiToken
from gateway.adapters.storage.webservice import WebServiceAccounts
from gateway.core.domain import Sender
from gateway.core.errors import RegistryConflict, RegistryError, RegistryNotFound, Unauthenticated
from gateway.core.passwords import hash_secret
from gateway.core.seap.secretbox import SecretBox

TOKEN_PREFIX = "cgw_"


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    login: str
    status: str
    level: str
    role: str
    created_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "login": self.login,
            "status": self.status,
            "level": self.level,
            "role": self.role,
            "created_at": self.created_at.isoformat(),
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(account: Account) -> AccountView:
    return AccountView(
        account.id, account.login, account.status, account.level, account.role, account.created_at
    )


class Accounts:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], digest_box: SecretBox | None = None
    ) -> None:
        self._sessions = sessions
        #: the SEAP channel's side of an account: its PasswordDigest secret, its push endpoint
        self.web_service = WebServiceAccounts(sessions, digest_box)
        self.push = PushStore(sessions)

    async def authenticate(self, token: str) -> Sender:
        """The active account the API token belongs to, or ``UNAUTHENTICATED``."""
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

    async def add(
        self, login: str, *, role: str = "user", password: str | None = None, actor: str = "cli"
    ) -> AccountView:
        """A new PUESC account: ``basic`` until it is linked to a person registered in SISC."""
        if role not in {"user", "operator"}:
            raise RegistryError(f"role must be user or operator, not {role!r}")
        if "@" not in login:
            raise RegistryError("the login of a PUESC account is its e-mail address")
        if password is not None and len(password) < 12:
            raise RegistryError("a password needs at least 12 characters")
        account = Account(
            login=login,
            status="active",
            level="basic",
            role=role,
            password_hash=hash_secret(password) if password else None,
            created_at=datetime.now(UTC),
        )
        try:
            async with translate_database_errors(), self._sessions() as session, session.begin():
                session.add(account)
                audit.record(session, actor, "account.add", login, role=role)
        except IntegrityError:
            raise RegistryConflict(f"an account with login {login!r} exists already") from None
        return _view(account)

    async def set_status(self, login: str, status: str, actor: str = "cli") -> AccountView:
        if status not in {"active", "inactive"}:
            raise RegistryError(f"status must be active or inactive, not {status!r}")
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await self._by_login(session, login)
            account.status = status
            audit.record(session, actor, "account.status", login, status=status)
        return _view(account)

    async def issue_token(
        self, login: str, valid_days: int | None = None, label: str | None = None, actor: str = "cli"
    ) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await self._by_login(session, login)
            session.add(
                ApiToken(
                    account_id=account.id,
                    token_hash=hash_token(token),
                    label=label,
                    created_at=now,
                    expires_at=now + timedelta(days=valid_days) if valid_days else None,
                )
            )
            audit.record(session, actor, "account.token", login, label=label, valid_days=valid_days)
        return token

    async def revoke_tokens(self, login: str, actor: str = "cli") -> int:
        now = datetime.now(UTC)
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await self._by_login(session, login)
            tokens = (
                await session.scalars(
                    select(ApiToken).where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
                )
            ).all()
            for token in tokens:
                token.revoked_at = now
            audit.record(session, actor, "account.revoke-tokens", login, revoked=len(tokens))
        return len(tokens)

    async def get(self, account_id: int) -> AccountView:
        async with translate_database_errors(), self._sessions() as session:
            account = await session.get(Account, account_id)
            if account is None:
                raise RegistryNotFound(f"no account {account_id}")
            return _view(account)

    async def list(self) -> list[AccountView]:
        async with translate_database_errors(), self._sessions() as session:
            return [_view(a) for a in (await session.scalars(select(Account).order_by(Account.id))).all()]

    @staticmethod
    async def _by_login(session: AsyncSession, login: str) -> Account:
        account = await session.scalar(select(Account).where(Account.login == login))
        if account is None:
            raise RegistryNotFound(f"no account with login {login!r}")
        return account
