"""Sends a SOAP request to a trader's WS_PUSH endpoint over HTTP (aiohttp)."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

#: more of an answer is not read: a WS_PUSH answer is a few hundred bytes
MAX_ANSWER_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes


class PushUnreachable(Exception):
    """No HTTP answer: refused connection, time-out, TLS failure, an answer too large."""


class PushClient:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, body: bytes, soap_action: str) -> HttpAnswer:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'}
        try:
            async with self._session.post(url, data=body, headers=headers, allow_redirects=False) as answer:
                content = await answer.content.read(MAX_ANSWER_BYTES + 1)
                if len(content) > MAX_ANSWER_BYTES:
                    raise PushUnreachable(f"the answer passes {MAX_ANSWER_BYTES} bytes")
                return HttpAnswer(answer.status, content)
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise PushUnreachable(f"{type(exc).__name__}: {exc}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
