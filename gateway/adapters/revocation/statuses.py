"""Revocation statuses for the checks, never fetched on their path.

The checks (in worker threads) only look statuses up (:meth:`RevocationStatuses.status`): an answer
kept in the cache, a failure found out a moment ago, or :class:`RevocationNeeded`.  On the event loop,
:meth:`RevocationStatuses.settle` runs the checks; when they need statuses it obtains them all at
once (each within the configured timeout, with the event loop's HTTP client) and runs the checks
once more, which then decide on exactly what was obtained: the answer, or, when none could be had,
the signer kind's policy.  A background task (:meth:`start`/:meth:`stop`, owned by the composition
root) renews answers in use before they expire, so a steady stream of messages never waits.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from cryptography import x509

from gateway.adapters.revocation.cache import Clock, Entry, Key, StatusCache, key_of
from gateway.adapters.revocation.fetch import Fetch, HttpFetch
from gateway.adapters.revocation.sources import LocalStatusSource, StatusSources
from gateway.config import SignatureSettings
from gateway.core.revocation.answers import Freshness, aware
from gateway.core.signature.model import (
    CertificatePair,
    RevocationEvidence,
    RevocationNeeded,
    RevocationUnavailable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Unavailable:
    """No status could be had, and why."""

    reason: str


Outcome = RevocationEvidence | Unavailable

#: in the checks' second run: what was obtained for them (and nothing more will be)
_SETTLED: contextvars.ContextVar[Mapping[Key, Outcome] | None] = contextvars.ContextVar(
    "revocation_settled", default=None
)


class RevocationStatuses:
    """``timeout`` bounds each network exchange; ``max_age`` caps how long an answer is kept (its
    nextUpdate otherwise); answers in use are renewed ``refresh_before`` their expiry (or half-way
    through their lifetime, when that is shorter), looked for every ``refresh_interval``.
    ``local``: authorities asked in-process instead of over the network.  ``fetch`` and ``clock`` are
    injectable for tests."""

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        local: LocalStatusSource | None = None,
        fetch: Fetch | None = None,
        clock: Clock | None = None,
        freshness: Freshness | None = None,
        max_age: timedelta = timedelta(days=1),
        refresh_before: timedelta = timedelta(minutes=5),
        refresh_interval: float = 1.0,
        failure_ttl: timedelta = timedelta(seconds=3),
        max_entries: int = 10_000,
    ) -> None:
        if timeout <= 0:
            raise ValueError("signature.revocation_timeout_seconds must be positive")
        if max_age <= timedelta(0):
            raise ValueError("signature.revocation_max_age_seconds must be positive")
        if refresh_before < timedelta(0):
            raise ValueError("signature.revocation_refresh_before_seconds must not be negative")
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._local = local
        #: the HTTP client this object made (and closes), unless one was given
        self._http: HttpFetch | None = None
        if fetch is None:
            fetch = self._http = HttpFetch()
        self._freshness = freshness or Freshness()
        self._cache = StatusCache(
            self._now, max_age=max_age, failure_ttl=failure_ttl, max_entries=max_entries
        )
        self._sources = StatusSources(
            fetch,
            local,
            self._cache,
            self._now,
            timeout=timeout,
            freshness=self._freshness,
        )
        self._refresh_before = refresh_before
        self._refresh_interval = refresh_interval
        self._inflight: dict[Key, asyncio.Task[Outcome]] = {}
        self._refreshing: set[Key] = set()
        self._refresher: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        settings: SignatureSettings,
        *,
        local: LocalStatusSource | None = None,
        fetch: Fetch | None = None,
    ) -> RevocationStatuses:
        return cls(
            timeout=settings.revocation_timeout_seconds,
            local=local,
            fetch=fetch,
            freshness=Freshness(max_skew=timedelta(seconds=settings.max_clock_skew_seconds)),
            max_age=timedelta(seconds=settings.revocation_max_age_seconds),
            refresh_before=timedelta(seconds=settings.revocation_refresh_before_seconds),
        )

    @property
    def timeout(self) -> float:
        return self._sources.timeout

    # -- what the checks ask, from any thread; never waits ----------------------------------------

    def status(self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime) -> RevocationEvidence:
        at = aware(at)
        key = key_of(cert, issuer)
        settled = _SETTLED.get()
        if settled is not None and key in settled:
            return _given(settled[key])
        entry = self._cache.entry(key, at, self._freshness.max_skew)
        if entry is not None and self._still_holds(key, entry):
            return entry.answer.evidence
        failure = self._cache.failure(key)
        if failure is not None:
            raise RevocationUnavailable(failure)
        if settled is not None:
            raise RevocationUnavailable("no status was obtained for this certificate")
        raise RevocationNeeded([(cert, issuer)], at)

    def _still_holds(self, key: Key, entry: Entry) -> bool:
        """An in-process authority's answer holds while the authority's records are unchanged."""
        if entry.local is None or self._local is None:
            return True
        try:
            same = self._local.revision(entry.local.kind) == entry.local.revision
        except Exception:
            log.warning(
                "the local %s authority cannot say whether it changed", entry.local.kind, exc_info=True
            )
            same = False
        if not same:
            self._cache.forget(key)
        return same

    # -- on the event loop --------------------------------------------------------------------------

    async def settle(self, executor: Executor | None, run: Callable[[], T]) -> T:
        """``run()`` (the checks) in ``executor``; if it needs statuses, they are obtained and it runs
        once more, deciding on what was obtained."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, run)
        except RevocationNeeded as needed:
            outcomes = await self.obtain(needed.pairs, needed.at)
        context = contextvars.copy_context()
        context.run(_SETTLED.set, outcomes)
        return await loop.run_in_executor(executor, context.run, run)

    async def check(
        self, cert: x509.Certificate, issuer: x509.Certificate, *, at: datetime
    ) -> RevocationEvidence:
        """The status of ``cert`` at ``at``: from the cache, or obtained now; raises
        RevocationUnavailable when none can be had."""
        try:
            return self.status(cert, issuer, at=at)
        except RevocationNeeded as needed:
            outcomes = await self.obtain(needed.pairs, needed.at)
        return _given(outcomes[key_of(cert, issuer)])

    async def obtain(self, pairs: Sequence[CertificatePair], at: datetime) -> dict[Key, Outcome]:
        """The statuses of ``pairs`` for the moment ``at``, asked concurrently; a status some other
        request is already asking for is waited for, not asked twice."""
        at = aware(at)
        keys = [key_of(cert, issuer) for cert, issuer in pairs]
        outcomes = await asyncio.gather(
            *(
                self._obtain_one(key, cert, issuer, at)
                for key, (cert, issuer) in zip(keys, pairs, strict=True)
            )
        )
        return dict(zip(keys, outcomes, strict=True))

    async def _obtain_one(
        self, key: Key, cert: x509.Certificate, issuer: x509.Certificate, at: datetime
    ) -> Outcome:
        # what another request obtained since these checks looked is not asked again (an in-process
        # authority's answer is, rather than asking the authority's revision on the event loop)
        entry = self._cache.entry(key, at, self._freshness.max_skew)
        if entry is not None and entry.local is None:
            return entry.answer.evidence
        failure = self._cache.failure(key)
        if failure is not None:
            return Unavailable(failure)
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.create_task(self._ask(key, cert, issuer, at), name="revocation status")
            self._inflight[key] = running
            running.add_done_callback(functools.partial(self._done, key))
            return await asyncio.shield(running)  # a cancelled request does not cancel the others' asking
        outcome = await asyncio.shield(running)
        if (
            isinstance(outcome, RevocationEvidence)
            and self._cache.entry(key, at, self._freshness.max_skew) is None
        ):
            # asked for another moment than ours, and it does not speak for ours: ask for ours
            outcome = await self._ask(key, cert, issuer, at)
        return outcome

    def _done(self, key: Key, task: asyncio.Task[Outcome]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]

    async def _ask(self, key: Key, cert: x509.Certificate, issuer: x509.Certificate, at: datetime) -> Outcome:
        try:
            obtained = await self._sources.obtain(cert, issuer, at)
        except RevocationUnavailable as exc:
            failure = Unavailable(str(exc))
        except Exception as exc:  # a surprise in a library: no status, like any other failure
            log.exception("asking for the revocation status of serial %x failed", key[1])
            failure = Unavailable(f"the status could not be asked for: {type(exc).__name__}: {exc}")
        else:
            self._cache.store(key, obtained.answer, cert, issuer, obtained.local)
            return obtained.answer.evidence
        self._cache.fail(key, failure.reason)
        return failure

    # -- background refresh -------------------------------------------------------------------------

    def start(self) -> None:
        """Starts renewing answers in use before they expire (on the running event loop)."""
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.get_running_loop().create_task(
                self._refresh_forever(), name="revocation refresh"
            )

    async def stop(self) -> None:
        """Stops the background refresh and any asking under way; closes the HTTP client."""
        tasks = [*self._inflight.values(), *([self._refresher] if self._refresher else [])]
        self._refresher = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    async def refresh_due(self) -> int:
        """Renews, concurrently, every answer in use that is due; how many were asked for.  A failed
        renewal keeps the answer (while it is valid) and is tried again a moment later."""
        due = [
            (key, entry)
            for key, entry in self._cache.due(self._refresh_before)
            if key not in self._refreshing
        ]
        await asyncio.gather(*(self._refresh(key, entry) for key, entry in due))
        return len(due)

    async def _refresh(self, key: Key, entry: Entry) -> None:
        self._refreshing.add(key)
        try:
            obtained = await self._sources.obtain(entry.certificate, entry.issuer, self._now())
        except RevocationUnavailable as exc:
            log.warning("renewing the revocation status of serial %x failed: %s", key[1], exc)
        except Exception:
            log.exception("renewing the revocation status of serial %x failed", key[1])
        else:
            self._cache.store(key, obtained.answer, entry.certificate, entry.issuer, obtained.local)
        finally:
            self._cache.hold_refresh(key)
            self._refreshing.discard(key)

    async def _refresh_forever(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_interval)
            try:
                await self.refresh_due()
            except Exception:
                log.exception("the revocation refresh failed")

    def clear(self) -> None:
        """Forgets every answer, failure and CRL."""
        self._cache.clear()

    def _now(self) -> datetime:
        return aware(self._clock())


def _given(outcome: Outcome) -> RevocationEvidence:
    if isinstance(outcome, Unavailable):
        raise RevocationUnavailable(outcome.reason)
    return outcome
