"""Fixtures of the interoperability tests: one interop PKI and the gateway's checks per run."""

from __future__ import annotations

import pytest

from tests.interop.support import InteropPki, gateway_checks, make_interop_pki
from tests.support.checks import SettledChecks


@pytest.fixture(scope="session")
def interop_pki(tmp_path_factory: pytest.TempPathFactory) -> InteropPki:
    return make_interop_pki(tmp_path_factory.mktemp("interop") / "pki")


@pytest.fixture(scope="session")
def interop_checks(interop_pki: InteropPki) -> SettledChecks:
    return gateway_checks(interop_pki)
