"""OCSP answers and CRLs fetched over http(s) with the event loop's client (aiohttp), bounded in time
and size."""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from collections.abc import AsyncIterator
from typing import Protocol

import aiohttp

MAX_FETCH_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024


class Fetch(Protocol):
    async def __call__(self, url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        """POSTs ``body`` (as ``content_type``) when given, else GETs ``url``; the answer's bytes."""
        ...


class HttpFetch:
    """GET (or POST) over http(s): the answer must be a 200 of at most ``max_bytes``, all of it within
    ``timeout`` seconds.  One aiohttp session, made on first use on the event loop that uses it and
    closed by :meth:`close`; a call from another event loop (a CLI's ``asyncio.run``) gets a session
    of its own for that call."""

    def __init__(self, *, max_bytes: int = MAX_FETCH_BYTES) -> None:
        self._max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, url: str, body: bytes | None, content_type: str | None, timeout: float) -> bytes:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL scheme: {url}")
        headers = {"Content-Type": content_type} if content_type is not None else {}
        method = "GET" if body is None else "POST"
        try:
            async with (
                asyncio.timeout(timeout),
                self._session_here() as session,
                session.request(method, url, data=body, headers=headers) as response,
            ):
                return await self._read(url, response)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout:g} s") from None

    async def _read(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        if response.status != 200:
            raise OSError(f"HTTP {response.status} from {url}")
        too_large = OSError(f"answer from {url} is larger than {self._max_bytes} bytes")
        if response.content_length is not None and response.content_length > self._max_bytes:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self._max_bytes:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        """Closes the session (call it on the event loop that made it)."""
        session, self._session, self._loop = self._session, None, None
        if session is not None and not session.closed:
            await session.close()

    @contextlib.asynccontextmanager
    async def _session_here(self) -> AsyncIterator[aiohttp.ClientSession]:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed:
            # trust_env: proxies from the environment are used, as the standard library's client does
            self._session, self._loop = aiohttp.ClientSession(trust_env=True), loop
        if self._loop is loop:
            yield self._session
            return
        async with aiohttp.ClientSession(trust_env=True) as own:
            yield own
