"""The composition root: builds the adapters and services from one ``Settings``.

One place for the server, the CLI and the tests alike: :func:`running` opens the database, loads the
trust, the catalog and the receipt key, starts the background work (the registry watcher, the outbox
relay, the responses consumer, the push delivery) and yields the :class:`Services` a channel calls.
Nothing connects before it is entered, and everything it started is stopped when it is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import Broker
from gateway.adapters.broker.relay import OutboxRelay
from gateway.adapters.broker.responses import ResponseConsumer
from gateway.adapters.broker.topology import QUEUES
from gateway.adapters.logs import (
    broker_dependency,
    configure_logging,
    database_dependency,
    explain_database_error,
    hide_password,
)
from gateway.adapters.metrics import Metrics
from gateway.adapters.push_client import PushClient
from gateway.adapters.receipt_signer import DEMO_CERTIFICATE, load_receipt_signer
from gateway.adapters.revocation import RevocationStatuses
from gateway.adapters.storage.access import ReadRules
from gateway.adapters.storage.database import (
    connection_limit,
    connections_per_process,
    create_engine,
    is_sqlite,
    session_factory,
)
from gateway.adapters.storage.document_writes import DocumentWriter
from gateway.adapters.storage.documents import DocumentBatches, DocumentStore
from gateway.adapters.storage.group_commit import GroupCommit, hold_for_tests_from
from gateway.adapters.storage.mailbox import Mailbox
from gateway.adapters.storage.migrations import upgrade
from gateway.adapters.storage.outbox import OutboxStore
from gateway.adapters.storage.outbox_signal import OutboxSignal
from gateway.adapters.storage.push import PushStore
from gateway.adapters.storage.registry.accounts import AccountStore
from gateway.adapters.storage.registry.applications import ApplicationStore
from gateway.adapters.storage.registry.audit import AuditTrail
from gateway.adapters.storage.registry.persons import PersonStore
from gateway.adapters.storage.registry.podmioty import PodmiotStore
from gateway.adapters.storage.registry.representations import RepresentationStore
from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.adapters.storage.webservice import NonceStore, WebServiceAccounts, load_digest_box
from gateway.adapters.trust_setup import SignatureSetupError, build_revocation, build_signature_stage
from gateway.config import DatabaseSettings, LogSettings, ReceiptSettings, Settings, SignatureSettings
from gateway.core.domain import INBOUND_EXCHANGE, REGISTRY_SYSTEM, SYSTEMS, inbound_queue
from gateway.core.errors import Unavailable
from gateway.core.pipeline import CONTENT_READERS, Checks
from gateway.core.registry.rights import load_rights_table
from gateway.core.seap.secretbox import SecretBox
from gateway.core.signature.stage import RevocationLookup, XadesVerification
from gateway.core.validation.catalog import Catalog, CatalogError, load_catalog
from gateway.extensions import trust_contributions
from gateway.services.accounts import AccountLinking, AccountService
from gateway.services.assessment import Assessment
from gateway.services.documents import DocumentService
from gateway.services.health import HealthService
from gateway.services.mailbox import MailboxService
from gateway.services.operator import OperatorService
from gateway.services.outbox import OutboxService
from gateway.services.push import PushDeliveries
from gateway.services.receipts import Receipts
from gateway.services.registry.accounts import AccountAdministration
from gateway.services.registry.administration import RegistryAdministration
from gateway.services.registry.applications import ApplicationService
from gateway.services.registry.pdr import PdrImport
from gateway.services.registry.persons import PersonAdministration
from gateway.services.registry.podmioty import PodmiotAdministration
from gateway.services.registry.representations import RepresentationAdministration
from gateway.services.registry.webservice import WebServiceAdministration
from gateway.services.rights import RightsCheck
from gateway.services.submission import SubmissionService
from gateway.services.token_cache import TokenCache
from gateway.services.webservice import WebServiceAuth

log = logging.getLogger(__name__)

#: how long a background task may take to stop once cancelled
STOP_SECONDS = 10.0


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
    administration: RegistryAdministration
    #: the database, for operator tools and tests that look at rows directly
    sessions: async_sessionmaker[AsyncSession]
    #: the outbox's dead letters (``gateway outbox`` and ``/api/v1/admin/outbox``)
    outbox: OutboxService
    #: the SEAP channel's WS-Security UsernameToken check
    web_service: WebServiceAuth


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
    catalog = load_catalog(settings.catalog.paths)
    check_routes(catalog)
    return Checks(
        catalog=catalog,
        signature=configured_signature_stage(settings.signature, revocation),
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
    async with contextlib.AsyncExitStack() as stack:
        if settings.database.migrate_on_start:
            await asyncio.to_thread(upgrade_database, settings.database)
        engine = create_engine(settings.database)
        stack.push_async_callback(engine.dispose)
        sessions = session_factory(engine)
        # rung after each commit of an accepted document: this process's relay, and the others'
        signal = OutboxSignal(settings.database, settings.amqp.reconnect_seconds)
        stack.push_async_callback(signal.close)
        await stack.enter_async_context(_background(signal.listen(), "outbox notifications"))
        lookup = RegistryLookup(
            sessions,
            cache_seconds=settings.registry.cache_seconds,
            cache_size=settings.registry.cache_size,
            database_url=settings.database.url,
        )
        await stack.enter_async_context(_background(lookup.watch(), "registry generation watcher"))
        assessment = await _assessment(stack, settings, lookup, metrics)
        signer = await asyncio.to_thread(load_receipt_signer, settings.receipts)
        receipts = Receipts(
            sessions,
            signer,
            on_issued=lambda kind, stored: metrics.receipts.labels(str(kind), str(stored).lower()).inc(),
        )
        broker = None
        if run_relay:
            broker = await _start_routing(stack, settings, sessions, metrics, signal.doorbell)
        store = DocumentStore(sessions, _group_commit(stack, settings.database, sessions))
        read_rules = ReadRules(sessions)
        digest_box = load_digest_box(settings.seap)
        tokens = TokenCache(settings.registry.token_cache_seconds, settings.registry.cache_size)

        def registry_changed() -> None:
            lookup.forget()
            tokens.forget()

        administration, accounts = _registry_services(sessions, registry_changed, digest_box, tokens)
        if run_relay and settings.seap.push_enabled:
            await _start_push(stack, settings, PushStore(sessions), read_rules)
        health = HealthService(sessions, signer, metrics, lambda: broker)
        outbox = OutboxService(OutboxStore(sessions), on_requeued=signal.ring)
        operator = OperatorService(sessions, health, outbox, metrics)
        await stack.enter_async_context(_background(operator.sample_every(), "throughput sampler"))
        yield Services(
            settings=settings,
            metrics=metrics,
            submissions=SubmissionService(
                assessment,
                store,
                metrics,
                on_committed=signal.ring,
                max_per_account=settings.server.max_submissions_per_account,
            ),
            documents=DocumentService(store, read_rules, receipts),
            receipts=receipts,
            mailbox=MailboxService(Mailbox(sessions), read_rules),
            accounts=accounts,
            health=health,
            operator=operator,
            administration=administration,
            sessions=sessions,
            outbox=outbox,
            web_service=WebServiceAuth(
                WebServiceAccounts(sessions, digest_box),
                NonceStore(sessions),
                timedelta(seconds=settings.seap.clock_skew_seconds),
            ),
        )


@contextlib.asynccontextmanager
async def assessing(settings: Settings) -> AsyncIterator[Assessment]:
    """The checks and the rights (asked of the configured database, uncached) without the rest of
    a running gateway: for ``gateway check``."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.database.migrate_on_start:
            await asyncio.to_thread(upgrade_database, settings.database)
        engine = create_engine(settings.database)
        stack.push_async_callback(engine.dispose)
        lookup = RegistryLookup(session_factory(engine), cache_seconds=0)
        yield await _assessment(stack, settings, lookup, Metrics())


