"""The composition root: builds the application from one ``Settings``; nothing connects before."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from gateway.adapters.broker.broker import Broker
from gateway.adapters.broker.relay import OutboxRelay
from gateway.adapters.broker.responses import ResponseConsumer
from gateway.adapters.metrics import Metrics
from gateway.adapters.receipt_signer import load_receipt_signer
from gateway.adapters.revocation import RevocationStatuses
from gateway.adapters.storage.accounts import Accounts
from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.documents import DocumentStore
from gateway.adapters.storage.mailbox import Mailbox
from gateway.adapters.storage.migrations import upgrade
from gateway.adapters.storage.registry import Registry
from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.adapters.trust_setup import build_revocation, build_signature_stage
from gateway.channels.http import keys
from gateway.channels.http.routes import add_routes, problems_middleware
from gateway.config import Settings, SignatureSettings
from gateway.core.pipeline import Checks
from gateway.core.registry.rights import load_rights_table
from gateway.core.signature.stage import RevocationLookup, XadesVerification
from gateway.core.validation.catalog import load_catalog
from gateway.extensions import load_extensions, trust_contributions
from gateway.services.receipts import Receipts
from gateway.services.rights import RightsCheck
from gateway.services.submission import Intake

log = logging.getLogger(__name__)


def configured_revocation(settings: SignatureSettings) -> RevocationStatuses:
    """The revocation statuses as configured, asking in-process the authorities extensions add.
    Their background refresh runs between ``start()`` and ``stop()``."""
    return build_revocation(settings, trust_contributions(settings))


def configured_signature_stage(
    settings: SignatureSettings, revocation: RevocationLookup | None = None
) -> XadesVerification:
    """The signature stage as configured, with what the installed extensions add, looking revocation
    statuses up in ``revocation`` (statuses of its own when not given)."""
    contributions = trust_contributions(settings)
    if revocation is None:
        revocation = build_revocation(settings, contributions)
    return build_signature_stage(settings, revocation, contributions=contributions)


def build_checks(settings: Settings, revocation: RevocationLookup) -> Checks:
    """The checks; run them with ``revocation.settle`` (they look revocation statuses up there)."""
    return Checks(
        catalog=load_catalog(settings.catalog.paths),
        signature=configured_signature_stage(settings.signature, revocation),
        parsing=settings.parsing,
    )


def create_app(settings: Settings, *, run_relay: bool = True) -> web.Application:
    app = web.Application(
        middlewares=[problems_middleware], client_max_size=settings.server.max_body_bytes + 1
    )
    app[keys.SETTINGS] = settings
    app[keys.METRICS] = Metrics()
    app[keys.OUTBOX_DOORBELL] = asyncio.Event()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_intake)
    if settings.amqp.enabled and run_relay:
        app.cleanup_ctx.append(_broker)
    add_routes(app)
    for extension in load_extensions():
        extension.add_routes(app, settings)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS].database
    if settings.migrate_on_start:
        await asyncio.to_thread(upgrade, settings.url)
    engine = create_engine(settings)
    sessions = session_factory(engine)
    app[keys.SESSIONS] = sessions
    app[keys.STORE] = DocumentStore(sessions)
    app[keys.MAILBOX] = Mailbox(sessions)
    app[keys.ACCOUNTS] = Accounts(sessions)
    metrics = app[keys.METRICS]
    app[keys.RECEIPTS] = Receipts(
        sessions,
        await asyncio.to_thread(load_receipt_signer, app[keys.SETTINGS].receipts),
        on_issued=lambda kind, stored: metrics.receipts.labels(str(kind), str(stored).lower()).inc(),
    )
    registry_settings = app[keys.SETTINGS].registry
    lookup = RegistryLookup(
        sessions, cache_seconds=registry_settings.cache_seconds, cache_size=registry_settings.cache_size
    )
    app[keys.REGISTRY_LOOKUP] = lookup
    app[keys.REGISTRY] = Registry(sessions, on_change=lookup.forget)
    watcher = _task(lookup.watch(), "registry generation watcher")
    yield
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    await engine.dispose()


async def _intake(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    revocation = await asyncio.to_thread(configured_revocation, settings.signature)
    checks = await asyncio.to_thread(build_checks, settings, revocation)
    executor = ThreadPoolExecutor(settings.server.check_threads, thread_name_prefix="checks")
    rights = RightsCheck(load_rights_table(settings.registry.rights_table), app[keys.REGISTRY_LOOKUP])
    app[keys.INTAKE] = Intake(
        checks,
        rights,
        app[keys.STORE],
        executor,
        app[keys.METRICS],
        revocation,
        on_committed=app[keys.OUTBOX_DOORBELL].set,
    )
    revocation.start()
    yield
    await revocation.stop()
    executor.shutdown(wait=False, cancel_futures=True)


async def _broker(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    metrics = app[keys.METRICS]
    broker = Broker(settings.amqp)
    relay = OutboxRelay(
        app[keys.SESSIONS],
        broker,
        settings.relay,
        settings.amqp.reconnect_seconds,
        doorbell=app[keys.OUTBOX_DOORBELL],
        on_published=metrics.published.inc,
    )
    consumer = ResponseConsumer(
        app[keys.SESSIONS], settings.amqp, on_stored=lambda outcome: metrics.responses.labels(outcome).inc()
    )
    app[keys.BROKER] = broker
    tasks = [_task(relay.run(), "outbox relay"), _task(consumer.run(), "responses consumer")]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await broker.close()


def _task(coroutine: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    def report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped: %r", name, task.exception())

    task = asyncio.create_task(coroutine, name=name)
    task.add_done_callback(report)
    return task
