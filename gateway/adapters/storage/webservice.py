"""The SEAP channel's accounts: who a WS-Security UsernameToken names, the sealed secrets of
accounts enabled for PasswordDigest, and the nonces already seen (docs/seap.md)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.registry import audit
from gateway.adapters.storage.tables import Account, WebServiceDigestSecret, WebServiceNonce
from gateway.config import SeapSettings
from gateway.core.errors import RegistryError, RegistryNotFound
from gateway.core.seap.secretbox import SecretBox, SecretBoxError

log = logging.getLogger(__name__)


def load_digest_box(settings: SeapSettings) -> SecretBox | None:
    """The configured key that seals PasswordDigest secrets; None when none is configured."""
    if settings.digest_key is None:
        return None
    try:
        return SecretBox.from_text(settings.digest_key.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError, SecretBoxError) as exc:
        raise ValueError(f"[seap] digest_key {settings.digest_key}: {exc}") from None


@dataclass(frozen=True, slots=True)
class WebServiceAccount:
    id: int
    login: str
    operator: bool
    #: the slow hash PasswordText is checked against
    password_hash: str | None
    #: the password itself, for PasswordDigest: only for accounts enabled for it, with the key
    digest_password: str | None


class WebServiceAccounts:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], box: SecretBox | None = None) -> None:
        self._sessions = sessions
        self._box = box

    @property
    def digest_available(self) -> bool:
        """Whether a key to seal PasswordDigest secrets is configured."""
        return self._box is not None

    async def find(self, login: str) -> WebServiceAccount | None:
        """The active account of ``login``; None if there is none."""
        statement = (
            select(Account, WebServiceDigestSecret)
            .outerjoin(WebServiceDigestSecret, WebServiceDigestSecret.account_id == Account.id)
            .where(Account.login == login, Account.status == "active")
        )
        async with translate_database_errors(), self._sessions() as session:
            row = (await session.execute(statement)).first()
        if row is None:
            return None
        account, sealed = row
        return WebServiceAccount(
            account.id, account.login, account.role == "operator", account.password_hash, self._open(sealed)
        )

    def _open(self, sealed: WebServiceDigestSecret | None) -> str | None:
        if sealed is None or self._box is None:
            return None
        if sealed.key_id != self._box.key_id:
            log.warning(
                "account %s: its PasswordDigest secret was sealed with another key", sealed.account_id
            )
            return None
        try:
            return self._box.open(sealed.sealed, str(sealed.account_id))
        except SecretBoxError:
            log.warning("account %s: its PasswordDigest secret does not open", sealed.account_id)
            return None

    async def keep_for_digest(self, login: str, password: str | None, actor: str) -> bool:
        """Seals ``password`` for PasswordDigest (None: forgets any sealed one).  Whether the
        account can now use PasswordDigest."""
        if password is not None and self._box is None:
            raise RegistryError(
                "PasswordDigest needs a key to seal the password with: set [seap] digest_key (docs/seap.md)"
            )
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await session.scalar(select(Account).where(Account.login == login))
            if account is None:
                raise RegistryNotFound(f"no account with login {login!r}")
            await session.execute(
                delete(WebServiceDigestSecret).where(WebServiceDigestSecret.account_id == account.id)
            )
            if password is not None:
                assert self._box is not None
                session.add(
                    WebServiceDigestSecret(
                        account_id=account.id,
                        sealed=self._box.seal(password, str(account.id)),
                        key_id=self._box.key_id,
                        updated_at=datetime.now(UTC),
                    )
                )
            audit.record(session, actor, "account.ws-digest", login, enabled=password is not None)
        return password is not None

    async def digest_enabled(self, login: str) -> bool:
        statement = (
            select(WebServiceDigestSecret.account_id)
            .join(Account, Account.id == WebServiceDigestSecret.account_id)
            .where(Account.login == login)
        )
        async with translate_database_errors(), self._sessions() as session:
            return await session.scalar(statement) is not None


class NonceStore:
    """Nonces seen, in the database: every process of the gateway refuses a replay."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], sweep_seconds: float = 60.0) -> None:
        self._sessions = sessions
        self._sweep_seconds = sweep_seconds
        self._swept_at: datetime | None = None

    async def remember(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """True the first time ``key`` is seen; False for a replay."""
        sweep = self._swept_at is None or (now - self._swept_at).total_seconds() >= self._sweep_seconds
        try:
            async with translate_database_errors(), self._sessions() as session, session.begin():
                expired = WebServiceNonce.expires_at < now
                condition = expired if sweep else (expired & (WebServiceNonce.key == key))
                await session.execute(delete(WebServiceNonce).where(condition))
                session.add(WebServiceNonce(key=key, expires_at=expires_at))
        except IntegrityError:
            return False
        if sweep:
            self._swept_at = now
        return True
