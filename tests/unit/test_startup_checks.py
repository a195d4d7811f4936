"""Start-up refuses a catalog whose systems the gateway cannot route or otherwise handle.

Before this check, a catalog set of a system the domain did not know was accepted with 202 and its
messages then failed to publish forever (``PublishRefused``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway.bootstrap import build_checks, check_routes, configured_revocation, running
from gateway.config import DEFAULT_CATALOG, Settings
from gateway.core.validation.catalog import CatalogError, load_catalog
from tests.unit.test_catalog import write_set


def test_the_shipped_catalog_passes() -> None:
    check_routes(load_catalog([DEFAULT_CATALOG]))


def test_a_routed_system_without_a_queue_is_refused(tmp_path: Path) -> None:
    write_set(tmp_path / "ics", set_id="ics2-1.0", system="ICS2")
    with pytest.raises(CatalogError, match=r"ICS2 .* is routed, but the gateway has no queue for ICS2"):
        check_routes(load_catalog([tmp_path / "ics"]))


def test_a_system_neither_routed_nor_read_is_refused(tmp_path: Path) -> None:
    manifest = write_set(tmp_path / "other", set_id="other-1.0", system="OTHER")
    manifest.write_text(
        manifest.read_text().replace('xsd_version = "1.0"', 'xsd_version = "1.0"\nrouted = false')
    )
    with pytest.raises(CatalogError, match="not routed, and the gateway does nothing else with OTHER"):
        check_routes(load_catalog([tmp_path / "other"]))


def test_the_gateway_does_not_start_with_such_a_catalog(tmp_path: Path) -> None:
    write_set(tmp_path / "ics", set_id="ics2-1.0", system="ICS2")
    settings = Settings().replace(
        catalog={"paths": (DEFAULT_CATALOG, tmp_path / "ics")},
        database={"url": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"},
        amqp={"enabled": False},
        receipts={"demo_dir": tmp_path / "receipts"},
    )
    with pytest.raises(CatalogError, match="no queue for ICS2"):
        build_checks(settings, configured_revocation(settings.signature))

    async def start() -> None:
        async with running(settings):
            pass

    with pytest.raises(CatalogError, match="no queue for ICS2"):
        asyncio.run(start())
