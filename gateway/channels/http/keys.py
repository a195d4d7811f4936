"""Typed application state (aiohttp ``AppKey``)."""

from __future__ import annotations

from aiohttp import web

from gateway.bootstrap import Services
from gateway.config import Settings

SETTINGS = web.AppKey("settings", Settings)
#: the running gateway's services, set while the application runs (gateway/bootstrap.py)
SERVICES = web.AppKey("services", Services)
