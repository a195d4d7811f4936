"""RevocationStatuses.settle: the checks look statuses up and never wait; what they lack is obtained
on the event loop and they run once more, deciding on exactly that."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from gateway.adapters.revocation import RevocationStatuses
from gateway.core.signature.model import (
    RevocationEvidence,
    RevocationNeeded,
    RevocationStatus,
    RevocationUnavailable,
)
from gateway.demo.pki import CertificateAuthority, PkiDirectory
from gateway.demo.pki.local import LocalAuthorities
from gateway.demo.samplegen.signing import SAMPLE_PKI

OCSP_URL = "http://pki.test/sc/ocsp"
CRL_URL = "http://pki.test/sc/ca.crl"


class Net:
    """Answers with the CA's real responses, counting, or fails."""

    def __init__(self, ca: CertificateAuthority) -> None:
        self.ca = ca
        self.calls: list[str] = []
        self.down = False

    async def __call__(self, url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        self.calls.append(url)
        await asyncio.sleep(0)
        if self.down:
            raise ConnectionRefusedError("connection refused")
        if url == OCSP_URL and body is not None:
            return self.ca.ocsp_response(body, datetime.now(UTC))
        return self.ca.crl()


class Checks:
    """Stands in for the pipeline: looks the statuses of ``pairs`` up, in order, counting its runs."""

    def __init__(
        self, statuses: RevocationStatuses, *pairs: tuple[x509.Certificate, x509.Certificate]
    ) -> None:
        self.statuses = statuses
        self.pairs = pairs
        self.runs = 0
        self.at = datetime.now(UTC)

    def __call__(self) -> list[RevocationEvidence | str]:
        self.runs += 1
        found: list[RevocationEvidence | str] = []
        needed: list[tuple[x509.Certificate, x509.Certificate]] = []
        for cert, issuer in self.pairs:
            try:
                found.append(self.statuses.status(cert, issuer, at=self.at))
            except RevocationNeeded as missing:
                needed.extend(missing.pairs)
            except RevocationUnavailable as exc:
                found.append(f"unavailable: {exc}")
        if needed:
            raise RevocationNeeded(needed, self.at)
        return found


@pytest.fixture
def ca() -> CertificateAuthority:
    return CertificateAuthority.create("sc", base_url="http://pki.test/sc/")


@pytest.fixture
def net(ca: CertificateAuthority) -> Net:
    return Net(ca)


@pytest.fixture
async def statuses(net: Net) -> AsyncIterator[RevocationStatuses]:
    statuses = RevocationStatuses(timeout=1.0, fetch=net)
    yield statuses
    await statuses.stop()


async def test_cold_statuses_are_obtained_at_once_and_the_checks_run_once_more(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: Net
) -> None:
    jan, anna = ca.issue("Jan").certificate, ca.issue("Anna").certificate
    checks = Checks(statuses, (jan, ca.certificate), (anna, ca.certificate))
    found = await statuses.settle(None, checks)
    assert checks.runs == 2
    assert net.calls == [OCSP_URL, OCSP_URL]  # both asked in the one round
    assert [e.status for e in found if isinstance(e, RevocationEvidence)] == [RevocationStatus.GOOD] * 2

    with ThreadPoolExecutor(1) as executor:  # warm: one run, no network
        again = await statuses.settle(executor, Checks(statuses, (jan, ca.certificate)))
    assert again == found[:1] and len(net.calls) == 2


async def test_the_second_run_decides_on_a_failure_it_was_handed(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: Net
) -> None:
    jan = ca.issue("Jan").certificate
    net.down = True
    checks = Checks(statuses, (jan, ca.certificate))
    [found] = await statuses.settle(None, checks)
    assert checks.runs == 2
    assert isinstance(found, str) and "connection refused" in found and "OCSP" in found and "CRL" in found
    # remembered for a moment: the next check decides at once, without the network
    more = Checks(statuses, (jan, ca.certificate))
    assert await statuses.settle(None, more) == [found] and more.runs == 1
    assert net.calls == [OCSP_URL, CRL_URL]


async def test_what_one_settlement_obtained_is_not_handed_to_other_runs(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: Net
) -> None:
    """The obtained outcomes reach only the settling run; an unrelated run still needs its own."""
    jan, anna = ca.issue("Jan").certificate, ca.issue("Anna").certificate
    net.down = True
    await statuses.settle(None, Checks(statuses, (jan, ca.certificate)))
    outside = Checks(statuses, (anna, ca.certificate))
    with pytest.raises(RevocationNeeded):
        await asyncio.to_thread(outside)


async def test_concurrent_settlements_ask_once(
    statuses: RevocationStatuses, ca: CertificateAuthority, net: Net
) -> None:
    jan = ca.issue("Jan").certificate
    results = await asyncio.gather(
        *(statuses.settle(None, Checks(statuses, (jan, ca.certificate))) for _ in range(8))
    )
    assert net.calls == [OCSP_URL]
    assert all(result[0] is results[0][0] for result in results)


# --- the demo PKI, answered in-process -------------------------------------------------------------


def _files(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


async def test_checks_write_no_files_and_see_a_revocation_at_once(tmp_path: Path) -> None:
    """In-process answers: obtained off the check, kept while the authority is unchanged; revoking
    through another PkiDirectory (``gateway pki revoke``) shows on the next check; nothing in the PKI
    folder is written by a check (CRLs are the /pki/ routes' and the CLI's)."""
    folder = tmp_path / "pki"
    shutil.copytree(SAMPLE_PKI, folder)
    authorities = LocalAuthorities(PkiDirectory(folder))
    signed: list[str] = []
    sign = authorities.ocsp_response

    def counting(kind: str, request_der: bytes, now: datetime) -> bytes:
        signed.append(kind)
        return sign(kind, request_der, now)

    authorities.ocsp_response = counting  # type: ignore[method-assign]

    async def no_network(url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        raise AssertionError(f"{url} asked over the network")

    statuses = RevocationStatuses(local=authorities, fetch=no_network)
    admin = PkiDirectory(folder)
    sc = admin.authority("sc")
    person = next(
        i
        for i in sc.issued.values()
        if sc.record(i.serial).kind == "sc" and sc.record(i.serial).status == "good"
    )
    before = _files(folder)
    checks = Checks(statuses, (person.certificate, sc.certificate))
    [first] = await statuses.settle(None, checks)
    assert isinstance(first, RevocationEvidence) and first.location == "local:sc"
    for _ in range(3):
        assert await asyncio.to_thread(checks) == [first]  # no re-asking, no re-signing
    assert signed == ["sc"] and checks.runs == 5

    sc.revoke(person.serial, x509.ReasonFlags.key_compromise)
    admin.save(sc)
    after_revoking = _files(folder)
    with pytest.raises(RevocationNeeded):
        await asyncio.to_thread(checks)
    [revoked] = await statuses.settle(None, checks)
    assert isinstance(revoked, RevocationEvidence)
    assert (revoked.status, revoked.reason) == (RevocationStatus.REVOKED, "keyCompromise")
    assert signed == ["sc", "sc"]
    assert _files(folder) == after_revoking and set(after_revoking) == set(before)
    await statuses.stop()


async def test_renewal_of_local_answers_before_they_expire(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    shutil.copytree(SAMPLE_PKI, folder)
    authorities = LocalAuthorities(PkiDirectory(folder), ocsp_validity=timedelta(minutes=2))
    clock_now = [datetime.now(UTC)]
    statuses = RevocationStatuses(
        local=authorities, clock=lambda: clock_now[0], refresh_before=timedelta(minutes=5)
    )
    sc = PkiDirectory(folder).authority("sc")
    person = next(
        i
        for i in sc.issued.values()
        if sc.record(i.serial).kind == "sc" and sc.record(i.serial).status == "good"
    )
    first = await statuses.check(person.certificate, sc.certificate, at=clock_now[0])
    clock_now[0] += timedelta(seconds=70)  # past half its two minutes
    assert statuses.status(person.certificate, sc.certificate, at=clock_now[0]) is first
    assert await statuses.refresh_due() == 1
    renewed = statuses.status(person.certificate, sc.certificate, at=clock_now[0])
    assert renewed.this_update is not None and first.this_update is not None
    assert renewed.this_update > first.this_update  # signed anew: the demo's reuse (a minute) was over
    await statuses.stop()
