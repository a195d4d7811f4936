"""Typed application state (aiohttp ``AppKey``), filled by the composition root."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters.broker.broker import Broker
from gateway.adapters.metrics import Metrics
from gateway.adapters.storage.accounts import Accounts
from gateway.adapters.storage.documents import DocumentStore
from gateway.adapters.storage.mailbox import Mailbox
from gateway.adapters.storage.registry import Registry
from gateway.adapters.storage.registry_lookup import RegistryLookup
from gateway.config import Settings
from gateway.services.receipts import Receipts
from gateway.services.submission import Intake

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
STORE = web.AppKey("store", DocumentStore)
MAILBOX = web.AppKey("mailbox", Mailbox)
ACCOUNTS = web.AppKey("accounts", Accounts)
REGISTRY = web.AppKey("registry", Registry)
REGISTRY_LOOKUP = web.AppKey("registry_lookup", RegistryLookup)
INTAKE = web.AppKey("intake", Intake)
#: issues and keeps the signed UPO/NPP of each document
RECEIPTS = web.AppKey("receipts", Receipts)
BROKER = web.AppKey("broker", Broker)
#: rung after each commit of an accepted document, so the relay publishes without waiting to poll
OUTBOX_DOORBELL = web.AppKey("outbox_doorbell", asyncio.Event)
