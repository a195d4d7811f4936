"""tests/unit: the fast tests that need no service. Every test here is marked ``unit`` (so
``pytest -m unit`` runs them from anywhere in the tree), may not ask for a fixture that brings up a
database, a broker or a gateway, and is refused any connection to PostgreSQL, RabbitMQ or another
host: a unit test that needs a service fails here, so it is moved to tests/integration."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

UNIT = Path(__file__).resolve().parent
#: the root conftest's fixtures that need PostgreSQL, RabbitMQ or a running gateway
SERVICE_FIXTURES = frozenset({"postgresql_url", "database_url", "empty_database_url", "amqp_url", "gateway"})
#: PostgreSQL and RabbitMQ, on whatever host
SERVICE_PORTS = frozenset({5432, 5672})


class ServiceUsedInUnitTest(AssertionError):
    pass


def pytest_itemcollected(item: pytest.Item) -> None:
    if not item.path.is_relative_to(UNIT):
        return
    item.add_marker(pytest.mark.unit)
    wanted = SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if wanted:
        raise ServiceUsedInUnitTest(
            f"{item.nodeid} asks for {', '.join(sorted(wanted))}: a test needing a service belongs in "
            "tests/integration"
        )


def refused_address(family: int, address: Any) -> str | None:
    """Why a unit test may not connect to ``address``, or None when it may (loopback, not a service)."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        return None
    host, port = address[0], address[1]
    if port in SERVICE_PORTS:
        return f"port {port} is a service's (PostgreSQL or RabbitMQ)"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    return None if loopback else f"{host} is another host"


@pytest.fixture(autouse=True)
def no_services(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guarded(method: Any) -> Any:
        def call(self: socket.socket, address: Any) -> Any:
            reason = refused_address(self.family, address)
            if reason is not None:
                raise ServiceUsedInUnitTest(f"a unit test connected to {address}: {reason}")
            return method(self, address)

        return call

    monkeypatch.setattr(socket.socket, "connect", guarded(connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(connect_ex))
    yield
