"""An account's side of the SEAP channel, administered like the rest of the registry: its
web-service password (and the sealed copy PasswordDigest needs), its own WS_PUSH endpoint and the
deliveries made to it (docs/seap.md)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway.adapters.storage.push import PushStore
from gateway.adapters.storage.webservice import WebServiceAccounts
from gateway.core.errors import RegistryError
from gateway.services.registry.accounts import AccountAdministration


class WebServiceAdministration:
    def __init__(
        self,
        accounts: AccountAdministration,
        web_service: WebServiceAccounts,
        push: PushStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._accounts = accounts
        self._web_service = web_service
        self._push = push
        self._clock = clock

    async def set_password(
        self, login: str, password: str | None, *, digest: bool, actor: str
    ) -> dict[str, Any]:
        """The web-service (and console) password: the one given, or a generated one shown once;
        ``digest``: also sealed for WS-Security PasswordDigest."""
        if digest and not self._web_service.digest_available:
            raise RegistryError("PasswordDigest needs a key to seal the password with: set [seap] digest_key")
        chosen = password or secrets.token_urlsafe(18)
        await self._accounts.set_password(login, chosen, actor=actor)
        sealed = await self._web_service.keep_for_digest(login, chosen if digest else None, actor)
        return {
            "login": login,
            "password": "set",
            "generated_password": None if password else chosen,
            "password_digest": sealed,
        }

    async def set_push_endpoint(self, login: str, url: str, actor: str) -> dict[str, Any]:
        return await self._push.set_endpoint(login, url, self._clock(), actor)

    async def remove_push_endpoint(self, login: str, actor: str) -> dict[str, Any]:
        return await self._push.remove_endpoint(login, actor)

    async def push_deliveries(
        self, login: str | None, status: str | None, limit: int
    ) -> list[dict[str, Any]]:
        if not 1 <= limit <= 1000:
            raise RegistryError("limit must be 1 to 1000")
        return await self._push.deliveries(login, status, limit)

    async def retry_push(self, delivery_id: int, actor: str) -> dict[str, Any]:
        return await self._push.retry(delivery_id, self._clock(), actor)
