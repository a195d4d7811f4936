"""Push to the accounts' own WS_PUSH endpoints: the endpoints, the deliveries and every attempt.

Planning makes one delivery per (account, response) for the responses an account with an endpoint
may read (the mailbox's read rules) that arrived after the endpoint was set.  Deliveries are
claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite: its write lock), and a claim is a
lease: the row's ``next_attempt_at`` moves past the attempt's end, so a process that dies while
delivering leaves the row to be taken again when the lease ends.  Delivery is at least once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, and_, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.storage.access import readable_condition
from gateway.adapters.storage.errors import translate_database_errors
from gateway.adapters.storage.mailbox import parties_columns, parties_of
from gateway.adapters.storage.registry import audit
from gateway.adapters.storage.tables import (
    Account,
    Document,
    PushAttempt,
    PushDelivery,
    PushEndpoint,
    Response,
    UtcDateTime,
)
from gateway.core.errors import RegistryError, RegistryNotFound
from gateway.core.mailbox import SiscParties
from gateway.core.registry.access import Readers
from gateway.core.seap.push import CANCELLED, DELIVERED, FAILED, PENDING


@dataclass(frozen=True, slots=True)
class Endpoint:
    account_id: int
    login: str
    url: str
    since: datetime


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery and what is sent."""

    id: int
    url: str
    attempts: int
    response_message_id: str
    reference: str
    body: bytes
    parties: SiscParties


@dataclass(frozen=True, slots=True)
class AttemptResult:
    delivered: bool
    duration_ms: int
    http_status: int | None = None
    detail: str | None = None
    remote_ref: str | None = None


class PushStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    # --- the operator's side --------------------------------------------------------------------

    async def set_endpoint(self, login: str, url: str, now: datetime, actor: str) -> dict[str, Any]:
        if not url.startswith(("https://", "http://")) or len(url) > 2000:
            raise RegistryError("the endpoint must be an http:// or https:// URL of at most 2000 characters")
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await _account(session, login)
            endpoint = await session.get(PushEndpoint, account.id)
            if endpoint is None:
                session.add(PushEndpoint(account_id=account.id, url=url, since=now, updated_at=now))
            else:
                endpoint.url, endpoint.updated_at = url, now
                await session.execute(
                    update(PushDelivery)
                    .where(PushDelivery.account_id == account.id, PushDelivery.status == PENDING)
                    .values(url=url)
                )
            audit.record(session, actor, "account.push-endpoint", login, url=url)
        return {"login": login, "url": url, "since": (endpoint.since if endpoint else now).isoformat()}

    async def remove_endpoint(self, login: str, actor: str) -> dict[str, Any]:
        """No more pushes; pending deliveries are cancelled (the responses stay in the mailbox)."""
        async with translate_database_errors(), self._sessions() as session, session.begin():
            account = await _account(session, login)
            removed = await _changed(
                session, delete(PushEndpoint).where(PushEndpoint.account_id == account.id)
            )
            cancelled = await _changed(
                session,
                update(PushDelivery)
                .where(PushDelivery.account_id == account.id, PushDelivery.status == PENDING)
                .values(status=CANCELLED),
            )
            audit.record(session, actor, "account.push-endpoint-remove", login)
        return {"login": login, "removed": removed > 0, "cancelled": cancelled}

    async def deliveries(
        self, login: str | None, status: str | None, limit: int, attempts: bool = True
    ) -> list[dict[str, Any]]:
        """The newest deliveries first, each with its attempts."""
        statement = (
            select(PushDelivery, Account.login, Response.message_id, Response.reference)
            .join(Account, Account.id == PushDelivery.account_id)
            .join(Response, Response.id == PushDelivery.response_id)
            .order_by(PushDelivery.id.desc())
            .limit(limit)
        )
        if login is not None:
            statement = statement.where(Account.login == login)
        if status is not None:
            statement = statement.where(PushDelivery.status == status)
        async with translate_database_errors(), self._sessions() as session:
            rows = (await session.execute(statement)).all()
            ids = [row[0].id for row in rows]
            tried = (
                (
                    await session.scalars(
                        select(PushAttempt).where(PushAttempt.delivery_id.in_(ids)).order_by(PushAttempt.id)
                    )
                ).all()
                if attempts and ids
                else []
            )
        by_delivery: dict[int, list[dict[str, Any]]] = {}
        for attempt in tried:
            by_delivery.setdefault(attempt.delivery_id, []).append(
                {
                    "at": attempt.at.isoformat(),
                    "outcome": attempt.outcome,
                    "http_status": attempt.http_status,
                    "detail": attempt.detail,
                    "duration_ms": attempt.duration_ms,
                }
            )
        return [
            {
                "id": delivery.id,
                "login": account_login,
                "url": delivery.url,
                "response": message_id,
                "reference": reference,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at.isoformat()
                if delivery.status == PENDING
                else None,
                "delivered_at": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
                "remote_ref": delivery.remote_ref,
                "last_error": delivery.last_error,
                "tries": by_delivery.get(delivery.id, []),
            }
            for delivery, account_login, message_id, reference in rows
        ]

    async def retry(self, delivery_id: int, now: datetime, actor: str) -> dict[str, Any]:
        """A failed or cancelled delivery back to pending, due now."""
        async with translate_database_errors(), self._sessions() as session, session.begin():
            delivery = await session.get(PushDelivery, delivery_id)
            if delivery is None:
                raise RegistryNotFound(f"no push delivery {delivery_id}")
            if delivery.status in (PENDING, DELIVERED):
                raise RegistryError(f"push delivery {delivery_id} is {delivery.status}")
            delivery.status, delivery.next_attempt_at = PENDING, now
            audit.record(session, actor, "push.retry", str(delivery_id))
        return {"id": delivery_id, "status": PENDING}

    # --- the delivery service's side -------------------------------------------------------------

    async def endpoints(self) -> list[Endpoint]:
        statement = select(PushEndpoint, Account.login).join(Account, Account.id == PushEndpoint.account_id)
        async with translate_database_errors(), self._sessions() as session:
            rows = (await session.execute(statement.where(Account.status == "active"))).all()
        return [Endpoint(e.account_id, login, e.url, e.since) for e, login in rows]

    async def plan(self, endpoint: Endpoint, readers: Readers, now: datetime) -> int:
        """Deliveries for the responses the endpoint's account may read that have none yet; how
        many were made.  The endpoint's row is held while planning, so that two processes do not
        plan the same one at once."""
        already = exists().where(
            PushDelivery.account_id == endpoint.account_id, PushDelivery.response_id == Response.id
        )
        candidates = (
            select(
                literal(endpoint.account_id),
                Response.id,
                literal(endpoint.url),
                literal(PENDING),
                literal(0),
                literal(now, UtcDateTime()),
                literal(now, UtcDateTime()),
            )
            .join(Document, Document.reference == Response.reference)
            .where(readable_condition(readers), Response.received_at >= endpoint.since, ~already)
        )
        columns = ["account_id", "response_id", "url", "status", "attempts", "next_attempt_at", "created_at"]
        async with translate_database_errors(), self._sessions() as session, session.begin():
            held = await session.scalar(
                select(PushEndpoint.account_id)
                .where(PushEndpoint.account_id == endpoint.account_id, PushEndpoint.url == endpoint.url)
                .with_for_update(skip_locked=True)
            )
            if held is None:  # being planned elsewhere, or changed meanwhile: the next pass sees it
                return 0
            made = await _changed(session, insert(PushDelivery).from_select(columns, candidates))
        return max(made, 0)

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[DueDelivery]:
        """Due deliveries, leased until ``now + lease``."""
        due = (
            select(
                PushDelivery.id,
                PushDelivery.url,
                PushDelivery.attempts,
                Response.message_id,
                Response.reference,
                Response.body,
                *parties_columns(),
            )
            .join(Response, Response.id == PushDelivery.response_id)
            .join(Document, Document.reference == Response.reference)
            .where(PushDelivery.status == PENDING, PushDelivery.next_attempt_at <= now)
            .order_by(PushDelivery.next_attempt_at, PushDelivery.id)
            .limit(limit)
            .with_for_update(of=PushDelivery, skip_locked=True)
        )
        async with translate_database_errors(), self._sessions() as session, session.begin():
            rows = (await session.execute(due)).all()
            if rows:
                await session.execute(
                    update(PushDelivery)
                    .where(PushDelivery.id.in_([row.id for row in rows]))
                    .values(next_attempt_at=now + lease)
                    .execution_options(synchronize_session=False)
                )
        return [
            DueDelivery(
                row.id, row.url, row.attempts, row.message_id, row.reference, bytes(row.body), parties_of(row)
            )
            for row in rows
        ]

    async def record(
        self, delivery: DueDelivery, result: AttemptResult, now: datetime, retry_at: datetime | None
    ) -> str:
        """The attempt, and the delivery's new state: delivered, pending again at ``retry_at``,
        or failed (``retry_at`` None).  The state."""
        status = DELIVERED if result.delivered else PENDING if retry_at is not None else FAILED
        values: dict[str, Any] = {"status": status, "attempts": PushDelivery.attempts + 1}
        if result.delivered:
            values.update(delivered_at=now, remote_ref=result.remote_ref, last_error=None)
        else:
            values.update(last_error=result.detail, next_attempt_at=retry_at or now)
        async with translate_database_errors(), self._sessions() as session, session.begin():
            session.add(
                PushAttempt(
                    delivery_id=delivery.id,
                    at=now,
                    outcome=DELIVERED if result.delivered else FAILED,
                    http_status=result.http_status,
                    detail=result.detail if not result.delivered else result.remote_ref,
                    duration_ms=result.duration_ms,
                )
            )
            # only while still pending: an operator's cancel meanwhile stands
            await session.execute(
                update(PushDelivery)
                .where(and_(PushDelivery.id == delivery.id, PushDelivery.status == PENDING))
                .values(**values)
            )
        return status


async def _changed(session: AsyncSession, statement: Executable) -> int:
    """How many rows ``statement`` inserted, updated or deleted."""
    result = cast("CursorResult[Any]", await session.execute(statement))
    return int(result.rowcount)


async def _account(session: AsyncSession, login: str) -> Account:
    account = await session.scalar(select(Account).where(Account.login == login))
    if account is None:
        raise RegistryNotFound(f"no account with login {login!r}")
    return account
