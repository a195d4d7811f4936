"""The composition root: builds the adapters and services from one ``Settings``.

One place for the server, the CLI and the tests alike: :func:`running` opens the database, loads the
trust, the catalog and the receipt key, starts the background work (the registry watcher, the outbox
relay, the responses consumer) and yields the :class:`Services` a channel calls.  Nothing connects
before it is entered, and everything it started is stopped when it is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import Broker
from gateway.adapters.broker.relay import OutboxRelay
from gateway.adapters.broker.responses import ResponseConsumer
from gateway.adapters.broker.topology import QUEUES
from gateway.adapters.metrics import Metrics
from gateway.adapters.receipt_signer import load_receipt_signer
from gateway.adapters.storage.access import ReadRules
from gateway.adapters.storage.accounts import Accounts
from gateway.adapters.storage.database import create_engine, session_factory
from gateway.adapters.storage.documents import DocumentStore
from gateway.adapters.storage.mailbox import Mailbox
from gateway.adapters.storage.migrations import upgrade
from gateway.adapters.storage.registry import Registry
from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.adapters.trust_setup import build_signature_stage
from gateway.config import Settings, SignatureSettings
from gateway.core.domain import INBOUND_EXCHANGE, REGISTRY_SYSTEM, SYSTEMS, inbound_queue
from gateway.core.pipeline import CONTENT_READERS, Checks
from gateway.core.registry.rights import load_rights_table
from gateway.core.signature.stage import XadesVerification
from gateway.core.validation.catalog import Catalog, CatalogError, load_catalog
from gateway.extensions import trust_contributions
from gateway.services.accounts import AccountService
from gateway.services.assessment import Assessment
from gateway.services.documents import DocumentService
from gateway.services.health import HealthService
from gateway.services.mailbox import MailboxService
from gateway.services.operator import OperatorService
from gateway.services.receipts import Receipts
from gateway.services.rights import RightsCheck
from gateway.services.submission import SubmissionService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """What the channels call: one service per use case, and the registry administration."""

    settings: Settings
    metrics: Metrics
    submissions: SubmissionService
    documents: DocumentService
    receipts: Receipts
    mailbox: MailboxService
    accounts: AccountService
    health: HealthService
    #: what the console shows operators
    operator: OperatorService
    #: registry administration (``gateway registry`` and ``/api/v1/admin``)
    registry: Registry
    account_store: Accounts
    #: the database, for operator tools and tests that look at rows directly
    sessions: async_sessionmaker[AsyncSession]


def configured_signature_stage(settings: SignatureSettings) -> XadesVerification:
    """The signature stage as configured, with what the installed extensions add."""
    return build_signature_stage(settings, contributions=trust_contributions(settings))


def build_checks(settings: Settings) -> Checks:
    catalog = load_catalog(settings.catalog.paths)
    check_routes(catalog)
    return Checks(
        catalog=catalog,
        signature=configured_signature_stage(settings.signature),
        parsing=settings.parsing,
    )


def check_routes(catalog: Catalog) -> None:
    """Every system of the catalog must be one the gateway knows what to do with: a routed one
    needs its queue (else its messages would be accepted and then never published), one that is
    not routed needs a reader of its content.  ``CatalogError`` at start-up otherwise."""
    bound = {spec.binding for spec in QUEUES if spec.exchange == INBOUND_EXCHANGE}
    for schema in catalog:
        system = schema.system
        where = f"catalog set {system} {schema.version} ({schema.message_type})"
        if schema.routed:
            if system not in SYSTEMS or f"{system}.#" not in bound:
                raise CatalogError(
                    f"{where} is routed, but the gateway has no queue for {system} "
                    f"(routed systems: {', '.join(SYSTEMS)}; queue {inbound_queue(system)} is not declared)"
                )
        elif system not in CONTENT_READERS:
            raise CatalogError(
                f"{where} is not routed, and the gateway does nothing else with {system} messages "
                f"(only {REGISTRY_SYSTEM} applications are kept for an officer)"
            )


@contextlib.asynccontextmanager
async def running(settings: Settings, *, run_relay: bool = True) -> AsyncIterator[Services]:
    """The services of a running gateway; ``run_relay``: this process also relays the outbox and
    consumes responses (when ``amqp.enabled``)."""
    metrics = Metrics()
    doorbell = asyncio.Event()  # rung after each commit of an accepted document
    async with contextlib.AsyncExitStack() as stack:
        if settings.database.migrate_on_start:
            await asyncio.to_thread(upgrade, settings.database.url)
        engine = create_engine(settings.database)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        lookup = RegistryLookup(
            sessions, cache_seconds=settings.registry.cache_seconds, cache_size=settings.registry.cache_size
        )
        await stack.enter_async_context(_background(lookup.watch(), "registry generation watcher"))
        assessment = await _assessment(stack, settings, lookup, metrics)
        signer = await asyncio.to_thread(load_receipt_signer, settings.receipts)
        receipts = Receipts(
            sessions,
            signer,
            on_issued=lambda kind, stored: metrics.receipts.labels(str(kind), str(stored).lower()).inc(),
        )
        broker = await _start_routing(stack, settings, sessions, metrics, doorbell) if run_relay else None
        store = DocumentStore(sessions)
        read_rules = ReadRules(sessions)
        registry = Registry(sessions, on_change=lookup.forget)
        account_store = Accounts(sessions)
        health = HealthService(sessions, signer, metrics, lambda: broker)
        operator = OperatorService(sessions, health, metrics)
        await stack.enter_async_context(_background(operator.sample_every(), "throughput sampler"))
        yield Services(
            settings=settings,
            metrics=metrics,
            submissions=SubmissionService(assessment, store, metrics, on_committed=doorbell.set),
            documents=DocumentService(store, read_rules, receipts),
            receipts=receipts,
            mailbox=MailboxService(Mailbox(sessions), read_rules),
            accounts=AccountService(account_store, registry),
            health=health,
            operator=operator,
            registry=registry,
            account_store=account_store,
            sessions=sessions,
        )


@contextlib.asynccontextmanager
async def assessing(settings: Settings) -> AsyncIterator[Assessment]:
    """The checks and the rights (asked of the configured database, uncached) without the rest of
    a running gateway: for ``gateway check``."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.database.migrate_on_start:
            await asyncio.to_thread(upgrade, settings.database.url)
        engine = create_engine(settings.database)
        stack.push_async_callback(engine.dispose)
        lookup = RegistryLookup(session_factory(engine), cache_seconds=0)
        yield await _assessment(stack, settings, lookup, Metrics())