@contextlib.asynccontextmanager
async def administering(settings: Settings) -> AsyncIterator[RegistryAdministration]:
    """The registry administration without the rest of a running gateway (no relay, no receipt
    key, no rights cache): for ``gateway registry``.  Running gateways see its changes at their
    next look at the registry's generation."""
    async with contextlib.AsyncExitStack() as stack:
        if settings.database.migrate_on_start:
            await asyncio.to_thread(upgrade_database, settings.database)
        engine = create_engine(settings.database)
        stack.push_async_callback(engine.dispose)
        yield registry_administration(session_factory(engine), digest_box=load_digest_box(settings.seap))


@contextlib.asynccontextmanager
async def outbox_administration(settings: Settings) -> AsyncIterator[OutboxService]:
    """The outbox's dead letters without the rest of a running gateway: for ``gateway outbox``.
    Running relays take re-queued rows at their next poll."""
    engine = create_engine(settings.database)
    try:
        yield OutboxService(OutboxStore(session_factory(engine)))
    finally:
        await engine.dispose()


def registry_administration(
    sessions: async_sessionmaker[AsyncSession],
    on_change: Callable[[], None] = lambda: None,
    digest_box: SecretBox | None = None,
) -> RegistryAdministration:
    """``on_change``: called after each committed change (a rights cache forgets); ``digest_box``:
    the key that seals PasswordDigest secrets, when one is configured."""
    return _registry_services(sessions, on_change, digest_box)[0]


