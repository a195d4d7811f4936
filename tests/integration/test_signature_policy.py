"""Trust and revocation policy through the real HTTP API (both databases)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from cryptography import x509

from gateway.demo.samplegen import build
from gateway.demo.samplegen.signing import SAMPLE_PKI, sample_signer, sign_sample
from tests.conftest import Gateway, make_settings, start_gateway
from tests.support.messages import unique_params

# The samples' certificates name http://127.0.0.1:8080/pki/<kind>/ for OCSP and CRLs.
SAMPLE_PKI_PORT = 8080


def nothing_listens_on(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
async def without_local_pki(database_url: str) -> AsyncIterator[Gateway]:
    """Trusting the sample CAs as plain anchors: revocation must then be asked over the network,
    at the URLs in the certificates, where nothing answers."""
    assert nothing_listens_on(SAMPLE_PKI_PORT), "the test needs port 8080 free (no responder there)"
    signature = {
        "pki_dir": None,
        "sc_anchors": (SAMPLE_PKI / "sc" / "ca.pem",),
        "cbtd_anchors": (SAMPLE_PKI / "cbtd" / "ca.pem",),
        "revocation_timeout_seconds": 0.5,
    }
    async for running in start_gateway(make_settings(database_url, None, signature=signature)):
        yield running


async def test_hard_fail_revocation_refuses_with_a_retryable_503(without_local_pki: Gateway) -> None:
    token = await without_local_pki.token()
    body = sign_sample(build("CC015C", unique_params()), "sc-person")
    status, problem, headers = await without_local_pki.post(body, token)
    assert status == 503
    assert problem["code"] == "CERT_STATUS_UNKNOWN"
    assert headers["Retry-After"] == "30"


async def test_soft_fail_revocation_accepts_with_a_warning(without_local_pki: Gateway) -> None:
    token = await without_local_pki.token()
    body = sign_sample(build("IE818", unique_params(party="PL00000000001")), "cbtd-before-cutoff")
    status, receipt, _ = await without_local_pki.post(body, token)
    assert status == 202, receipt
    assert receipt["revocation"] is None
    warnings = receipt["warnings"]
    assert isinstance(warnings, list)
    assert any(w.startswith("REVOCATION_UNCHECKED") for w in warnings)
    assert any(w.startswith("CBTD_KEY_EXPIRES") for w in warnings)


@pytest.fixture
async def trusting_nothing(database_url: str) -> AsyncIterator[Gateway]:
    async for running in start_gateway(make_settings(database_url, None, signature={"pki_dir": None})):
        yield running


async def test_with_no_trust_configured_every_signature_is_untrusted(trusting_nothing: Gateway) -> None:
    token = await trusting_nothing.token()
    for role in ("sc-person", "qualified-person", "epuap-seal", "cbtd-before-cutoff"):
        body = sign_sample(build("CC015C", unique_params()), role)
        status, problem, _ = await trusting_nothing.post(body, token)
        assert (status, problem["code"]) == (422, "CERT_UNTRUSTED"), role


async def test_the_gateway_serves_its_demo_pki(gateway: Gateway) -> None:
    """With ``pki_dir`` set, the gateway publishes the CA certificates and CRLs of that PKI."""
    async with gateway.http.get(f"{gateway.url}/pki/sc/ca.crl") as response:
        assert response.status == 200
        crl = x509.load_der_x509_crl(await response.read())
    for role in ("sc-revoked", "sc-suspended"):
        serial = sample_signer(role).certificate.serial_number
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None, role
    good = sample_signer("sc-person").certificate.serial_number
    assert crl.get_revoked_certificate_by_serial_number(good) is None