async def _assessment(
    stack: contextlib.AsyncExitStack, settings: Settings, lookup: RegistryLookup, metrics: Metrics
) -> Assessment:
    checks = await asyncio.to_thread(build_checks, settings)
    executor = ThreadPoolExecutor(settings.server.check_threads, thread_name_prefix="checks")
    stack.callback(executor.shutdown, wait=False, cancel_futures=True)
    rights = RightsCheck(load_rights_table(settings.registry.rights_table), lookup)
    return Assessment(checks, rights, executor, metrics)


async def _start_routing(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics,
    doorbell: asyncio.Event,
) -> Broker | None:
    """The outbox relay and the responses consumer, on one broker connection; None when disabled."""
    if not settings.amqp.enabled:
        return None
    broker = Broker(settings.amqp)
    stack.push_async_callback(broker.close)
    relay = OutboxRelay(
        sessions,
        broker,
        settings.relay,
        settings.amqp.reconnect_seconds,
        doorbell=doorbell,
        on_published=metrics.published.inc,
    )
    consumer = ResponseConsumer(
        sessions, settings.amqp, on_stored=lambda outcome: metrics.responses.labels(outcome).inc()
    )
    await stack.enter_async_context(_background(relay.run(), "outbox relay"))
    await stack.enter_async_context(_background(consumer.run(), "responses consumer"))
    return broker


@contextlib.asynccontextmanager
async def _background(coroutine: Coroutine[Any, Any, None], name: str) -> AsyncIterator[None]:
    """A task running while the context is open; an unexpected end is logged, the exit cancels it
    and waits for it to stop."""

    def report(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped: %r", name, task.exception())

    task = asyncio.create_task(coroutine, name=name)
    task.add_done_callback(report)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