def _registry_services(
    sessions: async_sessionmaker[AsyncSession],
    on_change: Callable[[], None],
    digest_box: SecretBox | None,
    tokens: TokenCache | None = None,
) -> tuple[RegistryAdministration, AccountService]:
    """The registry's stores, one per aggregate, and the services that use them."""
    trail = AuditTrail(sessions, on_change)
    accounts, persons = AccountStore(sessions), PersonStore()
    podmioty, representations = PodmiotStore(), RepresentationStore()
    linking = AccountLinking(trail, accounts, persons)
    applications = ApplicationService(
        trail, ApplicationStore(), DocumentStore(sessions), persons, podmioty, representations, accounts
    )
    account_administration = AccountAdministration(trail, accounts, persons)
    administration = RegistryAdministration(
        accounts=account_administration,
        linking=linking,
        persons=PersonAdministration(trail, persons, accounts, representations),
        podmioty=PodmiotAdministration(trail, podmioty, representations),
        representations=RepresentationAdministration(trail, representations, persons, podmioty),
        applications=applications,
        pdr=PdrImport(trail, persons, podmioty, representations),
        web_service=WebServiceAdministration(
            account_administration, WebServiceAccounts(sessions, digest_box), PushStore(sessions)
        ),
    )
    return administration, AccountService(
        trail, accounts, persons, podmioty, representations, linking, tokens=tokens
    )


async def _assessment(
    stack: contextlib.AsyncExitStack, settings: Settings, lookup: RegistryLookup, metrics: Metrics
) -> Assessment:
    revocation = await asyncio.to_thread(configured_revocation, settings.signature)
    checks = await asyncio.to_thread(build_checks, settings, revocation)
    executor = ThreadPoolExecutor(settings.server.check_threads, thread_name_prefix="checks")
    stack.callback(executor.shutdown, wait=False, cancel_futures=True)
    revocation.start()
    stack.push_async_callback(revocation.stop)
    rights = RightsCheck(load_rights_table(settings.registry.rights_table), lookup)
    return Assessment(checks, rights, executor, metrics, revocation, settings.server.check_bytes)


def _group_commit(
    stack: contextlib.AsyncExitStack, settings: DatabaseSettings, sessions: async_sessionmaker[AsyncSession]
) -> DocumentBatches:
    """The writer of submitted documents, several to a transaction; what has arrived is written
    before the database is let go."""
    writer = DocumentWriter(sessions, before_commit=hold_for_tests_from())
    batches: DocumentBatches = GroupCommit(
        writer.write,
        max_rows=settings.group_commit_rows,
        max_wait_seconds=settings.group_commit_wait_seconds,
    )
    batches.start()
    stack.push_async_callback(batches.stop)
    return batches


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
        on_dead_lettered=metrics.dead_lettered.inc,
        broker_state=broker_dependency("outbox relay", settings.amqp.url),
        database_state=database_dependency("outbox relay", settings.database.url),
        marking_state=database_dependency("outbox marker", settings.database.url),
    )
    consumer = ResponseConsumer(
        sessions,
        settings.amqp,
        on_stored=lambda outcome: metrics.responses.labels(outcome).inc(),
        database_url=settings.database.url,
    )
    await stack.enter_async_context(_background(relay.run(), "outbox relay"))
    await stack.enter_async_context(_background(consumer.run(), "responses consumer"))
    return broker


async def _start_push(
    stack: contextlib.AsyncExitStack, settings: Settings, store: PushStore, read_rules: ReadRules
) -> None:
    """Delivery to the accounts' own WS_PUSH endpoints (every process takes a share)."""
    client = PushClient(settings.seap.push_timeout_seconds)
    deliveries = PushDeliveries(
        store,
        read_rules,
        client,
        settings.seap,
        settings.parsing,
        database_state=database_dependency("push delivery", settings.database.url),
    )
    await stack.enter_async_context(_background(deliveries.run(), "push delivery"))


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
        # a task that does not stop when cancelled must not hold the shutdown for ever
        done, _ = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if not done:
            log.error("%s did not stop within %g s of being cancelled; left behind", name, STOP_SECONDS)


# --- for the commands: what ``gateway ...`` needs of the adapters, so that the channels import none


class DatabaseUnusable(Exception):
    """The configured database cannot be reached or used at start-up: told in one line."""


#: what the database adapter raises when a command cannot use the database (told as "database: ...")
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError,)
#: what building the signature stage raises for trust settings it cannot use
SETUP_ERRORS: tuple[type[Exception], ...] = (SignatureSetupError, DatabaseUnusable)


def database_problem(exc: BaseException, settings: DatabaseSettings) -> str:
    """One line for a command that could not use the database: which one, the setting, why."""
    return (
        f"database {hide_password(settings.url)} ([database] url, GATEWAY_DATABASE_URL) cannot be used: "
        f"{explain_database_error(exc)}"
    )


def configure_logs(settings: LogSettings, *, worker: int | None = None) -> None:
    """The process's logging as ``[log]`` says (``worker``: the worker of ``serve --workers N``)."""
    configure_logging(settings, worker=worker)


def upgrade_database(settings: DatabaseSettings) -> None:
    """Applies the schema migrations; :class:`DatabaseUnusable` when the database cannot be used."""
    try:
        upgrade(settings.url)
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        raise DatabaseUnusable(database_problem(exc, settings)) from exc


def connection_shortfall(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes could run the database out of connections under load (each may
    open :func:`connections_per_process`), or None when the server takes them all (and on SQLite)."""
    database = settings.database
    try:
        limit = asyncio.run(connection_limit(database.url, database.connect_timeout_seconds))
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        raise DatabaseUnusable(database_problem(exc, database)) from exc
    needed = workers * connections_per_process(database)
    if limit is None or needed <= limit:
        return None
    return (
        f"{workers} workers may open {needed} database connections ({connections_per_process(database)} "
        f"each: 2 x database.pool_size + 1), but the server takes {limit}: lower database.pool_size "
        "or the workers, or raise the server's max_connections"
    )


def require_database(settings: DatabaseSettings) -> None:
    """Refuses to go on when the configured database is an SQLite file that does not exist.

    Commands that only read or change what a gateway keeps (``gateway registry``, ``gateway
    outbox``) would otherwise create an empty database wherever they were started and then find
    nothing in it; ``gateway serve`` and ``gateway db upgrade`` create it.  A PostgreSQL database
    that is missing is told by the server when connecting."""
    url = make_url(settings.url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    file = Path(url.database)
    if not file.exists():
        raise Unavailable(
            f"no database at {redact(settings.url)}: the file {file.absolute()} does not exist. "
            "Name the gateway's database with the setting database.url (GATEWAY_DATABASE_URL or "
            "--config FILE), or create this one with `gateway db upgrade` or `gateway serve`"
        )


def relays_outbox(settings: Settings, worker: int) -> bool:
    """Whether worker ``worker`` of ``gateway serve --workers N`` relays the outbox.  On SQLite one
    process relays: its write lock already serialises them, and one is enough."""
    return worker == 0 or not is_sqlite(settings.database.url)


def redact(url: str) -> str:
    """A database or broker URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def receipt_certificates(settings: ReceiptSettings) -> list[Path]:
    """What receipts are checked against by default: the configured receipt certificate and its
    chain, else the demo signer's certificate if one was made."""
    if settings.certificate is not None:
        return [settings.certificate, *settings.chain]
    demo = settings.demo_dir / DEMO_CERTIFICATE
    if demo.exists():
        return [demo]
    raise ValueError("no receipt certificate is configured: give --certificate")
